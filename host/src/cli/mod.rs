//! The command line: `streetwise serve`, `streetwise import`, `streetwise verify`,
//! `streetwise generate`, district IT's `streetwise account` and `streetwise token`
//! ([`people`]), `streetwise classifier` ([`classifier`]) and `streetwise backup` ([`backup`]).

mod backup;
mod classifier;
mod people;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::import::{self, ImportKind};
use crate::settings::Settings;

/// A command line, read: what to run and how to log.
pub struct Invocation {
    cli: Cli,
    pub log_format: crate::telemetry::LogFormat,
}

#[derive(Parser, Debug)]
#[command(
    name = "streetwise",
    version,
    about = "City-operations events for Longgang's 一网统管, with street plugins in WebAssembly"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the API server (seeds an empty database, loads the active plugins).
    Serve(Settings),
    /// Import reference data from JSON or CSV files, checked as a whole before writing: every
    /// problem is listed with its file, line and column, and nothing is written if any.
    Import {
        /// What the file holds.
        #[arg(value_enum)]
        kind: ImportKind,
        /// The file: JSON as in seed/, or CSV (catalog, responsibilities, units).
        file: PathBuf,
        /// More files imported in the same transaction, as KIND=FILE (e.g. renaming an
        /// item: `catalog catalog.csv --with responsibilities=responsibilities.csv`).
        #[arg(long = "with", value_name = "KIND=FILE", value_parser = import_file)]
        with: Vec<import::ImportFile>,
        /// `replace` a set whole, or `add-or-update` the rows the files name (by code) and
        /// keep the rest.
        #[arg(long, value_enum, default_value_t = import::Mode::Replace)]
        mode: import::Mode,
        /// Catalog version to record for a CSV catalog (defaults to the file name).
        #[arg(long)]
        catalog_version: Option<String>,
        /// Catalog fallback item (defaults to the file's, or the current one).
        #[arg(long)]
        fallback_item: Option<String>,
        #[command(flatten)]
        settings: Settings,
    },
    /// Copy the SQLite database while hosts keep using it (`vacuum into`), to a file that
    /// must not exist; the copy is checked. PostgreSQL: use pg_dump or pg_basebackup.
    Backup {
        /// Where the copy goes.
        file: PathBuf,
        #[command(flatten)]
        settings: Settings,
    },
    /// Write synthetic data, such as a large history of closed cases to measure rankings on.
    Generate {
        #[command(subcommand)]
        what: Generate,
    },
    /// Check that a case's timeline is intact; exits non-zero when its chain is broken.
    Verify {
        /// The event (case) id.
        event_id: String,
        #[command(flatten)]
        settings: Settings,
    },
    /// Write, test and deploy a street plugin: `plugin new`, `plugin test`, `plugin deploy`.
    Plugin {
        #[command(subcommand)]
        what: crate::devkit::PluginCommand,
    },
    /// Create, list and revoke access tokens (district admin, street admin, read-only, a
    /// person's, a channel's).
    Token {
        #[command(subcommand)]
        what: people::Token,
    },
    /// Staff accounts: create with a one-time password, reset, disable, enable, list.
    Account {
        #[command(subcommand)]
        what: people::Account,
    },
    /// The learned classifier: train, evaluate, list models, set keyword overrides.
    Classifier {
        #[command(subcommand)]
        what: classifier::Classifier,
    },
}

#[derive(Subcommand, Debug)]
enum Generate {
    /// Closed cases of the past year over the 11 streets, with their indicator facts and no
    /// timeline entries, written in large batches.
    Cases {
        /// How many cases.
        #[arg(long)]
        count: u64,
        /// Seed of the random choices: the same seed writes the same mix of cases.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        settings: Settings,
    },
    /// The district's base data: buildings (address, housing use, rental units, population)
    /// in every community, and the legal entities registered at them.
    Buildings {
        /// Buildings per community.
        #[arg(long, default_value_t = 200)]
        per_community: u32,
        /// Seed of the random choices: the same seed writes the same buildings.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        settings: Settings,
    },
}

