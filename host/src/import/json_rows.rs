//! The JSON formats (as in `seed/`): read with the seed's own readers, each row given the line
//! and column where it starts in the file; a file that does not parse is one problem at the
//! place the parser stopped.

use super::rows::{Located, Rows, Spot};

/// Where each element of the array under `key` of the top-level object starts.
pub fn element_spots(text: &str, key: &str) -> Vec<Spot> {
    let mut spots = Vec::new();
    let (mut line, mut column) = (1, 0);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let mut string = String::new();
    let mut last_key = String::new();
    let (mut in_target, mut expect) = (false, false);
    for ch in text.chars() {
        if ch == '\n' {
            line += 1;
            column = 0;
            continue;
        }
        column += 1;
        if in_string {
            match ch {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    in_string = false;
                    if depth == 1 {
                        last_key = std::mem::take(&mut string);
                    }
                }
                _ if depth == 1 => string.push(ch),
                _ => {}
            }
            continue;
        }
        if ch.is_whitespace() {
            continue;
        }
        let element_starts = in_target && depth == 2 && expect && !matches!(ch, ']' | ',');
        if element_starts {
            spots.push(Spot { line, column });
            expect = false;
        }
        match ch {
            '"' => {
                in_string = true;
                string.clear();
            }
            '{' | '[' => {
                depth += 1;
                if ch == '[' && depth == 2 && last_key == key {
                    in_target = true;
                    expect = true;
                }
            }
            '}' | ']' => {
                if depth == 2 && in_target {
                    in_target = false;
                }
                depth = depth.saturating_sub(1);
            }
            ',' if in_target && depth == 2 => expect = true,
            _ => {}
        }
    }
    spots
}

/// Rows of `values`, placed at the elements of the array under `key`.
pub fn located<T>(text: &str, key: &str, values: Vec<T>) -> Rows<T> {
    let spots = element_spots(text, key);
    Rows {
        rows: values
            .into_iter()
            .enumerate()
            .map(|(i, value)| Located {
                spot: spots.get(i).copied().unwrap_or_else(Spot::start),
                value,
            })
            .collect(),
        ..Rows::default()
    }
}

/// A file that did not read: one problem at the place the JSON parser stopped.
pub fn unreadable<T>(error: &anyhow::Error) -> Rows<T> {
    let spot = error
        .chain()
        .find_map(|e| e.downcast_ref::<serde_json::Error>())
        .map_or_else(Spot::start, |e| Spot {
            line: e.line().max(1),
            column: e.column().max(1),
        });
    let mut rows = Rows::default();
    rows.fatal(spot, None, format!("{error:#}"));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_elements_of_an_array_are_found_where_they_start() {
        let text = r#"{
  "version": "v[1]",
  "categories": [{"code": "01", "name": "a,b"}],
  "items": [
    {"code": "01-001", "keywords": ["x", "y"]},
    {"code": "01-002"}, {"code": "01-003"}
  ]
}"#;
        let at = |line, column| Spot { line, column };
        assert_eq!(
            element_spots(text, "items"),
            [at(5, 5), at(6, 5), at(6, 25)]
        );
        assert_eq!(element_spots(text, "categories"), [at(3, 18)]);
        assert_eq!(element_spots(text, "nothing"), []);
    }

    #[test]
    fn json_that_does_not_parse_is_one_problem_where_the_parser_stopped() {
        let error = crate::seed::units("{\n  \"units\": [\n    {\"code\": 1}\n  ]\n}").unwrap_err();
        let rows: Rows<()> = unreadable(&error);
        assert!(rows.failed);
        assert_eq!(rows.problems[0].spot.line, 3);
    }
}
