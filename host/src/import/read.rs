//! Reading every file, applying its rows and cross-checking the result: all the problems of
//! an import in one pass, each placed in its file.

mod catalog;

use super::apply::{self, Mode, Origins};
use super::rows::{self, RowProblem, Rows};
use super::{ImportKind, ImportOptions, Problem, csv_rows, json_rows};
use crate::reference::{self, ReferenceParts};

/// A file's text and how to read it.
#[derive(Clone, Debug)]
pub struct Input {
    pub kind: ImportKind,
    /// The name problems are reported under.
    pub name: String,
    /// The file name without its extension (a CSV catalog's default version).
    pub stem: String,
    pub is_csv: bool,
    pub text: String,
}

/// The reference data with the files applied, or what is wrong with them.
#[derive(Debug)]
pub struct Prepared {
    pub parts: ReferenceParts,
    /// Empty when the import may be written.
    pub problems: Vec<Problem>,
    /// One line per file: what it held.
    pub summaries: Vec<String>,
}

/// Applies `inputs` to `parts` and checks the outcome as a whole.
pub fn prepare(mut parts: ReferenceParts, inputs: &[Input], options: &ImportOptions) -> Prepared {
    let mut origins = Origins::default();
    let mut problems = Vec::new();
    let mut summaries = Vec::new();
    // The CSV header of each file, to name the column of a cross-check's problem.
    let mut columns: Vec<Vec<String>> = Vec::new();
    let mut unreadable = false;
    for (file, input) in inputs.iter().enumerate() {
        let mut read = Read {
            file,
            mode: options.mode,
            problems: Vec::new(),
            columns: Vec::new(),
            failed: false,
        };
        let summary = read.apply(&mut parts, &mut origins, input, options);
        unreadable |= read.failed;
        problems.extend(read.problems.into_iter().map(|p| placed(input, p)));
        columns.push(read.columns);
        summaries.extend(summary);
    }
    // A file that could not be read at all leaves the old set in place: checking the others
    // against it would only report what its rows would have changed.
    if !unreadable {
        for found in reference::check(&parts) {
            let origin = origins.of(found.place);
            let (file, line, column) = match origin {
                Some(o) => {
                    let column =
                        rows::column_of(&columns[o.file], found.field).unwrap_or(o.spot.column);
                    (
                        Some(inputs[o.file].name.clone()),
                        Some(o.spot.line),
                        Some(column),
                    )
                }
                None => (None, None, None),
            };
            problems.push(Problem {
                file,
                line,
                column,
                field: Some(found.field),
                message: found.message,
            });
        }
    }
    problems.sort_by(|a, b| {
        let key = |p: &Problem| (p.file.is_none(), p.file.clone(), p.line, p.column);
        key(a).cmp(&key(b))
    });
    Prepared {
        parts,
        problems,
        summaries,
    }
}

fn placed(input: &Input, p: RowProblem) -> Problem {
    Problem {
        file: Some(input.name.clone()),
        line: Some(p.spot.line),
        column: Some(p.spot.column),
        field: p.field,
        message: p.message,
    }
}

/// Reading one file.
struct Read {
    file: usize,
    mode: Mode,
    problems: Vec<RowProblem>,
    columns: Vec<String>,
    failed: bool,
}

impl Read {
    /// Takes the problems of `rows`; its rows when it could be read.
    fn take<T>(&mut self, rows: Rows<T>) -> Option<Vec<super::rows::Located<T>>> {
        self.problems.extend(rows.problems);
        if !rows.columns.is_empty() {
            self.columns = rows.columns;
        }
        self.failed |= rows.failed;
        (!rows.failed).then_some(rows.rows)
    }

