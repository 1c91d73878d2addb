//! The configuration file: `--config streetwise.toml` (or `STREETWISE_CONFIG`).
//!
//! Its keys are the settings' names (`plugin_timeout_ms`: the flag without its dashes, `-` as
//! `_`), one flat table. The command line is parsed twice: once to learn which file to read,
//! then again with the file's values set as the defaults clap falls back on. So the order is
//! clap's own: a flag beats the environment, the environment beats the file, and the file
//! beats the built-in default. A key that is no setting is an error naming it, so a typo does
//! not silently leave a default in place.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::{ArgMatches, Args, Command, FromArgMatches, Parser};

use super::Settings;
use crate::telemetry::LogFormat;

/// The id of the setting that names the file: not a key of the file itself.
const CONFIG: &str = "config";
/// The id of a setting only [`Settings`] defines: where it is, the settings are. `config`
/// cannot tell, because `plugin test` has a `--config KEY=VALUE` of its own.
const LOG_FORMAT: &str = "log_format";

/// Why the command line could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// What clap says (including `--help` and `--version`, which it prints and exits on).
    #[error(transparent)]
    Cli(#[from] clap::Error),
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },
}

/// A parsed command line, with the log format it asks for.
pub struct Parsed<P> {
    pub value: P,
    pub log_format: LogFormat,
}

/// Parses `args` as `P`, with the configuration file its settings name (if any) as defaults.
pub fn parse_from<P, I, T>(args: I) -> Result<Parsed<P>, LoadError>
where
    P: Parser,
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let first = P::command().try_get_matches_from(&args)?;
    let Some((path, file)) = named_file(&first) else {
        return finish(P::command(), &first);
    };
    let values = read(&file)?;
    let command = with_defaults(P::command(), &path, &values);
    let matches = command.clone().try_get_matches_from(&args)?;
    finish(command, &matches)
}

/// `Settings` alone from `args` (`["streetwise", "--bind", ...]`), layered the same way.
pub fn settings_from<I, T>(args: I) -> Result<Settings, LoadError>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    #[derive(Parser)]
    struct Only {
        #[command(flatten)]
        settings: Settings,
    }
    Ok(parse_from::<Only, _, _>(args)?.value.settings)
}

fn finish<P: FromArgMatches>(
    mut command: Command,
    matches: &ArgMatches,
) -> Result<Parsed<P>, LoadError> {
    let value = P::from_arg_matches(matches).map_err(|e| e.format(&mut command))?;
    let log_format = innermost(matches)
        .and_then(|(_, m)| m.get_one::<LogFormat>(LOG_FORMAT).copied())
        .unwrap_or_else(LogFormat::from_env);
    Ok(Parsed { value, log_format })
}

/// The deepest (sub)command with the settings, and the names leading to it.
fn innermost(matches: &ArgMatches) -> Option<(Vec<String>, &ArgMatches)> {
    let mut names = Vec::new();
    let mut found = None;
    let mut current = matches;
    loop {
        if current.try_get_one::<LogFormat>(LOG_FORMAT).is_ok() {
            found = Some((names.clone(), current));
        }
        match current.subcommand() {
            Some((name, sub)) => {
                names.push(name.to_string());
                current = sub;
            }
            None => return found,
        }
    }
}

/// The file the command line names, and where in the command tree its settings are.
fn named_file(matches: &ArgMatches) -> Option<(Vec<String>, PathBuf)> {
    let (names, settings) = innermost(matches)?;
    let file = settings.get_one::<PathBuf>(CONFIG)?.clone();
    Some((names, file))
}

/// The names of the settings a file may set.
pub fn keys() -> Vec<String> {
    Settings::augment_args(Command::new("settings"))
        .get_arguments()
        .map(|arg| arg.get_id().to_string())
        .filter(|id| id != CONFIG)
        .collect()
}

/// The file's settings as the strings clap parses, by setting name.
fn read(path: &Path) -> Result<BTreeMap<String, Vec<String>>, LoadError> {
    let error = |message: String| LoadError::File {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| error(format!("cannot read: {e}")))?;
    values(&text).map_err(error)
}

