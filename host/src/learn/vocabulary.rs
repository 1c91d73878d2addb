//! The model's vocabulary: which terms it knows and how much each weighs (tf-idf).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::head::Row;

/// Terms seen in training, each with its inverse document frequency.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Vocabulary {
    index: HashMap<String, u32>,
    idf: Vec<f32>,
}

impl Vocabulary {
    /// Learns the terms of `documents` that occur in at least `min_documents` of them, at most
    /// `max_terms` of them: the most widespread.
    pub fn fit(documents: &[Vec<String>], min_documents: usize, max_terms: usize) -> Vocabulary {
        let mut frequency: HashMap<&str, usize> = HashMap::new();
        for document in documents {
            let mut terms: Vec<&str> = document.iter().map(String::as_str).collect();
            terms.sort_unstable();
            terms.dedup();
            for term in terms {
                *frequency.entry(term).or_default() += 1;
            }
        }
        let mut kept: Vec<(&str, usize)> = frequency
            .into_iter()
            .filter(|(_, df)| *df >= min_documents)
            .collect();
        if kept.len() > max_terms {
            kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            kept.truncate(max_terms);
        }
        // A stable order, so that the same training data gives the same model.
        kept.sort_unstable();
        let n = documents.len() as f32;
        Vocabulary {
            index: kept
                .iter()
                .enumerate()
                .map(|(i, (term, _))| (term.to_string(), i as u32))
                .collect(),
            // Smoothed: as if one more document held every term.
            idf: kept
                .iter()
                .map(|(_, df)| ((1.0 + n) / (1.0 + *df as f32)).ln() + 1.0)
                .collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.idf.len()
    }

    /// The document's row: sub-linear term frequency times idf, L2-normalised; unknown
    /// terms are dropped.
    pub fn row(&self, terms: &[String]) -> Row {
        self.row_of(|visit| terms.iter().for_each(|term| visit(term)))
    }

    /// [`Vocabulary::row`] of the terms `terms` hands its visitor.
    pub fn row_of(&self, terms: impl FnOnce(&mut dyn FnMut(&str))) -> Row {
        let mut known: Vec<u32> = Vec::with_capacity(128);
        terms(&mut |term| {
            if let Some(&i) = self.index.get(term) {
                known.push(i);
            }
        });
        known.sort_unstable();
        let mut row: Row = known
            .chunk_by(|a, b| a == b)
            .map(|same| {
                let (i, tf) = (same[0], same.len());
                (i, (1.0 + (tf as f32).ln()) * self.idf[i as usize])
            })
            .collect();
        let norm = row.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|(_, v)| *v /= norm);
        }
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(texts: &[&[&str]]) -> Vec<Vec<String>> {
        texts
            .iter()
            .map(|d| d.iter().map(|t| t.to_string()).collect())
            .collect()
    }

    #[test]
    fn rare_terms_weigh_more_and_rows_are_unit_length() {
        let v = Vocabulary::fit(&docs(&[&["a", "b"], &["a", "c"], &["a", "d"]]), 1, 100);
        let row = v.row(&["a".into(), "b".into(), "zzz".into()]);
        assert_eq!(row.len(), 2, "the unknown term is dropped");
        let (a, b) = (row[0].1, row[1].1);
        assert!(b > a, "b is in one document, a in all: {row:?}");
        assert!((a * a + b * b - 1.0).abs() < 1e-5);
    }

    #[test]
    fn terms_below_the_document_minimum_are_not_learned() {
        let v = Vocabulary::fit(&docs(&[&["a", "b"], &["a", "c"]]), 2, 100);
        assert_eq!(v.len(), 1);
        assert!(v.row(&["b".into()]).is_empty());
    }

    #[test]
    fn past_the_cap_the_most_widespread_terms_are_kept() {
        let v = Vocabulary::fit(&docs(&[&["a", "b"], &["a", "b"], &["a", "c"]]), 1, 2);
        assert_eq!(v.len(), 2);
        assert!(v.row(&["c".into()]).is_empty());
        assert_eq!(v.row(&["a".into(), "b".into()]).len(), 2);
    }
}
