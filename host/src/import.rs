//! `streetwise import`: replace a set of reference data (catalog, responsibility list, units,
//! areas, a calendar year, sections and staff) from a file. Rows are read and checked first, then the whole
//! reference is cross-checked with the new set in place; only if everything holds is it
//! written, in one transaction, with a progress bar. Errors name the line and what is wrong.

use std::path::Path;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::domain::{
    Catalog, Category, HandlingRef, Item, Priority, Responsibility, TimeLimit, TimeUnit, Unit,
    UnitKind,
};
use crate::reference::{Reference, ReferenceParts};
use crate::settings::Settings;
use crate::storage::Db;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportKind {
    Catalog,
    Responsibilities,
    Units,
    Areas,
    Calendar,
    /// The units' sections and staff (`seed/staff.json`).
    Staff,
}

/// What a CSV catalog cannot say in its rows.
#[derive(Clone, Debug, Default)]
pub struct CsvOptions {
    pub catalog_version: Option<String>,
    pub fallback_item: Option<String>,
}

/// At most this many row errors are listed.
const MAX_ERRORS_SHOWN: usize = 50;

pub async fn run(
    settings: &Settings,
    kind: ImportKind,
    file: &Path,
    options: CsvOptions,
) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let is_csv = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let db = Db::connect(&settings.database_url()).await?;
    let mut parts = match db.load_reference().await? {
        Some(parts) => parts,
        None => crate::seed::parts()?,
    };
    let summary = replace(&mut parts, kind, &text, is_csv, file, options)?;
    let errors = match Reference::new(parts.clone()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    };
    if !errors.is_empty() {
        anyhow::bail!(
            "{} is not consistent with the rest of the reference data; nothing was written:\n{}",
            file.display(),
            shown(&errors)
        );
    }
    let total = (parts.district.streets.len()
        + parts
            .district
            .streets
            .iter()
            .map(|s| s.communities.len())
            .sum::<usize>()
        + parts.units.len()
        + parts.catalog.categories.len()
        + parts.catalog.items.len()
        + parts.responsibilities.len()
        + parts.calendar.len()
        + parts.sections.len()
        + parts.staff.len()) as u64;
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} rows ({elapsed})")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_message("writing reference data");
    db.save_reference(&parts, &|n| bar.set_position(n)).await?;
    bar.finish_with_message("written");
    println!("{summary}. Running hosts switch to it within seconds.");
    db.close().await;
    Ok(())
}

/// Replaces one set in `parts`; returns a one-line summary.
fn replace(
    parts: &mut ReferenceParts,
    kind: ImportKind,
    text: &str,
    is_csv: bool,
    file: &Path,
    options: CsvOptions,
) -> anyhow::Result<String> {
    let name = file.display();
    Ok(match kind {
        ImportKind::Catalog => {
            parts.catalog = if is_csv {
                let version = options.catalog_version.unwrap_or_else(|| {
                    file.file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "imported".into())
                });
                let fallback = options
                    .fallback_item
                    .unwrap_or_else(|| parts.catalog.fallback_item.clone());
                catalog_csv(text, version, fallback)?
            } else {
                crate::seed::catalog(text).with_context(|| format!("{name}"))?
            };
            format!(
                "catalog {}: {} categories, {} items",
                parts.catalog.version,
                parts.catalog.categories.len(),
                parts.catalog.items.len()
            )
        }
        ImportKind::Responsibilities => {
            parts.responsibilities = if is_csv {
                responsibilities_csv(text)?
            } else {
                crate::seed::responsibilities(text).with_context(|| format!("{name}"))?
            };
            format!("{} responsibility entries", parts.responsibilities.len())
        }
        ImportKind::Units => {
            parts.units = if is_csv {
                units_csv(text)?
            } else {
                crate::seed::units(text).with_context(|| format!("{name}"))?
            };
            format!("{} units", parts.units.len())
        }
        ImportKind::Areas => {
            anyhow::ensure!(
                !is_csv,
                "areas are imported from JSON (see seed/areas.json)"
            );
            parts.district = crate::seed::areas(text).with_context(|| format!("{name}"))?;
            format!("{} streets", parts.district.streets.len())
        }
        ImportKind::Calendar => {
            anyhow::ensure!(
                !is_csv,
                "a calendar year is imported from JSON (see seed/calendar/)"
            );
            let year = crate::seed::calendar(text).with_context(|| format!("{name}"))?;
            let summary = format!(
                "calendar {}: {} holidays, {} make-up working days",
                year.year,
                year.holidays.len(),
                year.makeup_workdays.len()
            );
            parts.calendar.retain(|y| y.year != year.year);
            parts.calendar.push(year);
            parts.calendar.sort_by_key(|y| y.year);
            summary
        }
        ImportKind::Staff => {
            anyhow::ensure!(
                !is_csv,
                "sections and staff are imported from JSON (see seed/staff.json)"
            );
            (parts.sections, parts.staff) =
                crate::seed::staff(text).with_context(|| format!("{name}"))?;
            format!(
                "{} sections, {} staff ({} on duty)",
                parts.sections.len(),
                parts.staff.len(),
                parts.staff.iter().filter(|p| p.on_duty).count()
            )
        }
    })
}

