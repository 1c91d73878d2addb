//! `streetwise generate cases --count N`: writes N realistic closed cases of the past year
//! straight into the database, to measure the rankings on a large history.
//!
//! Cases are spread over the 11 streets and their communities, classified as a catalog item,
//! dispatched by the responsibility list (owner unit and first candidate handling unit) with a
//! deadline on the working calendar; some are handled late, reworked, extended, reassigned (to
//! the next candidate) or leave the citizen unsatisfied. They are written as event rows with
//! their indicator facts (`crate::indicators`) in multi-row inserts, thousands of rows per
//! statement and many statements per transaction. **No timeline entries are written**: the
//! indicators need only the facts on the event rows, so a generated case's timeline is empty.

use std::collections::HashMap;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::domain::{Classification, DecidedBy, Responsibility, TimeLimit, UnitRef};
use crate::reference::Reference;
use crate::settings::Settings;
use crate::storage::{Db, GeneratedCase};

/// Cases per transaction.
const CASES_PER_TRANSACTION: usize = 20_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// How a generated case went, as probabilities.
const LATE: f64 = 0.12;
const REWORKED: f64 = 0.08;
const EXTENDED: f64 = 0.06;
const REASSIGNED: f64 = 0.05;
/// Of the cases with a follow-up call: answered, and of those unsatisfied (then redone).
const ANSWERED: f64 = 0.75;
const UNSATISFIED: f64 = 0.08;

/// Channels in their rough proportions; grid reports and sensor alarms get no follow-up.
const SOURCES: &[(&str, f64)] = &[
    ("hotline", 0.55),
    ("grid", 0.25),
    ("web", 0.12),
    ("sensor", 0.05),
    ("letter", 0.03),
];

/// What a case of one item in one community is dispatched as.
struct Route {
    item_code: String,
    item_name: String,
    category_code: String,
    priority: &'static str,
    classification: String,
    owner: UnitRef,
    handlers: Vec<UnitRef>,
    limit: TimeLimit,
}

/// `streetwise generate cases`: writes `count` closed cases, with a progress bar.
pub async fn cases(settings: &Settings, count: u64, seed: u64) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database_url()).await?;
    let (reference, _) = crate::seed::stored_or_seeded(&db).await?;
    let mut generator = Generator::new(&reference, seed, Timestamp::now(), count);
    anyhow::ensure!(
        !generator.places.is_empty(),
        "the reference data has no streets"
    );
    let bar = ProgressBar::new(count);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40}] {human_pos}/{human_len} cases ({per_sec}, {elapsed}, eta {eta})",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_message("writing closed cases");
    let started = std::time::Instant::now();
    let mut written = 0u64;
    while written < count {
        let n = (count - written).min(CASES_PER_TRANSACTION as u64) as usize;
        let batch: Vec<GeneratedCase> = (0..n).filter_map(|_| generator.case()).collect();
        db.insert_generated(&batch)
            .await
            .context("writing generated cases")?;
        written += n as u64;
        bar.set_position(written);
    }
    bar.finish_with_message("written");
    // Fresh statistics, so that the planner picks the indicator indexes for rankings.
    db.analyze_events().await.context("analysing events")?;
    println!(
        "{count} closed cases written in {:.1} s ({} rows per statement, {CASES_PER_TRANSACTION} per transaction).",
        started.elapsed().as_secs_f64(),
        crate::storage::GENERATED_ROWS_PER_STATEMENT
    );
    db.close().await;
    Ok(())
}

struct Generator<'a> {
    reference: &'a Reference,
    rng: StdRng,
    now: i64,
    /// (street index, community index or none) of every place a case can be in.
    places: Vec<(usize, Option<usize>)>,
    routes: HashMap<(usize, Option<usize>, usize), Option<Route>>,
    /// How many cases will be generated, and how many were.
    count: u64,
    next: u64,
}

impl<'a> Generator<'a> {
    fn new(reference: &'a Reference, seed: u64, now: Timestamp, count: u64) -> Self {
        let mut places = Vec::new();
        for (s, street) in reference.district.streets.iter().enumerate() {
            if street.communities.is_empty() {
                places.push((s, None));
            }
            for c in 0..street.communities.len() {
                places.push((s, Some(c)));
            }
        }
        Self {
            reference,
            rng: StdRng::seed_from_u64(seed),
            now: now.as_millisecond(),
            places,
            routes: HashMap::new(),
            count: count.max(1),
            next: 0,
        }
    }