/// Reads the command line, with the configuration file it names (`--config`) under it;
/// prints what is wrong and exits when it cannot.
pub fn parse() -> Invocation {
    match crate::settings::file::parse_from::<Cli, _, _>(std::env::args_os()) {
        Ok(parsed) => Invocation {
            cli: parsed.value,
            log_format: parsed.log_format,
        },
        Err(crate::settings::file::LoadError::Cli(e)) => e.exit(),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}

/// Runs the command.
pub fn run(invocation: Invocation) -> ExitCode {
    let cli = invocation.cli;
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve(settings) => serve(settings).await,
            Command::Import {
                kind,
                file,
                with,
                mode,
                catalog_version,
                fallback_item,
                settings,
            } => {
                let files: Vec<_> = std::iter::once(import::ImportFile::new(kind, file))
                    .chain(with)
                    .collect();
                let options = import::ImportOptions {
                    mode,
                    catalog_version,
                    fallback_item,
                };
                let summary = import::run(&settings, &files, options).await?;
                println!("{summary}");
                Ok(())
            }
            Command::Verify { event_id, settings } => verify(&settings, &event_id).await,
            Command::Backup { file, settings } => backup::backup(&settings, &file).await,
            Command::Generate {
                what:
                    Generate::Cases {
                        count,
                        seed,
                        settings,
                    },
            } => crate::generate::cases(&settings, count, seed).await,
            Command::Generate {
                what:
                    Generate::Buildings {
                        per_community,
                        seed,
                        settings,
                    },
            } => crate::base_data::generate::run(&settings, per_community, seed).await,
            Command::Token { what } => people::token(what).await,
            Command::Account { what } => people::account(what).await,
            Command::Classifier { what } => classifier::classifier(what).await,
            Command::Plugin { what } => crate::devkit::run_command(what).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn import_file(text: &str) -> Result<import::ImportFile, String> {
    let (kind, file) = text
        .split_once('=')
        .ok_or_else(|| format!("{text:?}: use KIND=FILE, such as responsibilities=list.csv"))?;
    let kind = <ImportKind as clap::ValueEnum>::from_str(kind, true)
        .map_err(|_| format!("{kind:?} is not a kind of reference data"))?;
    Ok(import::ImportFile::new(kind, file))
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let app = crate::Application::build(&settings).await?;
    let address = app.address();
    tracing::info!(%address, database = %crate::storage::redact(&settings.database_url()), "streetwise is serving");
    let demo = std::fs::read_to_string(settings.data_dir.join(crate::auth::demo::FILE))
        .ok()
        .filter(|_| settings.people.demo_accounts);
    println!(
        "\nStreetwise is serving on http://{address}\n\n\
         Console (控制台): http://{address}/\n"
    );
    match demo {
        Some(accounts) => println!(
            "Demo sign-ins (演示账号; kept in {}):\n{}\n",
            settings.data_dir.join(crate::auth::demo::FILE).display(),
            accounts
                .lines()
                .filter(|l| !l.starts_with('#'))
                .map(|l| format!("  {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        None => {
            println!("Sign-ins: create accounts with `streetwise account create <staff id>`.\n")
        }
    }
    println!(
        "API: every call needs a sign-in or a token; the admin token is in {}.\n\
         Post a first event (a waterlogging appeal in 平湖 山厦 community):\n\n  \
         curl -s -X POST http://{address}/api/v1/events -H \"authorization: Bearer $(cat {})\" \\\n    \
         -H 'content-type: application/json' \\\n    \
         -d '{{\"source\":\"hotline\",\"description\":\"山厦社区路口积水很深，车辆无法通行\",\"location\":{{\"street\":\"平湖\",\"community\":\"山厦\"}}}}'\n\n\
         Stop with Ctrl-C.\n",
        settings.data_dir.join(crate::auth::TOKEN_FILE).display(),
        settings.data_dir.join(crate::auth::TOKEN_FILE).display(),
    );
    app.run(shutdown_signal()).await
}

/// `streetwise verify <event-id>`: prints the timeline; an error when its chain is broken.
pub async fn verify(settings: &Settings, event_id: &str) -> anyhow::Result<()> {
    let db = crate::storage::Db::connect(&settings.database_url()).await?;
    let timeline = crate::cases::timeline(&db, event_id).await?;
    db.close().await;
    let timeline = timeline.ok_or_else(|| anyhow::anyhow!("no event {event_id}"))?;
    for e in &timeline.entries {
        println!(
            "{:>3}  {}  {:<22} {} → {}  {} ({})  {}",
            e.seq,
            crate::calendar::rfc3339(e.draft.at),
            e.draft.action,
            e.draft.from,
            e.draft.to,
            e.draft.actor,
            e.draft.role,
            &e.hash[..16],
        );
    }
    match timeline.broken {
        None => {
            println!(
                "the timeline of {event_id} verifies: {} entries, the case is {}",
                timeline.entries.len(),
                timeline.status
            );
            Ok(())
        }
        Some(broken) => anyhow::bail!("the timeline of {event_id} is broken: {broken}"),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use crate::settings::file::parse_from;

    /// `plugin test` has a `--config KEY=VALUE` of its own, for the plugin: it is neither the
    /// settings file nor where the log format is read.
    #[test]
    fn plugin_test_parses_with_and_without_its_own_config_values() {
        let command = [
            "streetwise",
            "plugin",
            "test",
            "x.wasm",
            "--events",
            "e.jsonl",
        ];
        let parsed = parse_from::<Cli, _, _>(command).expect("parses");
        assert!(format!("{:?}", parsed.value).contains("e.jsonl"));
        let with_config = command.into_iter().chain(["--config", "threshold=3"]);
        let parsed = parse_from::<Cli, _, _>(with_config).expect("parses");
        assert!(format!("{:?}", parsed.value).contains("threshold=3"));
    }
}