/// Reads CSV rows into `T`, collecting every row's error with its line number.
fn rows<T>(
    text: &str,
    columns: &[&str],
    mut parse: impl FnMut(&csv::StringRecord, &dyn Fn(&str) -> String) -> Result<T, String>,
) -> anyhow::Result<Vec<T>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().context("reading the CSV header")?.clone();
    let missing: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| !headers.iter().any(|h| h == *c))
        .collect();
    anyhow::ensure!(
        missing.is_empty(),
        "the CSV header lacks column(s) {}; expected {}",
        missing.join(", "),
        columns.join(",")
    );
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        match record {
            Ok(record) => {
                let get = |column: &str| {
                    headers
                        .iter()
                        .position(|h| h == column)
                        .and_then(|i| record.get(i))
                        .unwrap_or_default()
                        .to_string()
                };
                match parse(&record, &get) {
                    Ok(row) => out.push(row),
                    Err(e) => errors.push(format!("line {line}: {e}")),
                }
            }
            Err(e) => errors.push(format!("line {line}: {e}")),
        }
    }
    anyhow::ensure!(
        errors.is_empty(),
        "{} bad row(s); nothing was written:\n{}",
        errors.len(),
        shown(&errors)
    );
    Ok(out)
}

fn required(get: &dyn Fn(&str) -> String, column: &str) -> Result<String, String> {
    let value = get(column);
    if value.is_empty() {
        Err(format!("{column} is empty"))
    } else {
        Ok(value)
    }
}

fn time_limit(get: &dyn Fn(&str) -> String) -> Result<Option<TimeLimit>, String> {
    let (value, unit) = (get("time_limit_value"), get("time_limit_unit"));
    if value.is_empty() && unit.is_empty() {
        return Ok(None);
    }
    let value: u32 = value
        .parse()
        .map_err(|_| format!("time_limit_value {value:?} is not a whole number"))?;
    let unit = TimeUnit::parse(&unit).ok_or_else(|| {
        format!("time_limit_unit {unit:?}: use urgent_hours, working_hours, working_days or calendar_days")
    })?;
    TimeLimit { value, unit }.check().map(Some)
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
/// `category_name_en` and `name_en`.
fn catalog_csv(text: &str, version: String, fallback_item: String) -> anyhow::Result<Catalog> {
    let mut categories: Vec<Category> = Vec::new();
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
        |_, get| {
            let category = required(get, "category_code")?;
            let category_name = required(get, "category_name")?;
            match categories.iter().find(|c| c.code == category) {
                Some(c) if c.name != category_name => {
                    return Err(format!(
                        "category {category} is named {:?} on an earlier line and {category_name:?} here",
                        c.name
                    ));
                }
                Some(_) => {}
                None => categories.push(Category {
                    code: category.clone(),
                    name: category_name,
                    name_en: Some(get("category_name_en")).filter(|s| !s.is_empty()),
                }),
            }
            let priority = get("priority");
            Ok(Item {
                code: required(get, "code")?,
                category,
                name: required(get, "name")?,
                name_en: Some(get("name_en")).filter(|s| !s.is_empty()),
                keywords: list(&get("keywords")),
                time_limit: time_limit(get)?.ok_or("time limit is empty")?,
                priority: Priority::parse(&priority).ok_or_else(|| {
                    format!("priority {priority:?}: use low, normal, high or urgent")
                })?,
                requirements: get("requirements"),
            })
        },
    )?;
    Ok(Catalog {
        version,
        categories,
        items,
        fallback_item,
    })
}

