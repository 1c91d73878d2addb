//! The `streetwise plugin` subcommands: their arguments and what each prints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;

use super::{LocalTest, NewPlugin, Upload};
use crate::settings::{PluginLimits, Settings};

#[derive(Subcommand, Debug)]
pub enum PluginCommand {
    /// Create a ready-to-build plugin crate with an example rule and a passing test.
    New {
        /// The street it is for: code (440307014), slug (buji) or name (布吉).
        street: String,
        /// classifier (refines the catalog item), router (picks the handling unit) or
        /// scenario (acts after an event is stored).
        kind: String,
        /// The plugin's name, also its crate name: lowercase letters, digits and dashes.
        name: String,
        /// Where to create it. Inside a Cargo workspace (such as plugins/) the crate joins
        /// its members; elsewhere it is a workspace of its own.
        #[arg(long, default_value = "plugins")]
        dir: PathBuf,
    },
    /// Run a component on sample events with the server's sandbox and limits, and no server.
    /// Exits non-zero when a call faults or an event cannot be read.
    Test {
        /// The component (.wasm) to run.
        component: PathBuf,
        /// One JSON event a line, as POST /api/v1/events takes it (with --replay: as
        /// GET /api/v1/events/{id} returns it).
        #[arg(long)]
        events: PathBuf,
        /// The street the plugin is deployed in; events of other streets are not shown to
        /// it. Without it, the plugin runs as each event's own street.
        #[arg(long)]
        street: Option<String>,
        /// The events file is exported history; replayed in the order it was received.
        #[arg(long)]
        replay: bool,
        /// A configuration value the plugin reads with config.get, as key=value (repeatable).
        #[arg(long = "config", value_name = "KEY=VALUE")]
        config: Vec<String>,
        /// Base data sets the plugin may read, as a deployment would grant them
        /// (`buildings,entities`); the local database holds generated base data.
        #[arg(long, default_value = "")]
        grants: String,
        #[command(flatten)]
        limits: PluginLimits,
    },
    /// Upload a component to a running server; prints the version created.
    Deploy {
        /// The component (.wasm) to upload.
        component: PathBuf,
        /// The server's base URL.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        server: String,
        /// The street to deploy to: code, slug or name.
        #[arg(long)]
        street: String,
        /// The plugin's name: lowercase letters, digits and dashes.
        #[arg(long)]
        name: String,
        /// A bearer token allowed to deploy to this street.
        #[arg(long, env = "STREETWISE_TOKEN", hide_env_values = true)]
        token: String,
        /// Deploy into shadow (runs beside the active version, decisions recorded, not
        /// applied). Needs a server with shadow deploys.
        #[arg(long)]
        shadow: bool,
    },
}

/// Runs one `streetwise plugin` subcommand.
pub async fn run(command: PluginCommand) -> anyhow::Result<()> {
    match command {
        PluginCommand::New {
            street,
            kind,
            name,
            dir,
        } => {
            let district = crate::seed::parts()?.district;
            let request = NewPlugin {
                street,
                kind,
                name: name.clone(),
                dir,
            };
            let created = super::create(&district, &request)?;
            print!("{}", next_steps(&created, &name));
            Ok(())
        }
        PluginCommand::Test {
            component,
            events,
            street,
            replay,
            config,
            grants,
            limits,
        } => {
            let mut settings = Settings::defaults();
            settings.plugins = limits;
            let test = LocalTest {
                component,
                events,
                street,
                replay,
                config: parse_config(&config)?,
                grants: crate::domain::Grant::parse_list(&grants)
                    .map_err(|e| anyhow::anyhow!("--grants: {e}"))?,
                limits: settings.limits(),
            };
            let report = super::run(&test).await?;
            print!("{}", report.render());
            if report.passed() {
                Ok(())
            } else {
                anyhow::bail!(
                    "{} faulted calls, {} unreadable events",
                    report.faults(),
                    report.invalid()
                )
            }
        }
        PluginCommand::Deploy {
            component,
            server,
            street,
            name,
            token,
            shadow,
        } => {
            let upload = Upload {
                component,
                server,
                street,
                name,
                token,
                shadow,
            };
            let deployed = super::deploy(&upload).await?;
            print!("{}", deployed.describe(shadow));
            Ok(())
        }
    }
}

/// What `plugin new` prints: what it made and the commands that come next.
fn next_steps(created: &super::Created, name: &str) -> String {
    let path = created.path.display();
    let wasm = name.replace('-', "_");
    let host = "x86_64-unknown-linux-gnu";
    let (build, component, events) = match &created.joined_workspace {
        Some(manifest) => {
            let workspace = manifest.parent().unwrap_or(Path::new("."));
            (
                format!(
                    "cd {ws} && cargo test -p {name} --target {host} && cargo build --release -p {name}",
                    ws = workspace.display()
                ),
                workspace.join(format!("target/wasm32-wasip2/release/{wasm}.wasm")),
                created.path.join("events.jsonl"),
            )
        }
        None => (
            format!("cd {path} && cargo test --target {host} && cargo build --release"),
            created
                .path
                .join(format!("target/wasm32-wasip2/release/{wasm}.wasm")),
            created.path.join("events.jsonl"),
        ),
    };
    let mut out = format!(
        "created {path}: a {} plugin for street {}\n",
        created.kind.as_str(),
        created.street_slug
    );
    for file in &created.files {
        out.push_str(&format!("  {}\n", file.display()));
    }
    if let Some(manifest) = &created.joined_workspace {
        out.push_str(&format!("added to the members of {}\n", manifest.display()));
    }
    out.push_str(&format!(
        "\nnext (from the directory you ran this in; use your machine's own target triple if it is not {host}):\n  \
         ({build})\n  \
         streetwise plugin test {} --events {} --street {}\n  \
         streetwise plugin deploy {} --street {} --name {name} --token <token>\n",
        component.display(),
        events.display(),
        created.street_slug,
        component.display(),
        created.street_slug,
    ));
    out
}

/// Parses `key=value` configuration arguments.
fn parse_config(pairs: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    pairs
        .iter()
        .map(|pair| {
            let (key, value) = pair
                .split_once('=')
                .with_context(|| format!("--config {pair:?}: write key=value"))?;
            Ok((key.trim().to_string(), value.to_string()))
        })
        .collect()
}