    fn apply(
        &mut self,
        parts: &mut ReferenceParts,
        origins: &mut Origins,
        input: &Input,
        options: &ImportOptions,
    ) -> Option<String> {
        let (file, mode, text) = (self.file, self.mode, input.text.as_str());
        match input.kind {
            ImportKind::Catalog => self.catalog(parts, origins, input, options),
            ImportKind::Responsibilities => {
                let rows = match input.is_csv {
                    true => csv_rows::responsibilities(text),
                    false => match crate::seed::responsibilities(text) {
                        Ok(values) => json_rows::located(text, "entries", values),
                        Err(e) => json_rows::unreadable(&e),
                    },
                };
                let rows = self.take(rows)?;
                let found = apply::put(
                    &mut parts.responsibilities,
                    &mut origins.responsibilities,
                    rows,
                    file,
                    mode,
                    |r| (r.item.clone(), r.area.clone()),
                    |r| format!("responsibility {} @ {}", r.item, r.area),
                );
                self.problems.extend(found);
                Some(format!(
                    "{} responsibility entries",
                    parts.responsibilities.len()
                ))
            }
            ImportKind::Units => {
                let rows = match input.is_csv {
                    true => csv_rows::units(text),
                    false => match crate::seed::units(text) {
                        Ok(values) => json_rows::located(text, "units", values),
                        Err(e) => json_rows::unreadable(&e),
                    },
                };
                let rows = self.take(rows)?;
                let found = apply::put(
                    &mut parts.units,
                    &mut origins.units,
                    rows,
                    file,
                    mode,
                    |u| u.code.clone(),
                    |u| format!("unit {}", u.code),
                );
                self.problems.extend(found);
                Some(format!("{} units", parts.units.len()))
            }
            ImportKind::Areas => {
                let district = match self.json_only(input, "seed/areas.json") {
                    true => crate::seed::areas(text),
                    false => return None,
                };
                let district = match district {
                    Ok(district) => district,
                    Err(e) => {
                        self.take(json_rows::unreadable::<()>(&e));
                        return None;
                    }
                };
                let streets = json_rows::located(text, "streets", district.streets.clone());
                parts.district.code = district.code;
                parts.district.name = district.name;
                parts.district.bounds = district.bounds;
                origins.areas = Some(file);
                let found = apply::put(
                    &mut parts.district.streets,
                    &mut origins.streets,
                    streets.rows,
                    file,
                    mode,
                    |s| s.code.clone(),
                    |s| format!("street {}", s.code),
                );
                self.problems.extend(found);
                Some(format!("{} streets", parts.district.streets.len()))
            }
            ImportKind::Calendar => {
                if !self.json_only(input, "seed/calendar/") {
                    return None;
                }
                let year = match crate::seed::calendar(text) {
                    Ok(year) => year,
                    Err(e) => {
                        self.take(json_rows::unreadable::<()>(&e));
                        return None;
                    }
                };
                let summary = format!(
                    "calendar {}: {} holidays, {} make-up working days",
                    year.year,
                    year.holidays.len(),
                    year.makeup_workdays.len()
                );
                origins.calendar.insert(year.year, file);
                parts.calendar.retain(|y| y.year != year.year);
                parts.calendar.push(year);
                parts.calendar.sort_by_key(|y| y.year);
                Some(summary)
            }
            ImportKind::Staff => {
                if !self.json_only(input, "seed/staff.json") {
                    return None;
                }
                let (sections, staff) = match crate::seed::staff(text) {
                    Ok(both) => both,
                    Err(e) => {
                        self.take(json_rows::unreadable::<()>(&e));
                        return None;
                    }
                };
                let sections = json_rows::located(text, "sections", sections);
                let staff = json_rows::located(text, "staff", staff);
                let mut found = apply::put(
                    &mut parts.sections,
                    &mut origins.sections,
                    sections.rows,
                    file,
                    mode,
                    |s| s.code.clone(),
                    |s| format!("section {}", s.code),
                );
                found.extend(apply::put(
                    &mut parts.staff,
                    &mut origins.staff,
                    staff.rows,
                    file,
                    mode,
                    |p| p.id.clone(),
                    |p| format!("staff {}", p.id),
                ));
                self.problems.extend(found);
                Some(format!(
                    "{} sections, {} staff ({} on duty)",
                    parts.sections.len(),
                    parts.staff.len(),
                    parts.staff.iter().filter(|p| p.on_duty).count()
                ))
            }
        }
    }

    /// Whether the file is JSON, as this kind must be; a problem when it is CSV.
    fn json_only(&mut self, input: &Input, example: &str) -> bool {
        if input.is_csv {
            let mut rows = Rows::<()>::default();
            let message = format!("{:?} is imported from JSON (see {example})", input.kind);
            rows.fatal(super::rows::Spot::start(), None, message);
            self.take(rows);
        }
        !input.is_csv
    }
}
