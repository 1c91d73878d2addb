//! What the model reads of a description: Chinese words from a real segmenter (jieba), the
//! Han characters and character pairs around them (robust to a word jieba splits differently,
//! and single characters such as 扔 or 吵 carry meaning), and which of the catalog's keywords
//! matched.

use std::sync::LazyLock;

use jieba_rs::Jieba;

use crate::classify::KeywordClassifier;

/// One segmenter per process: loading jieba's dictionary takes a few hundred milliseconds.
/// How many times a matched keyword's item and category terms are counted.
const KEYWORD_REPEAT: usize = 3;

static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// Loads the segmenter now rather than on the first event.
pub fn warm_up() {
    LazyLock::force(&JIEBA);
}

/// The features of one description, as terms: `w:` words, `c:` Han characters, `b:` character
/// pairs, `kw:` items whose keywords matched, `kc:` their categories.
pub fn terms(description: &str, keywords: &KeywordClassifier) -> Vec<String> {
    let text: String = description.trim().to_lowercase();
    let words: Vec<&str> = JIEBA
        .cut(&text, true)
        .into_iter()
        .filter(|word| word.chars().any(char::is_alphanumeric))
        .collect();
    // Neighbouring words are not terms: the character pairs below cover most of what they
    // say ("管爆"), and pairs of words took vocabulary from better terms (cross-validated:
    // without them and with 20,000 terms, 84.2% → 85.0% of the categories).
    let mut terms: Vec<String> = words.iter().map(|word| format!("w:{word}")).collect();
    for run in han_runs(&text) {
        let chars: Vec<char> = run.chars().collect();
        for c in &chars {
            terms.push(format!("c:{c}"));
        }
        for pair in chars.windows(2) {
            terms.push(format!("b:{}{}", pair[0], pair[1]));
        }
    }
    // A catalog keyword is strong evidence among dozens of character terms: it counts as if
    // said several times (term frequency is sub-linear, so this weighs it about twice).
    for (item, category) in keywords.matched_items(&text) {
        for _ in 0..KEYWORD_REPEAT {
            terms.push(format!("kw:{item}"));
            terms.push(format!("kc:{category}"));
        }
    }
    terms
}

/// The runs of consecutive Han characters in `text`.
fn han_runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_han(c))
        .filter(|run| !run.is_empty())
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Catalog;

    fn keywords() -> KeywordClassifier {
        let catalog: Catalog =
            serde_json::from_str(include_str!("../../../seed/catalog.json")).unwrap();
        KeywordClassifier::new(&catalog)
    }

    #[test]
    fn words_come_from_the_segmenter_and_pairs_from_the_characters_only() {
        let terms = terms("楼上天天往下扔东西", &keywords());
        assert!(terms.contains(&"w:楼上".to_string()), "{terms:?}");
        assert!(terms.contains(&"w:东西".to_string()), "{terms:?}");
        assert!(terms.contains(&"b:扔东".to_string()), "{terms:?}");
        assert!(!terms.iter().any(|t| t.starts_with("kw:")), "{terms:?}");
        assert!(!terms.iter().any(|t| t.starts_with("p:")), "{terms:?}");
    }

    #[test]
    fn matched_keywords_become_item_and_category_terms() {
        let terms = terms("小区门口一堆垃圾堆没人清！", &keywords());
        assert!(terms.contains(&"kw:01-001".to_string()), "{terms:?}");
        assert!(terms.contains(&"kc:01".to_string()), "{terms:?}");
        assert!(!terms.iter().any(|t| t.contains('！')), "{terms:?}");
    }
}
