//! The CSV formats (catalog, responsibility list, units): every row read, every bad row
//! reported with its line and the column at fault, in one pass.

use super::rows::{Located, RowProblem, Rows, Spot};
use crate::domain::{
    Category, HandlingRef, Item, Priority, Responsibility, TimeLimit, TimeUnit, Unit, UnitKind,
};

/// A row's fields by column name, and where each column is.
struct Record<'a> {
    headers: &'a csv::StringRecord,
    record: &'a csv::StringRecord,
}

/// A bad field: its column's name and what is wrong.
type FieldError = (&'static str, String);

impl Record<'_> {
    fn get(&self, column: &str) -> String {
        self.headers
            .iter()
            .position(|h| h == column)
            .and_then(|i| self.record.get(i))
            .unwrap_or_default()
            .to_string()
    }

    fn optional(&self, column: &str) -> Option<String> {
        Some(self.get(column)).filter(|s| !s.is_empty())
    }

    fn required(&self, column: &'static str) -> Result<String, FieldError> {
        self.optional(column)
            .ok_or_else(|| (column, format!("{column} is empty")))
    }

    fn time_limit(&self) -> Result<Option<TimeLimit>, FieldError> {
        let (value, unit) = (self.get("time_limit_value"), self.get("time_limit_unit"));
        if value.is_empty() && unit.is_empty() {
            return Ok(None);
        }
        let value: u32 = value.parse().map_err(|_| {
            let message = format!("time_limit_value {value:?} is not a whole number");
            ("time_limit_value", message)
        })?;
        let unit = TimeUnit::parse(&unit).ok_or_else(|| {
            let message = format!(
                "time_limit_unit {unit:?}: use urgent_hours, working_hours, working_days or calendar_days"
            );
            ("time_limit_unit", message)
        })?;
        TimeLimit { value, unit }
            .check()
            .map(Some)
            .map_err(|why| ("time_limit_value", format!("time limit {why}")))
    }
}

/// Reads CSV rows with `parse`, keeping each row's place and collecting every bad row.
fn rows<T>(
    text: &str,
    columns: &[&str],
    mut parse: impl FnMut(&Record<'_>) -> Result<T, FieldError>,
) -> Rows<T> {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out = Rows::default();
    let headers = match reader.headers() {
        Ok(headers) => headers.clone(),
        Err(e) => {
            out.fatal(
                Spot::start(),
                None,
                format!("the CSV header cannot be read: {e}"),
            );
            return out;
        }
    };
    out.columns = headers.iter().map(String::from).collect();
    let missing: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| !headers.iter().any(|h| h == *c))
        .collect();
    if !missing.is_empty() {
        let message = format!(
            "the CSV header lacks column(s) {}; expected {}",
            missing.join(", "),
            columns.join(",")
        );
        out.fatal(Spot::start(), None, message);
        return out;
    }
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(text, p.byte()));
                out.problems.push(RowProblem {
                    spot: Spot { line, column: 1 },
                    field: None,
                    message: e.to_string(),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_at(text, p.byte()));
        let row = Record {
            headers: &headers,
            record: &record,
        };
        match parse(&row) {
            Ok(value) => out.rows.push(Located {
                spot: Spot { line, column: 1 },
                value,
            }),
            Err((column, message)) => out.problems.push(RowProblem {
                spot: Spot {
                    line,
                    column: out.column_of(column).unwrap_or(1),
                },
                field: Some(column),
                message,
            }),
        }
    }
    out
}

/// The line (from 1) of the record starting at `byte`. The reader's own line count is one
/// short after a CRLF ending (the record starts at the `\n`), which Excel writes.
fn line_at(text: &str, byte: u64) -> usize {
    let bytes = text.as_bytes();
    let mut at = usize::try_from(byte)
        .unwrap_or(bytes.len())
        .min(bytes.len());
    while matches!(bytes.get(at), Some(b'\r' | b'\n')) {
        at += 1;
    }
    bytes[..at].iter().filter(|b| **b == b'\n').count() + 1
}

