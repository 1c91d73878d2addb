//! Flows: how each channel's cases run through the table. A flow can only skip the optional
//! states (awaiting sign-for, awaiting verification, awaiting follow-up); it never adds a
//! transition, so the table stays the one place that decides what may happen.

use std::sync::LazyLock;

use serde::Deserialize;

use super::{Action, rule};
use crate::domain::{Source, Status};

/// The shipped flows, `seed/flows.json`.
const SHIPPED: &str = include_str!("../../../seed/flows.json");

/// One flow: the channels it applies to, the optional states it skips and when the handling
/// clock starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    pub name: String,
    pub sources: Vec<Source>,
    pub skip: Vec<Status>,
    pub clock_starts: ClockStart,
    /// The handling unit calls the reporter itself (先行联系诉求人), so the case's handler may
    /// reveal the reporter's number; otherwise only the centre may.
    pub unit_calls_reporter: bool,
}

/// When a case's handling clock starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockStart {
    /// At sign-for (签收), the default: the unit's time runs from when it acknowledged the case.
    #[default]
    Sign,
    /// At receipt (or, after a reassignment, at the handover): for channels whose time limit
    /// counts from when the case was handed down, such as referrals from above.
    Receipt,
}

impl Flow {
    /// A flow; refuses to skip a state that has no automatic way through.
    pub fn new(name: &str, sources: Vec<Source>, skip: Vec<Status>) -> Result<Self, String> {
        if let Some(state) = skip.iter().find(|s| pass_action(**s).is_none()) {
            return Err(format!(
                "flow {name}: {state} cannot be skipped (only dispatched, handled and follow_up can)"
            ));
        }
        Ok(Self {
            name: name.into(),
            sources,
            skip,
            clock_starts: ClockStart::Sign,
            unit_calls_reporter: false,
        })
    }

    pub fn with_unit_calls_reporter(mut self, unit_calls_reporter: bool) -> Self {
        self.unit_calls_reporter = unit_calls_reporter;
        self
    }

    pub fn with_clock_start(mut self, clock_starts: ClockStart) -> Self {
        self.clock_starts = clock_starts;
        self
    }

    /// Whether a case entering `state` (at intake or on reassignment) has its clock running
    /// at once: it starts at receipt, or the flow signs for it automatically.
    pub fn clock_runs_from_handover(&self, state: Status) -> bool {
        self.clock_starts == ClockStart::Receipt || state != Status::Dispatched
    }

    /// Where a case that enters `state` actually lands: a skipped state is passed through as if
    /// its pass action had been taken (a skipped `dispatched` is signed for automatically, a
    /// skipped `handled` passes verification, a skipped `follow_up` counts as satisfied).
    pub fn pass(&self, mut state: Status) -> Status {
        // Each pass moves forward along the table, so this ends; the bound is a guard.
        for _ in 0..Status::ALL.len() {
            let Some(to) = self
                .skip
                .contains(&state)
                .then(|| pass_action(state).and_then(|a| rule(state, a)))
                .flatten()
                .map(|r| r.to)
            else {
                break;
            };
            state = to;
        }
        state
    }

    /// The state a case of this flow is stored in at intake, where it is dispatched at once.
    pub fn initial(&self) -> Status {
        self.pass(Status::Dispatched)
    }
}

fn pass_action(state: Status) -> Option<Action> {
    match state {
        Status::Dispatched => Some(Action::Sign),
        Status::Handled => Some(Action::VerifyPass),
        Status::FollowUp => Some(Action::FollowUpSatisfied),
        _ => None,
    }
}

/// Every channel's flow.
#[derive(Clone, Debug)]
pub struct Flows {
    flows: Vec<Flow>,
    /// For a source no flow names (refused when parsing; kept so lookups never fail).
    full: Flow,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowsFile {
    flows: Vec<FlowEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FlowEntry {
    name: String,
    #[serde(default)]
    #[allow(dead_code)] // for the people reading the file
    description: String,
    sources: Vec<Source>,
    #[serde(default)]
    skip: Vec<Status>,
    #[serde(default)]
    clock_starts: ClockStart,
    #[serde(default)]
    unit_calls_reporter: bool,
}

impl Flows {
    /// Parses and checks a flows file: each source in exactly one flow.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: FlowsFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let flows = file
            .flows
            .into_iter()
            .map(|f| {
                Ok::<_, String>(
                    Flow::new(&f.name, f.sources, f.skip)?
                        .with_clock_start(f.clock_starts)
                        .with_unit_calls_reporter(f.unit_calls_reporter),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        for source in Source::ALL {
            let n = flows.iter().filter(|f| f.sources.contains(&source)).count();
            if n != 1 {
                return Err(format!(
                    "source {} is in {n} flows; it must be in exactly one",
                    source.as_str()
                ));
            }
        }
        Ok(Self {
            flows,
            full: Flow::new("full", Vec::new(), Vec::new())?,
        })
    }

    /// The flows shipped in `seed/flows.json` (checked by a unit test, so this cannot fail in
    /// a released binary).
    pub fn shipped() -> &'static Flows {
        static FLOWS: LazyLock<Flows> =
            LazyLock::new(|| Flows::parse(SHIPPED).expect("seed/flows.json is valid"));
        &FLOWS
    }

    pub fn for_source(&self, source: Source) -> &Flow {
        self.flows
            .iter()
            .find(|f| f.sources.contains(&source))
            .unwrap_or(&self.full)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_flows_parse_and_cover_every_source() {
        let flows = Flows::parse(SHIPPED).unwrap();
        assert_eq!(
            flows.for_source(Source::Hotline).initial(),
            Status::Dispatched
        );
        assert!(flows.for_source(Source::Hotline).skip.is_empty());
    }

    #[test]
    fn a_flow_cannot_skip_a_state_that_needs_a_decision() {
        let err = Flow::new("bad", vec![], vec![Status::ReturnRequested]).unwrap_err();
        assert!(err.contains("return_requested cannot be skipped"), "{err}");
    }

    #[test]
    fn a_source_missing_from_the_flows_is_refused() {
        let err =
            Flows::parse(r#"{"flows": [{"name": "a", "sources": ["hotline"]}]}"#).unwrap_err();
        assert!(err.contains("source letter is in 0 flows"), "{err}");
    }

    #[test]
    fn skipping_verification_and_follow_up_closes_on_finish() {
        let flow = Flow::new("x", vec![], vec![Status::Handled, Status::FollowUp]).unwrap();
        assert_eq!(flow.pass(Status::Handled), Status::Closed);
        assert_eq!(flow.pass(Status::InProgress), Status::InProgress);
    }
}
