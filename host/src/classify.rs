//! The district's baseline classification: keywords from the catalog, matched against the
//! description. The rules are data (each item's keywords), never code.
//!
//! Every keyword of every item goes into one Aho-Corasick automaton, so classifying costs one
//! pass over the description whatever the size of the catalog (3,522 items in Longgang).

use aho_corasick::{AhoCorasick, MatchKind};

use crate::domain::{Catalog, Item};

/// What the keyword match found.
#[derive(Clone, Debug, PartialEq)]
pub struct Baseline {
    pub item_code: String,
    /// 0.0 to 0.95: grows with the weight of the keywords matched.
    pub confidence: f32,
    /// The keywords that matched, for the trace.
    pub matched: Vec<String>,
}

/// A keyword classifier built once per catalog version.
pub struct KeywordClassifier {
    automaton: Option<AhoCorasick>,
    /// For each pattern: (item index, keyword).
    patterns: Vec<(usize, String)>,
    items: Vec<String>,
    /// Each item's category code, by item index.
    categories: Vec<String>,
}

impl KeywordClassifier {
    pub fn new(catalog: &Catalog) -> Self {
        let mut patterns = Vec::new();
        for (index, item) in catalog.items.iter().enumerate() {
            for keyword in keywords_of(item) {
                patterns.push((index, keyword));
            }
        }
        let automaton = (!patterns.is_empty()).then(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(patterns.iter().map(|(_, k)| k.as_str()))
                .expect("keywords are plain strings and always build")
        });
        Self {
            automaton,
            patterns,
            items: catalog.items.iter().map(|i| i.code.clone()).collect(),
            categories: catalog.items.iter().map(|i| i.category.clone()).collect(),
        }
    }

    /// The best matching item, or `None` when no keyword matches. Each distinct keyword counts
    /// once, weighted by its length in characters; ties go to the item listed first.
    pub fn classify(&self, description: &str) -> Option<Baseline> {
        let automaton = self.automaton.as_ref()?;
        let mut scores = vec![(0usize, Vec::<String>::new()); self.items.len()];
        let mut seen = vec![false; self.patterns.len()];
        for m in automaton.find_overlapping_iter(description) {
            let pattern = m.pattern().as_usize();
            if std::mem::replace(&mut seen[pattern], true) {
                continue;
            }
            let (item, keyword) = &self.patterns[pattern];
            scores[*item].0 += keyword.chars().count();
            scores[*item].1.push(keyword.clone());
        }
        let (best, (score, matched)) = scores
            .into_iter()
            .enumerate()
            .filter(|(_, (score, _))| *score > 0)
            // max_by_key keeps the last maximum; reverse the order so the first listed wins.
            .rev()
            .max_by_key(|(_, (score, _))| *score)?;
        Some(Baseline {
            item_code: self.items[best].clone(),
            confidence: confidence(score),
            matched,
        })
    }
}

impl KeywordClassifier {
    /// Every item with at least one keyword in `description`, as (item code, category code),
    /// each once, in catalog order: evidence for the learned classifier.
    pub fn matched_items(&self, description: &str) -> Vec<(&str, &str)> {
        let Some(automaton) = self.automaton.as_ref() else {
            return Vec::new();
        };
        let mut hit = vec![false; self.items.len()];
        for m in automaton.find_overlapping_iter(description) {
            hit[self.patterns[m.pattern().as_usize()].0] = true;
        }
        hit.iter()
            .enumerate()
            .filter(|(_, hit)| **hit)
            .map(|(i, _)| (self.items[i].as_str(), self.categories[i].as_str()))
            .collect()
    }
}

/// The item's keywords, plus its name: a description that names the item matches it.
fn keywords_of(item: &Item) -> Vec<String> {
    let mut keywords: Vec<String> = item
        .keywords
        .iter()
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
        .collect();
    for part in item.name.split(['/', '、']) {
        let part = part.trim();
        if part.chars().count() >= 2 && !keywords.iter().any(|k| k == part) {
            keywords.push(part.to_string());
        }
    }
    keywords
}

/// Two characters of matched keyword give 0.5; each further character adds less, up to 0.95.
fn confidence(score: usize) -> f32 {
    let score = score as f32;
    (1.0 - 1.0 / (score / 2.0 + 1.0)).clamp(0.0, 0.95)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Category, Priority, TimeLimit, TimeUnit};

    fn item(code: &str, name: &str, keywords: &[&str]) -> Item {
        Item {
            code: code.into(),
            category: code[..2].into(),
            name: name.into(),
            name_en: None,
            keywords: keywords.iter().map(|k| k.to_string()).collect(),
            time_limit: TimeLimit {
                value: 1,
                unit: TimeUnit::WorkingDays,
            },
            priority: Priority::Normal,
            requirements: String::new(),
        }
    }

    fn catalog() -> Catalog {
        Catalog {
            version: "test".into(),
            categories: vec![Category {
                code: "01".into(),
                name: "市容环卫".into(),
                name_en: None,
            }],
            items: vec![
                item("01-001", "暴露垃圾", &["垃圾堆", "垃圾没人清"]),
                item("06-003", "道路积水/内涝", &["积水", "水浸"]),
                item("05-001", "噪声扰民", &["噪音", "太吵"]),
            ],
            fallback_item: "18-099".into(),
        }
    }

    #[test]
    fn the_item_with_the_heaviest_keywords_wins() {
        let c = KeywordClassifier::new(&catalog());
        let b = c.classify("路口积水严重，旁边还有个垃圾堆没人清").unwrap();
        assert_eq!(b.item_code, "01-001");
        assert_eq!(b.matched, vec!["垃圾堆".to_string()]);
    }

    #[test]
    fn the_item_name_itself_is_a_keyword() {
        let c = KeywordClassifier::new(&catalog());
        assert_eq!(c.classify("小区门口内涝").unwrap().item_code, "06-003");
    }

    #[test]
    fn nothing_matches_unrelated_text() {
        let c = KeywordClassifier::new(&catalog());
        assert!(c.classify("请问社保卡怎么办理").is_none());
    }

    #[test]
    fn ties_go_to_the_item_listed_first() {
        let c = KeywordClassifier::new(&catalog());
        // "积水" and "噪音" weigh two characters each.
        assert_eq!(
            c.classify("噪音很大，地上有积水").unwrap().item_code,
            "06-003"
        );
    }

    #[test]
    fn every_matching_item_is_evidence_once() {
        let c = KeywordClassifier::new(&catalog());
        assert_eq!(
            c.matched_items("积水，水浸，还有垃圾堆"),
            vec![("01-001", "01"), ("06-003", "06")]
        );
        assert!(c.matched_items("请问社保卡怎么办理").is_empty());
    }

    #[test]
    fn confidence_grows_with_evidence_and_stays_below_one() {
        assert!(confidence(2) < confidence(6));
        assert!(confidence(1000) <= 0.95);
    }
}
