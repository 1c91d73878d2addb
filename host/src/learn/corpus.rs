//! Labelled appeals in JSON lines: the corpus in `seed/corpus/` and any file `evaluate` reads.
//!
//! One object per line: `{"text": "...", "item": "01-003", "source": "hotline", "split":
//! "train"}`; `source` and `split` are optional (a file without `split` is all `heldout` when
//! evaluated). Every error of a file is reported, each with its line.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::domain::Catalog;

/// Which part of the corpus an appeal belongs to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    Train,
    /// Never trained on: what accuracy is measured on.
    #[default]
    Heldout,
}

/// One labelled appeal.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labelled {
    pub text: String,
    pub item: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub split: Split,
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("reading {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:\n{}", .path.display(), .problems.join("\n"))]
    Invalid {
        path: PathBuf,
        problems: Vec<String>,
    },
}

/// Reads a JSON-lines file, or every `*.jsonl` file of a directory (in name order), checking
/// each line against `catalog`.
pub fn load_corpus(path: &Path, catalog: &Catalog) -> Result<Vec<Labelled>, CorpusError> {
    let read_error = |source| CorpusError::Read {
        path: path.to_path_buf(),
        source,
    };
    let files = if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(read_error)?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut all = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|source| CorpusError::Read {
            path: file.clone(),
            source,
        })?;
        all.extend(
            parse_corpus(&text, catalog).map_err(|problems| CorpusError::Invalid {
                path: file.clone(),
                problems,
            })?,
        );
    }
    Ok(all)
}

/// Parses one file's lines, each checked against `catalog`; every problem is listed as
/// `line N: ...`.
pub fn parse_corpus(text: &str, catalog: &Catalog) -> Result<Vec<Labelled>, Vec<String>> {
    parse(text, catalog, Unknown::Refused)
}

/// The appeals of a file whose items are in `catalog`, leaving out the others (the shipped
/// corpus is labelled with the seed catalog; an imported catalog may lack some items).
pub fn parse_corpus_lenient(text: &str, catalog: &Catalog) -> Result<Vec<Labelled>, Vec<String>> {
    parse(text, catalog, Unknown::Skipped)
}

/// What becomes of a line naming an item the catalog does not have.
#[derive(Clone, Copy, PartialEq)]
enum Unknown {
    Refused,
    Skipped,
}

fn parse(text: &str, catalog: &Catalog, unknown: Unknown) -> Result<Vec<Labelled>, Vec<String>> {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in lines(text) {
        match line {
            Ok(labelled)
                if labelled.item != super::UNCLEAR && catalog.item(&labelled.item).is_none() =>
            {
                if unknown == Unknown::Refused {
                    problems.push(format!(
                        "line {n}: item {:?} is not in catalog {}",
                        labelled.item, catalog.version
                    ));
                }
            }
            Ok(labelled) => found.push(labelled),
            Err(problem) => problems.push(problem),
        }
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems)
    }
}

/// Each non-empty line with its number, parsed.
fn lines(text: &str) -> impl Iterator<Item = (usize, Result<Labelled, String>)> {
    text.lines()
        .enumerate()
        .map(|(n, line)| (n + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty())
        .map(|(n, line)| {
            let parsed = match serde_json::from_str::<Labelled>(line) {
                Ok(labelled) if labelled.text.trim().is_empty() => {
                    Err(format!("line {n}: the text is empty"))
                }
                Ok(labelled) => Ok(labelled),
                Err(e) => Err(format!("line {n}, column {}: {e}", e.column())),
            };
            (n, parsed)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        serde_json::from_str(include_str!("../../../seed/catalog.json")).unwrap()
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number() {
        let text = "{\"text\":\"垃圾\",\"item\":\"01-001\",\"split\":\"train\"}\n\
                    {\"text\":\"x\",\"item\":\"99-999\"}\n\
                    \n\
                    {\"text\":\"y\",\"item\":\"01-001\",\"oops\":1}\n";
        let problems = parse_corpus(text, &catalog()).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].starts_with("line 2: item \"99-999\""),
            "{problems:?}"
        );
        assert!(problems[1].starts_with("line 4, column"), "{problems:?}");
    }

    #[test]
    fn a_line_without_a_split_is_held_out() {
        let found = parse_corpus("{\"text\":\"垃圾\",\"item\":\"01-001\"}", &catalog()).unwrap();
        assert_eq!(found[0].split, Split::Heldout);
    }
}
