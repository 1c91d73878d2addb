//! Putting read rows into the reference data: replacing a set, or adding and updating rows by
//! their key; remembering which file and line each row came from.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use super::rows::{Located, RowProblem, Spot};
use crate::reference::Place;

/// Replace a set whole, or add new rows and update the rows with the same key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    #[default]
    Replace,
    AddOrUpdate,
}

/// Which file, and where in it, a row came from.
#[derive(Clone, Copy, Debug)]
pub struct Origin {
    pub file: usize,
    pub spot: Spot,
}

/// Where the rows of the reference data came from, by set and position; `None` for a row that
/// was already stored.
#[derive(Debug, Default)]
pub struct Origins {
    pub streets: Vec<Option<Origin>>,
    pub units: Vec<Option<Origin>>,
    pub categories: Vec<Option<Origin>>,
    pub items: Vec<Option<Origin>>,
    pub responsibilities: Vec<Option<Origin>>,
    pub sections: Vec<Option<Origin>>,
    pub staff: Vec<Option<Origin>>,
    /// The file of a set that is one whole: the catalog's header, the areas, calendar years.
    pub catalog: Option<usize>,
    pub areas: Option<usize>,
    pub calendar: HashMap<i16, usize>,
}

impl Origins {
    /// Where the row at `place` came from.
    pub fn of(&self, place: Place) -> Option<Origin> {
        let at = |rows: &Vec<Option<Origin>>, i: usize| rows.get(i).copied().flatten();
        let whole = |file: Option<usize>| {
            file.map(|file| Origin {
                file,
                spot: Spot::start(),
            })
        };
        match place {
            Place::Areas => whole(self.areas),
            Place::Street(i) => at(&self.streets, i),
            Place::Unit(i) => at(&self.units, i),
            Place::Catalog => whole(self.catalog),
            Place::Category(i) => at(&self.categories, i),
            Place::Item(i) => at(&self.items, i),
            Place::Responsibility(i) => at(&self.responsibilities, i),
            Place::Calendar(year) => whole(self.calendar.get(&year).copied()),
            Place::Section(i) => at(&self.sections, i),
            Place::Staff(i) => at(&self.staff, i),
        }
    }
}

/// Puts `rows` from file `file` into `target` as `mode` says, keeping `origins` beside it. In
/// add-or-update mode a key given twice in the file is a problem (replacing a set leaves that
/// to the cross-check, which finds it in the set).
pub fn put<T, K: Eq + Hash>(
    target: &mut Vec<T>,
    origins: &mut Vec<Option<Origin>>,
    rows: Vec<Located<T>>,
    file: usize,
    mode: Mode,
    key: impl Fn(&T) -> K,
    describe: impl Fn(&T) -> String,
) -> Vec<RowProblem> {
    let origin = |spot| Some(Origin { file, spot });
    if mode == Mode::Replace {
        *origins = rows.iter().map(|r| origin(r.spot)).collect();
        *target = rows.into_iter().map(|r| r.value).collect();
        return Vec::new();
    }
    origins.resize(target.len(), None);
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    let mut index: HashMap<K, usize> = target
        .iter()
        .enumerate()
        .map(|(i, t)| (key(t), i))
        .collect();
    for row in rows {
        let k = key(&row.value);
        if !seen.insert(key(&row.value)) {
            problems.push(RowProblem {
                spot: row.spot,
                field: None,
                message: format!("{}: listed twice in this file", describe(&row.value)),
            });
            continue;
        }
        match index.get(&k) {
            Some(&i) => {
                target[i] = row.value;
                origins[i] = origin(row.spot);
            }
            None => {
                index.insert(k, target.len());
                target.push(row.value);
                origins.push(origin(row.spot));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: usize, value: (&'static str, u32)) -> Located<(&'static str, u32)> {
        Located {
            spot: Spot { line, column: 1 },
            value,
        }
    }

    #[test]
    fn add_or_update_changes_the_rows_it_names_adds_the_new_and_keeps_the_rest() {
        let mut target = vec![("a", 1), ("b", 2)];
        let mut origins = Vec::new();
        let rows = vec![row(2, ("b", 20)), row(3, ("c", 3)), row(4, ("c", 30))];
        let problems = put(
            &mut target,
            &mut origins,
            rows,
            0,
            Mode::AddOrUpdate,
            |t| t.0,
            |t| t.0.to_string(),
        );
        assert_eq!(target, [("a", 1), ("b", 20), ("c", 3)]);
        assert!(origins[0].is_none(), "a was stored before");
        assert_eq!(origins[1].unwrap().spot.line, 2);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].spot.line, 4);
        assert_eq!(problems[0].message, "c: listed twice in this file");
    }

    #[test]
    fn replace_takes_the_file_whole() {
        let mut target = vec![("a", 1), ("b", 2)];
        let mut origins = Vec::new();
        let rows = vec![row(2, ("c", 3))];
        put(
            &mut target,
            &mut origins,
            rows,
            1,
            Mode::Replace,
            |t| t.0,
            |t| t.0.to_string(),
        );
        assert_eq!(target, [("c", 3)]);
        assert_eq!(origins[0].unwrap().file, 1);
    }
}
