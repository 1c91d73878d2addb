//! The labelled corpus shipped in `seed/corpus/`, compiled into the host: its appeals, the
//! training split as examples, the held-out split.

use crate::domain::Catalog;
use crate::learn::{Example, Labelled, Origin, Split, parse_corpus_lenient};

/// The corpus files: for every category, `seed/corpus/NN.jsonl` (a train and a held-out
/// split) and the training appeals of `extra/`, `extra2/`, `extra4/` (written at the borders
/// cross-validation found confused), `extra5/` (at the borders the held-out split's
/// confusion list named) and `extra6/` (thin items, and borders the catalog itself makes
/// ambiguous); for the categories the held-out split confused most, the appeals at
/// their borders in `extra3/`; and `unclear.jsonl`, appeals that name no problem
/// ([`crate::learn::UNCLEAR`]).
macro_rules! corpus {
    ([$($category:literal),*], [$($border:literal),*]) => {
        [
            $(
                include_str!(concat!("../../../seed/corpus/", $category, ".jsonl")),
                include_str!(concat!("../../../seed/corpus/extra/", $category, ".jsonl")),
                include_str!(concat!("../../../seed/corpus/extra2/", $category, ".jsonl")),
                include_str!(concat!("../../../seed/corpus/extra4/", $category, ".jsonl")),
                include_str!(concat!("../../../seed/corpus/extra5/", $category, ".jsonl")),
                include_str!(concat!("../../../seed/corpus/extra6/", $category, ".jsonl")),
            )*
            $(include_str!(concat!("../../../seed/corpus/extra3/", $border, ".jsonl")),)*
            include_str!("../../../seed/corpus/unclear.jsonl"),
        ]
    };
}

/// The labelled corpus shipped in `seed/corpus/`.
pub(super) const CORPUS: [&str; 117] = corpus!(
    [
        "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15",
        "16", "17", "18"
    ],
    ["02", "03", "08", "09", "13", "14", "15", "18"]
);

/// The shipped corpus's appeals whose items `catalog` has.
pub fn shipped_corpus(catalog: &Catalog) -> Vec<Labelled> {
    CORPUS
        .iter()
        .flat_map(|text| {
            parse_corpus_lenient(text, catalog)
                .expect("the shipped corpus parses (a unit test checks)")
        })
        .collect()
}

/// The corpus's training appeals as examples.
pub fn corpus_examples(corpus: &[Labelled]) -> Vec<Example> {
    corpus
        .iter()
        .filter(|l| l.split == Split::Train)
        .map(|l| Example {
            text: l.text.clone(),
            item: l.item.clone(),
            origin: Origin::Corpus,
        })
        .collect()
}

/// The held-out split of `corpus`.
pub fn heldout(corpus: &[Labelled]) -> Vec<Labelled> {
    corpus
        .iter()
        .filter(|l| l.split == Split::Heldout)
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_corpus_parses_and_names_seed_catalog_items() {
        let catalog = crate::seed::parts().unwrap().catalog;
        for (i, text) in CORPUS.iter().enumerate() {
            let found = crate::learn::parse_corpus(text, &catalog)
                .unwrap_or_else(|problems| panic!("corpus file {i}: {problems:?}"));
            assert!(found.len() >= 30, "corpus file {i} has {}", found.len());
        }
    }
}
