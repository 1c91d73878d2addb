//! `streetwise import`: reference data from files (catalog, responsibility list, units, areas,
//! a calendar year, sections and staff), several sets at once in one transaction. Each set
//! is replaced whole or, row by row, added to and updated. Every file is read to its end and
//! the whole reference is cross-checked with the new rows in place; every problem is reported
//! at once with its file, line and column, and nothing is written if there is any. Hosts pick
//! the new data up within seconds.

mod apply;
mod csv_rows;
mod json_rows;
mod read;
mod rows;

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

pub use apply::Mode;
pub use read::Prepared;

use crate::reference::ReferenceParts;
use crate::settings::Settings;
use crate::storage::Db;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ImportKind {
    Catalog,
    Responsibilities,
    Units,
    Areas,
    Calendar,
    /// The units' sections and staff (`seed/staff.json`).
    Staff,
}

/// One file to import, and what it holds.
#[derive(Clone, Debug)]
pub struct ImportFile {
    pub kind: ImportKind,
    pub path: PathBuf,
}

impl ImportFile {
    pub fn new(kind: ImportKind, path: impl Into<PathBuf>) -> Self {
        ImportFile {
            kind,
            path: path.into(),
        }
    }
}

/// How the files are applied.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    pub mode: Mode,
    /// Catalog version to record for a CSV catalog (defaults to the file's name).
    pub catalog_version: Option<String>,
    /// The catalog's fallback item (defaults to the file's, or the current one).
    pub fallback_item: Option<String>,
}

/// A problem with an imported file, where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The file's name; `None` for a row already stored that the new rows contradict.
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// The field at fault.
    pub field: Option<&'static str>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line, self.column) {
            (Some(file), Some(line), Some(column)) => write!(f, "{file}:{line}:{column}: ")?,
            (Some(file), Some(line), None) => write!(f, "{file}:{line}: ")?,
            (Some(file), None, _) => write!(f, "{file}: ")?,
            (None, _, _) => f.write_str("(stored data) ")?,
        }
        f.write_str(&self.message)?;
        if let Some(field) = self.field {
            write!(f, " [{field}]")?;
        }
        Ok(())
    }
}

/// Every problem of an import; nothing was written.
#[derive(Debug, thiserror::Error)]
#[error("{} problem(s); nothing was written:\n{}", .0.len(), listed(.0))]
pub struct Refused(pub Vec<Problem>);

fn listed(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Imports `files` into the database of `settings` in one transaction; a line saying what
/// was imported. Fails with [`Refused`] listing every problem when any file has one.
pub async fn run(
    settings: &Settings,
    files: &[ImportFile],
    options: ImportOptions,
) -> anyhow::Result<String> {
    let mut kinds = std::collections::HashSet::new();
    for file in files {
        anyhow::ensure!(
            kinds.insert(file.kind),
            "{:?} is given twice: import one file of each kind at a time",
            file.kind
        );
    }
    let mut inputs = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file.path)
            .with_context(|| format!("cannot read {}", file.path.display()))?;
        inputs.push(read::Input {
            kind: file.kind,
            name: file.path.display().to_string(),
            stem: stem(&file.path),
            is_csv: file
                .path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv")),
            text,
        });
    }
    let db = Db::connect(&settings.database_url()).await?;
    let parts = match db.load_reference().await? {
        Some(parts) => parts,
        None => crate::seed::parts()?,
    };
    let prepared = read::prepare(parts, &inputs, &options);
    if !prepared.problems.is_empty() {
        db.close().await;
        return Err(Refused(prepared.problems).into());
    }
    let bar = ProgressBar::new(rows(&prepared.parts));
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} rows ({elapsed})")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_message("writing reference data");
    db.save_reference(&prepared.parts, &|n| bar.set_position(n))
        .await?;
    bar.finish_with_message("written");
    db.close().await;
    Ok(format!(
        "{}. Running hosts switch to it within seconds.",
        prepared.summaries.join("; ")
    ))
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "imported".into())
}

/// Rows written, for the progress bar.
fn rows(parts: &ReferenceParts) -> u64 {
    let streets = &parts.district.streets;
    (streets.len()
        + streets.iter().map(|s| s.communities.len()).sum::<usize>()
        + parts.units.len()
        + parts.catalog.categories.len()
        + parts.catalog.items.len()
        + parts.responsibilities.len()
        + parts.calendar.len()
        + parts.sections.len()
        + parts.staff.len()) as u64
}