fn list(value: &str) -> Vec<String> {
    value
        .split([';', '；'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Catalog CSV: `category_code,category_name,code,name,keywords,time_limit_value,
/// time_limit_unit,priority,requirements` (keywords separated by `;`), and optionally
/// `category_name_en` and `name_en`. Each item row names its category; the categories are
/// the ones named, at their first row.
pub fn catalog(text: &str) -> (Rows<Category>, Rows<Item>) {
    let mut categories: Rows<Category> = Rows::default();
    let items = rows(
        text,
        &[
            "category_code",
            "category_name",
            "code",
            "name",
            "keywords",
            "time_limit_value",
            "time_limit_unit",
            "priority",
            "requirements",
        ],
        |row| {
            let category = row.required("category_code")?;
            let category_name = row.required("category_name")?;
            match categories.rows.iter().find(|c| c.value.code == category) {
                Some(c) if c.value.name != category_name => {
                    let message = format!(
                        "category {category} is named {:?} on line {} and {category_name:?} here",
                        c.value.name, c.spot.line
                    );
                    return Err(("category_name", message));
                }
                Some(_) => {}
                None => categories.rows.push(Located {
                    // The item's own line: patched below once the row is placed.
                    spot: Spot::start(),
                    value: Category {
                        code: category.clone(),
                        name: category_name,
                        name_en: row.optional("category_name_en"),
                    },
                }),
            }
            let priority = row.get("priority");
            Ok(Item {
                code: row.required("code")?,
                category,
                name: row.required("name")?,
                name_en: row.optional("name_en"),
                keywords: list(&row.get("keywords")),
                time_limit: row
                    .time_limit()?
                    .ok_or(("time_limit_value", "time limit is empty".to_string()))?,
                priority: Priority::parse(&priority).ok_or_else(|| {
                    let message = format!("priority {priority:?}: use low, normal, high or urgent");
                    ("priority", message)
                })?,
                requirements: row.get("requirements"),
            })
        },
    );
    // A category stands where its first item does.
    for category in &mut categories.rows {
        if let Some(item) = items
            .rows
            .iter()
            .find(|i| i.value.category == category.value.code)
        {
            category.spot = item.spot;
        }
    }
    categories.columns = items.columns.clone();
    (categories, items)
}

/// Responsibility CSV: `item,area,owner_unit,handling,time_limit_value,time_limit_unit`
/// (handling units separated by `;`, each a unit code, `street:<role>` or `community`).
pub fn responsibilities(text: &str) -> Rows<Responsibility> {
    let columns = [
        "item",
        "area",
        "owner_unit",
        "handling",
        "time_limit_value",
        "time_limit_unit",
    ];
    rows(text, &columns, |row| {
        let handling = list(&row.get("handling"))
            .into_iter()
            .map(HandlingRef::try_from)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ("handling", e))?;
        Ok(Responsibility {
            item: row.required("item")?,
            area: row.required("area")?,
            owner_unit: row.required("owner_unit")?,
            handling,
            time_limit: row.time_limit()?,
        })
    })
}

/// Units CSV: `code,name,kind,street,role,community`.
pub fn units(text: &str) -> Rows<Unit> {
    let columns = ["code", "name", "kind", "street", "role", "community"];
    rows(text, &columns, |row| {
        let kind = row.get("kind");
        let kind = serde_json::from_value::<UnitKind>(serde_json::Value::String(kind.clone()))
            .map_err(|_| {
                let message = format!(
                    "kind {kind:?}: use district_bureau, street_office, community_workstation or enterprise"
                );
                ("kind", message)
            })?;
        Ok(Unit {
            code: row.required("code")?,
            name: row.required("name")?,
            kind,
            street: row.optional("street"),
            role: row.optional("role"),
            community: row.optional("community"),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "category_code,category_name,code,name,keywords,time_limit_value,time_limit_unit,priority,requirements\n";

    #[test]
    fn a_catalog_reads_categories_and_items_with_their_lines() {
        let csv = format!(
            "{HEADER}01,市容环卫,01-001,暴露垃圾,垃圾堆;垃圾没人清,1,working_days,normal,清理\n\
             01,市容环卫,01-002,占道经营,摆摊,1,working_days,normal,\n"
        );
        let (categories, items) = catalog(&csv);
        assert!(items.problems.is_empty(), "{:?}", items.problems);
        assert_eq!(categories.rows.len(), 1);
        assert_eq!(categories.rows[0].spot.line, 2);
        assert_eq!(items.rows[1].spot.line, 3);
        assert_eq!(items.rows[0].value.keywords, vec!["垃圾堆", "垃圾没人清"]);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_and_column() {
        let csv = format!(
            "{HEADER}01,市容环卫,01-001,暴露垃圾,垃圾堆,one,working_days,normal,\n\
             01,市容环卫,01-002,占道经营,摆摊,1,weeks,normal,\n\
             01,市容环卫,01-003,道路不洁,,1,working_days,soon,\n\
             01,市容环卫,01-004,积存垃圾,,1,working_days,normal,\n"
        );
        let (_, items) = catalog(&csv);
        let found: Vec<(usize, usize, &str)> = items
            .problems
            .iter()
            .map(|p| (p.spot.line, p.spot.column, p.field.unwrap()))
            .collect();
        assert_eq!(
            found,
            [
                (2, 6, "time_limit_value"),
                (3, 7, "time_limit_unit"),
                (4, 8, "priority")
            ]
        );
        assert!(items.problems[1].message.contains("\"weeks\""));
        assert_eq!(items.rows.len(), 1, "the good row is read");
    }

    #[test]
    fn lines_are_counted_alike_with_crlf_and_lf_endings() {
        for ending in ["\n", "\r\n"] {
            let csv = [
                "code,name,kind,street,role,community",
                "a,A,district_bureau,,,",
                "b,B,nonsense,,,",
                "",
            ]
            .join(ending);
            let rows = units(&csv);
            assert_eq!(rows.rows[0].spot.line, 2, "{ending:?}");
            assert_eq!(rows.problems[0].spot.line, 3, "{ending:?}");
        }
    }

    #[test]
    fn a_file_without_a_required_column_is_refused_before_any_row() {
        let rows = responsibilities("item,area\n01-001,*\n");
        assert!(rows.failed);
        assert!(
            rows.problems[0]
                .message
                .contains("lacks column(s) owner_unit")
        );
    }
}
