//! The configuration file under flags and environment variables, read by a process of its
//! own (the environment is the process's): a flag beats the environment, which beats the
//! file, which beats the default; `STREETWISE_CONFIG` names the file as `--config` does.

use std::process::Command;

use serde_json::{Value, json};
use streetwise_tests::temp_dir;

const ARGS: &str = "STREETWISE_TEST_SETTINGS_ARGS";

/// Run as a child: reads the settings from the arguments in `ARGS` and prints them.
#[test]
#[ignore = "run by the configuration tests as a process of its own"]
fn settings_process() {
    let args: Vec<String> = serde_json::from_str(&std::env::var(ARGS).unwrap()).unwrap();
    let settings = streetwise::settings::file::settings_from(args).unwrap();
    let summary = json!({
        "bind": settings.bind,
        "data_dir": settings.data_dir,
        "max_batch": settings.max_batch,
        "plugin_timeout_ms": settings.plugins.plugin_timeout_ms,
        "plugin_memory_mib": settings.plugins.plugin_memory_mib,
        "log_format": format!("{:?}", settings.log_format),
    });
    println!("SETTINGS {summary}");
}

fn settings(args: &[&str], env: &[(&str, &str)]) -> Value {
    let mut all = vec!["streetwise"];
    all.extend(args);
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "operations::config::settings_process",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(ARGS, serde_json::to_string(&all).unwrap());
    for (name, _) in std::env::vars() {
        if name.starts_with("STREETWISE_") && name != ARGS {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("SETTINGS "))
        .unwrap_or_else(|| {
            panic!(
                "no settings printed: {stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    serde_json::from_str(line).unwrap()
}

#[test]
fn a_flag_beats_the_environment_which_beats_the_file_which_beats_the_default() {
    let dir = temp_dir("config");
    let file = dir.join("streetwise.toml");
    std::fs::write(
        &file,
        "bind = \"0.0.0.0:9000\"\ndata_dir = \"/srv/file\"\nmax_batch = 64\n\
         plugin_timeout_ms = 250\nlog_format = \"json\"\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let env = [
        ("STREETWISE_DATA_DIR", "/srv/env"),
        ("STREETWISE_MAX_BATCH", "32"),
    ];
    let got = settings(&["--config", file, "--data-dir", "/srv/flag"], &env);
    assert_eq!(
        got["data_dir"], "/srv/flag",
        "flag over environment and file"
    );
    assert_eq!(got["max_batch"], 32, "environment over file");
    assert_eq!(got["plugin_timeout_ms"], 250, "file over default");
    assert_eq!(got["bind"], "0.0.0.0:9000");
    assert_eq!(got["log_format"], "Json");
    assert_eq!(
        got["plugin_memory_mib"], 32,
        "the default where nothing says"
    );

    // The file named by the environment instead of a flag.
    let got = settings(&[], &[("STREETWISE_CONFIG", file)]);
    assert_eq!(got["bind"], "0.0.0.0:9000");
    assert_eq!(got["max_batch"], 64);

    // No file: the defaults.
    let got = settings(&[], &[]);
    assert_eq!(got["bind"], "127.0.0.1:8080");
    assert_eq!(got["log_format"], "Text");
}