    fn route(&mut self, place: (usize, Option<usize>), item: usize) -> Option<&Route> {
        let reference = self.reference;
        self.routes
            .entry((place.0, place.1, item))
            .or_insert_with(|| {
                let street = &reference.district.streets[place.0];
                let community = place.1.map(|c| &street.communities[c]);
                let item = &reference.catalog.items[item];
                let entry: &Responsibility = reference.responsibility(&item.code, &street.code)?;
                let handlers: Vec<UnitRef> = reference
                    .candidates(entry, street, community.map(|c| c.code.as_str()))
                    .into_iter()
                    .map(|u| UnitRef {
                        code: u.code.clone(),
                        name: u.name.clone(),
                    })
                    .collect();
                let owner = reference.unit(&entry.owner_unit)?;
                let category = reference.category_of(item)?;
                let classification = Classification {
                    item_code: item.code.clone(),
                    item_name: item.name.clone(),
                    category_code: category.code.clone(),
                    category_name: category.name.clone(),
                    confidence: 1.0,
                    priority: item.priority,
                    tags: vec!["generated".into()],
                    reason: "generated history (streetwise generate cases)".into(),
                    decided_by: DecidedBy::District,
                    suggestions: Vec::new(),
                    model: None,
                };
                Some(Route {
                    item_code: item.code.clone(),
                    item_name: item.name.clone(),
                    category_code: category.code.clone(),
                    priority: item.priority.as_str(),
                    classification: serde_json::to_string(&classification).ok()?,
                    owner: UnitRef {
                        code: owner.code.clone(),
                        name: owner.name.clone(),
                    },
                    limit: entry.time_limit.unwrap_or(item.time_limit),
                    handlers: (!handlers.is_empty()).then_some(handlers)?,
                })
            })
            .as_ref()
    }

    /// One closed case, or `None` for the rare item a place has no route for.
    fn case(&mut self) -> Option<GeneratedCase> {
        for _ in 0..100 {
            let place = self.places[self.rng.random_range(0..self.places.len())];
            let item = self.rng.random_range(0..self.reference.catalog.items.len());
            if self.route(place, item).is_some() {
                return Some(self.build(place, item));
            }
        }
        None
    }

    fn build(&mut self, place: (usize, Option<usize>), item: usize) -> GeneratedCase {
        let r: [f64; 10] = std::array::from_fn(|_| self.rng.random());
        let n = self.next;
        self.next += 1;
        // Cases come in over the year in order, so every index of a time is appended to
        // rather than written all over (a large part of the load time otherwise).
        let step = 365.0 * DAY as f64 / self.count as f64;
        let now = self.now;
        let received = now - 365 * DAY + ((n as f64 + r[0]) * step) as i64;
        let source = pick_source(r[1]);
        let reference = self.reference;
        let route = self.route(place, item).expect("a route was found");
        let deadline = reference
            .calendar
            .deadline(ts(received), route.limit)
            .as_millisecond();
        let span = (deadline - received).max(HOUR) as f64;
        let late = r[2] < LATE;
        let mut handled = received
            + (span
                * if late {
                    1.05 + 0.75 * r[3]
                } else {
                    0.1 + 0.85 * r[3]
                }) as i64;
        let reworks = i64::from(r[4] < REWORKED);
        let extensions = i64::from(r[5] < EXTENDED);
        let reassigned = r[6] < REASSIGNED && route.handlers.len() > 1;
        let follow_up = matches!(source, "hotline" | "web" | "letter");
        let answered = follow_up && r[7] < ANSWERED;
        let unsatisfied = answered && r[8] < UNSATISFIED;
        let mut closed = if follow_up {
            handled + HOUR + (r[9] * 47.0 * HOUR as f64) as i64
        } else {
            handled
        };
        // Nothing closes in the future: a case that would is moved back in time as a whole.
        let shift = (closed - now + 60_000).max(0);
        let (received, deadline) = (received - shift, deadline - shift);
        handled -= shift;
        closed -= shift;

        let handler = &route.handlers[usize::from(reassigned)];
        // As intake stores it (`crate::domain::Dispatch`), written as JSON directly.
        let dispatch = serde_json::json!({
            "owner_unit": route.owner,
            "handling_unit": handler,
            "candidates": route.handlers.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(),
            "time_limit": route.limit,
            "deadline": crate::calendar::rfc3339(ts(deadline)),
            "decided_by": DecidedBy::District,
        });
        let street = &reference.district.streets[place.0];
        let community = place.1.map(|c| &street.communities[c]);
        GeneratedCase {
            id: uuid::Uuid::now_v7().to_string(),
            source,
            description: format!(
                "{}{}（生成的历史案件 {}）",
                community.map_or(street.name.as_str(), |c| c.name.as_str()),
                route.item_name,
                n + 1
            ),
            received_at: received,
            street_code: street.code.clone(),
            street_name: street.name.clone(),
            community_code: community.map(|c| c.code.clone()),
            community_name: community.map(|c| c.name.clone()),
            item_code: route.item_code.clone(),
            category_code: route.category_code.clone(),
            priority: route.priority,
            classification: route.classification.clone(),
            owner_unit: route.owner.code.clone(),
            handling_unit: handler.code.clone(),
            deadline,
            dispatch: dispatch.to_string(),
            handled_at: handled,
            closed_at: closed,
            reworks,
            reassignments: i64::from(reassigned),
            extensions,
            satisfied: i64::from(answered),
            unsatisfied: i64::from(unsatisfied),
        }
    }
}

fn pick_source(r: f64) -> &'static str {
    let mut acc = 0.0;
    for (source, p) in SOURCES {
        acc += p;
        if r < acc {
            return source;
        }
    }
    SOURCES[0].0
}

fn ts(millis: i64) -> Timestamp {
    Timestamp::from_millisecond(millis).unwrap_or(Timestamp::UNIX_EPOCH)
}
