//! `streetwise classifier ...`: district IT trains, evaluates and inspects the learned
//! classifier and sets its keyword overrides. Each command connects to the database the
//! hosts use; a model or override stored here is in use on every host within seconds.

use std::path::PathBuf;

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};

use crate::learn::{self, Labelled, Model, Progress};
use crate::settings::Settings;
use crate::storage::Db;
use crate::storage::classifier::Override;
use crate::understanding::training;

#[derive(Subcommand, Debug)]
pub enum Classifier {
    /// Train a model on the catalog, the labelled corpus's train split and the decided
    /// history (closed cases, the centre's corrections); evaluate it on the held-out split and
    /// store it as the newest version, which running hosts switch to within seconds.
    Train {
        /// A labelled corpus (a JSON-lines file or a directory of them) instead of the one
        /// shipped in seed/corpus/.
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// Leave the decided history out.
        #[arg(long)]
        no_history: bool,
        /// Train and evaluate, but store nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        settings: Settings,
    },
    /// Evaluate the model in use: accuracy, per-category precision and recall, the most
    /// confused pairs, calibration. On the shipped corpus's held-out split, or on any labelled
    /// JSON-lines file (every line counts, whatever its split).
    Evaluate {
        /// A labelled JSON-lines file: {"text": "...", "item": "06-003"} per line.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        settings: Settings,
    },
    /// The stored models, newest (the one in use) first.
    Models {
        #[command(flatten)]
        settings: Settings,
    },
    /// District IT's overrides: a description containing the keyword is the item, whatever
    /// the model says.
    Override {
        #[command(subcommand)]
        what: OverrideCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum OverrideCommand {
    /// Set (or replace) the override for a keyword.
    Set {
        keyword: String,
        /// The catalog item, e.g. 06-003.
        item: String,
        #[command(flatten)]
        settings: Settings,
    },
    /// Remove the override for a keyword.
    Remove {
        keyword: String,
        #[command(flatten)]
        settings: Settings,
    },
    List {
        #[command(flatten)]
        settings: Settings,
    },
}

pub async fn classifier(command: Classifier) -> anyhow::Result<()> {
    let settings = match &command {
        Classifier::Train { settings, .. }
        | Classifier::Evaluate { settings, .. }
        | Classifier::Models { settings } => settings,
        Classifier::Override { what } => match what {
            OverrideCommand::Set { settings, .. }
            | OverrideCommand::Remove { settings, .. }
            | OverrideCommand::List { settings } => settings,
        },
    };
    let db = Db::connect(&settings.database_url()).await?;
    let threshold = settings.classifier.manual_dispatch_below;
    let now = settings.clock.now();
    let result = run(&db, command, threshold, now).await;
    db.close().await;
    result
}

async fn run(
    db: &Db,
    command: Classifier,
    threshold: f32,
    now: jiff::Timestamp,
) -> anyhow::Result<()> {
    let (reference, _) = crate::seed::stored_or_seeded(db).await?;
    let catalog = &reference.catalog;
    match command {
        Classifier::Train {
            corpus,
            no_history,
            dry_run,
            ..
        } => {
            let corpus = match corpus {
                Some(path) => learn::load_corpus(&path, catalog)?,
                None => training::shipped_corpus(catalog),
            };
            let after = db.classifier_generation().await?.model;
            let examples = training::examples(db, &corpus, !no_history).await?;
            let heldout = training::heldout(&corpus);
            eprintln!(
                "training on catalog {} with {} labelled examples ({} held out for evaluation)",
                catalog.version,
                examples.len(),
                heldout.len()
            );
            let bar = progress_bar();
            let shown = bar.clone();
            let trained = training::train(
                catalog.clone(),
                examples,
                heldout,
                threshold,
                move |p: Progress| {
                    shown.set_length(p.total as u64);
                    shown.set_position(p.done as u64);
                    shown.set_message(stage_name(p.stage));
                },
            )
            .await?;
            bar.finish_and_clear();
            let info = &trained.model.info;
            eprintln!(
                "trained: {} examples ({} catalog, {} corpus, {} history), {} terms",
                info.examples, info.from_catalog, info.from_corpus, info.from_history, info.terms
            );
            if let Some(evaluation) = &trained.evaluation {
                println!("{evaluation}");
            }
            if dry_run {
                eprintln!("dry run: nothing stored");
            } else {
                match training::store(db, &trained, "cli", now, after).await? {
                    Some(version) => eprintln!(
                        "stored as model v{version}; running hosts switch to it within seconds"
                    ),
                    None => anyhow::bail!(
                        "another model was stored while this one trained; nothing stored (train again)"
                    ),
                }
            }
        }
        Classifier::Evaluate { file, json, .. } => {
            let Some((version, bytes)) = db.latest_model().await? else {
                anyhow::bail!("no model stored yet: run `streetwise classifier train`");
            };
            let model = Model::from_bytes(&bytes)?;
            let appeals: Vec<Labelled> = match file {
                Some(path) => learn::load_corpus(&path, catalog)?,
                None => training::heldout(&training::shipped_corpus(catalog)),
            };
            let evaluation = learn::evaluate(&model, catalog, &appeals, threshold);
            if json {
                println!("{}", serde_json::to_string_pretty(&evaluation)?);
            } else {
                eprintln!("model v{version}");
                println!("{evaluation}");
            }
        }
        Classifier::Models { .. } => {
            for m in db.models().await? {
                println!(
                    "v{}\t{}\t{}\tcatalog {}\t{}",
                    m.version,
                    crate::calendar::rfc3339(m.trained_at),
                    m.trained_by,
                    m.catalog_version,
                    m.info
                );
            }
        }
        Classifier::Override { what } => match what {
            OverrideCommand::Set { keyword, item, .. } => {
                let keyword = keyword.trim().to_string();
                anyhow::ensure!(!keyword.is_empty(), "the keyword is empty");
                anyhow::ensure!(
                    catalog.item(&item).is_some(),
                    "item {item:?} is not in catalog {}",
                    catalog.version
                );
                db.set_override(&Override {
                    keyword: keyword.clone(),
                    item_code: item.clone(),
                    created_by: "cli".into(),
                    created_at: now,
                })
                .await?;
                eprintln!("「{keyword}」→ {item}: in use on every host within seconds");
            }
            OverrideCommand::Remove { keyword, .. } => {
                if !db.remove_override(&keyword).await? {
                    anyhow::bail!("no override for {keyword:?}");
                }
                eprintln!("override for 「{keyword}」 removed");
            }
            OverrideCommand::List { .. } => {
                for o in db.overrides().await? {
                    println!(
                        "{}\t{}\t{}\t{}",
                        o.keyword,
                        o.item_code,
                        o.created_by,
                        crate::calendar::rfc3339(o.created_at)
                    );
                }
            }
        },
    }
    Ok(())
}

fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template("{msg:>24} [{bar:40}] {pos}/{len}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar
}

fn stage_name(stage: &str) -> &'static str {
    match stage {
        "segment" => "segmenting (分词)",
        "fit" => "fitting categories/items",
        _ => "training",
    }
}