/// Responsibility CSV: `item,area,owner_unit,handling,time_limit_value,time_limit_unit`
/// (handling units separated by `;`, each a unit code, `street:<role>` or `community`).
fn responsibilities_csv(text: &str) -> anyhow::Result<Vec<Responsibility>> {
    rows(
        text,
        &[
            "item",
            "area",
            "owner_unit",
            "handling",
            "time_limit_value",
            "time_limit_unit",
        ],
        |_, get| {
            let handling = list(&get("handling"))
                .into_iter()
                .map(HandlingRef::try_from)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Responsibility {
                item: required(get, "item")?,
                area: required(get, "area")?,
                owner_unit: required(get, "owner_unit")?,
                handling,
                time_limit: time_limit(get)?,
            })
        },
    )
}

/// Units CSV: `code,name,kind,street,role,community`.
fn units_csv(text: &str) -> anyhow::Result<Vec<Unit>> {
    rows(
        text,
        &["code", "name", "kind", "street", "role", "community"],
        |_, get| {
            let kind = get("kind");
            let optional = |c: &str| Some(get(c)).filter(|s| !s.is_empty());
            Ok(Unit {
            code: required(get, "code")?,
            name: required(get, "name")?,
            kind: serde_json::from_value::<UnitKind>(serde_json::Value::String(kind.clone()))
                .map_err(|_| {
                    format!(
                        "kind {kind:?}: use district_bureau, street_office, community_workstation or enterprise"
                    )
                })?,
            street: optional("street"),
            role: optional("role"),
            community: optional("community"),
        })
        },
    )
}

fn shown(errors: &[String]) -> String {
    let mut text = errors
        .iter()
        .take(MAX_ERRORS_SHOWN)
        .map(|e| format!("  - {e}"))
        .collect::<Vec<_>>()
        .join("\n");
    if errors.len() > MAX_ERRORS_SHOWN {
        text.push_str(&format!(
            "\n  ... and {} more",
            errors.len() - MAX_ERRORS_SHOWN
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_catalog_csv_reads_categories_and_items() {
        let csv = "category_code,category_name,code,name,keywords,time_limit_value,time_limit_unit,priority,requirements\n\
                   01,市容环卫,01-001,暴露垃圾,垃圾堆;垃圾没人清,1,working_days,normal,清理\n\
                   01,市容环卫,01-002,占道经营,摆摊,1,working_days,normal,\n";
        let catalog = catalog_csv(csv, "v1".into(), "01-001".into()).unwrap();
        assert_eq!(catalog.categories.len(), 1);
        assert_eq!(catalog.items[0].keywords, vec!["垃圾堆", "垃圾没人清"]);
    }

    #[test]
    fn bad_rows_are_reported_with_their_line_numbers() {
        let csv = "category_code,category_name,code,name,keywords,time_limit_value,time_limit_unit,priority,requirements\n\
                   01,市容环卫,01-001,暴露垃圾,垃圾堆,one,working_days,normal,\n\
                   01,市容环卫,01-002,占道经营,摆摊,1,weeks,normal,\n\
                   01,市容环卫,01-003,道路不洁,,1,working_days,soon,\n";
        let error = catalog_csv(csv, "v1".into(), "01-001".into())
            .unwrap_err()
            .to_string();
        assert!(error.contains("3 bad row(s)"), "{error}");
        assert!(
            error.contains("line 2: time_limit_value \"one\""),
            "{error}"
        );
        assert!(
            error.contains("line 3: time_limit_unit \"weeks\""),
            "{error}"
        );
        assert!(error.contains("line 4: priority \"soon\""), "{error}");
    }

    #[test]
    fn a_csv_without_a_required_column_is_refused_before_any_row() {
        let error = responsibilities_csv("item,area\n01-001,*\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("lacks column(s) owner_unit"), "{error}");
    }
}
