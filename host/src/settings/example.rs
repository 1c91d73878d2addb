//! `streetwise.example.toml`, written from the settings' clap definitions: every setting with
//! its doc comment, flag, environment variable and default. A test compares the shipped file
//! with what this renders, so a new setting cannot be left out of it.

use std::any::TypeId;
use std::fmt::Write;

use clap::builder::{Arg, ValueParser};
use clap::{Args, Command};

use super::Settings;

/// Where the example file is, from the workspace root.
pub const FILE: &str = "streetwise.example.toml";

const WIDTH: usize = 96;

/// The text of the example configuration file.
pub fn render() -> String {
    let command = Settings::augment_args(Command::new("serve"));
    let mut out = String::from(
        "# Streetwise settings (`streetwise serve --config streetwise.toml`, or STREETWISE_CONFIG).\n\
         #\n\
         # Every setting with its default, commented out: uncomment and change what you need.\n\
         # A flag beats an environment variable, which beats this file, which beats the default.\n\
         # A key that is no setting is an error. Generated from the settings' definitions\n\
         # (host/src/settings/example.rs); a test fails when this file is out of date.\n",
    );
    for arg in command.get_arguments() {
        let id = arg.get_id().as_str();
        if id == "config" {
            continue;
        }
        out.push('\n');
        let help = arg
            .get_long_help()
            .or(arg.get_help())
            .map(ToString::to_string)
            .unwrap_or_default();
        // clap drops the full stop of a one-line doc comment; a sentence keeps it here.
        let help = if help.ends_with(|c: char| c.is_alphanumeric() || c == ')' || c == '`') {
            format!("{help}.")
        } else {
            help
        };
        for line in wrap(&help, WIDTH - 2) {
            let _ = writeln!(out, "# {line}");
        }
        let mut names = Vec::new();
        if let Some(long) = arg.get_long() {
            names.push(format!("--{long}"));
        }
        if let Some(env) = arg.get_env() {
            names.push(env.to_string_lossy().into_owned());
        }
        let choices: Vec<String> = arg
            .get_possible_values()
            .iter()
            .map(|v| v.get_name().to_string())
            .collect();
        if !choices.is_empty() && !bare(arg.get_value_parser()) {
            names.push(format!("one of: {}", choices.join(", ")));
        }
        let _ = writeln!(out, "# ({})", names.join("; "));
        match value(arg) {
            Some(value) => {
                let _ = writeln!(out, "# {id} = {value}");
            }
            None => {
                let _ = writeln!(out, "# {id} =  (no default: unset)");
            }
        }
    }
    out
}

/// The default as a TOML value, or `None` for a setting unset by default.
fn value(arg: &Arg) -> Option<String> {
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    let list = arg.get_value_delimiter().is_some();
    if defaults.is_empty() && !list {
        return None;
    }
    let bare = bare(arg.get_value_parser());
    let one = |v: &str| {
        if bare {
            v.to_string()
        } else {
            format!("{v:?}")
        }
    };
    Some(if list {
        let items: Vec<String> = defaults
            .iter()
            .flat_map(|d| d.split(arg.get_value_delimiter().unwrap_or(',')))
            .filter(|d| !d.is_empty())
            .map(one)
            .collect();
        format!("[{}]", items.join(", "))
    } else {
        one(&defaults[0])
    })
}

/// Whether the setting's values are TOML numbers or booleans rather than strings.
fn bare(parser: &ValueParser) -> bool {
    let id = parser.type_id();
    [
        TypeId::of::<bool>(),
        TypeId::of::<u16>(),
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<usize>(),
        TypeId::of::<i32>(),
        TypeId::of::<i64>(),
        TypeId::of::<f32>(),
        TypeId::of::<f64>(),
    ]
    .into_iter()
    .any(|t| id == t)
}

/// `text` in lines of at most `width` characters, broken at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split("\n\n") {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(FILE);
        std::fs::read_to_string(&path).unwrap_or_default()
    }

    #[test]
    fn the_shipped_example_lists_every_setting_as_the_definitions_say() {
        let rendered = render();
        for key in super::super::file::keys() {
            assert!(
                rendered.contains(&format!("\n# {key} =")),
                "{key} is missing from the rendered example"
            );
        }
        if std::env::var_os("STREETWISE_WRITE_EXAMPLE").is_some() {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(FILE);
            std::fs::write(path, &rendered).unwrap();
        }
        let shipped = shipped();
        for key in super::super::file::keys() {
            assert!(
                shipped.contains(&format!("\n# {key} =")),
                "{key} is missing from {FILE}: run \
                 `STREETWISE_WRITE_EXAMPLE=1 cargo test -p streetwise --lib example` and commit it"
            );
        }
        assert!(
            shipped == rendered,
            "{FILE} is out of date: run \
             `STREETWISE_WRITE_EXAMPLE=1 cargo test -p streetwise --lib example` and commit it"
        );
    }

    #[test]
    fn the_example_with_every_line_uncommented_gives_the_defaults() {
        // Every `# key = value` line with a value, uncommented, is a file setting each
        // setting to its documented default.
        let keys = super::super::file::keys();
        let text: String = render()
            .lines()
            .filter_map(|line| line.strip_prefix("# "))
            .filter(|line| {
                line.split_once(" = ").is_some_and(|(key, value)| {
                    keys.iter().any(|k| k == key) && !value.starts_with(' ')
                })
            })
            .map(|line| format!("{line}\n"))
            .collect();
        assert!(text.lines().count() > 50, "{text}");
        let path =
            std::env::temp_dir().join(format!("streetwise-example-{}.toml", uuid::Uuid::now_v7()));
        std::fs::write(&path, &text).unwrap();
        let from_file =
            super::super::file::settings_from(["streetwise", "--config", path.to_str().unwrap()])
                .unwrap();
        let mut defaults = Settings::defaults();
        defaults.config = from_file.config.clone();
        assert_eq!(format!("{from_file:?}"), format!("{defaults:?}"));
    }

    #[test]
    fn long_help_is_wrapped_at_spaces() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("aa\n\nbb", 80), ["aa", "", "bb"]);
    }
}