/// The settings in a file's text.
pub(crate) fn values(text: &str) -> Result<BTreeMap<String, Vec<String>>, String> {
    let table: toml::Table = text.parse().map_err(|e| format!("not valid TOML: {e}"))?;
    let known = keys();
    let mut values = BTreeMap::new();
    for (key, value) in table {
        if !known.contains(&key) {
            return Err(format!(
                "unknown setting {key:?} (the settings are listed in streetwise.example.toml)"
            ));
        }
        let strings = match value {
            toml::Value::Array(items) => items
                .into_iter()
                .map(|item| scalar(&key, item))
                .collect::<Result<_, _>>()?,
            value => vec![scalar(&key, value)?],
        };
        values.insert(key, strings);
    }
    Ok(values)
}

fn scalar(key: &str, value: toml::Value) -> Result<String, String> {
    match value {
        toml::Value::String(s) => Ok(s),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        other => Err(format!(
            "{key}: a {} is not a setting's value (use a string, number, boolean or list)",
            other.type_str()
        )),
    }
}

/// `command` with `values` as the defaults of the settings of the subcommand at `path`.
fn with_defaults(
    command: Command,
    path: &[String],
    values: &BTreeMap<String, Vec<String>>,
) -> Command {
    match path.split_first() {
        Some((name, rest)) => command.mut_subcommand(name, |sub| with_defaults(sub, rest, values)),
        None => values.iter().fold(command, |command, (key, strings)| {
            command.mut_arg(key, |arg| arg.default_values(strings.clone()))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("streetwise-config-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("streetwise.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn the_file_sets_what_no_flag_sets_and_a_flag_beats_the_file() {
        let path = file(
            "bind = \"0.0.0.0:9000\"\nmax_batch = 64\nplugin_timeout_ms = 250\n\
             run_timers = false\nscore_weight_handling = 0.25\n\
             open311_private_items = [\"13-002\"]\nlog_format = \"json\"\n",
        );
        let config = path.to_str().unwrap();
        let settings =
            settings_from(["streetwise", "--config", config, "--max-batch", "8"]).unwrap();
        assert_eq!(settings.bind, "0.0.0.0:9000");
        assert_eq!(settings.max_batch, 8, "the flag wins");
        assert_eq!(settings.plugins.plugin_timeout_ms, 250);
        assert!(!settings.run_timers);
        assert_eq!(settings.score.score_weight_handling, 0.25);
        assert_eq!(settings.open311.private_items(), ["13-002"]);
        assert_eq!(settings.log_format, LogFormat::Json);
        // What the file leaves out keeps its default.
        assert_eq!(settings.plugins.plugin_memory_mib, 32);
    }

    #[test]
    fn a_setting_the_file_misspells_is_an_error_naming_it() {
        let path = file("bind = \"0.0.0.0:9000\"\nplugin_timout_ms = 250\n");
        let config = path.to_str().unwrap();
        let error = settings_from(["streetwise", "--config", config])
            .expect_err("refused")
            .to_string();
        assert!(error.contains("\"plugin_timout_ms\""), "{error}");
        assert!(error.contains("streetwise.toml"), "{error}");
        // Nor may a file name another file, nor hold a table.
        assert!(values("config = \"other.toml\"").is_err());
        assert!(values("[plugins]\nplugin_timeout_ms = 1").is_err());
    }

    #[test]
    fn a_bad_value_in_the_file_is_refused_like_a_bad_flag() {
        let path = file("breaker_window = 65\n");
        let config = path.to_str().unwrap();
        let error = settings_from(["streetwise", "--config", config]).err();
        assert!(matches!(error, Some(LoadError::Cli(_))), "{error:?}");
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let error = settings_from(["streetwise", "--config", "/nonexistent/streetwise.toml"])
            .expect_err("refused")
            .to_string();
        assert!(error.contains("/nonexistent/streetwise.toml"), "{error}");
    }
}
