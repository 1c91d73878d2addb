//! What `plugin test` found for each event, and how it is printed.

use std::fmt::Write as _;
use std::time::Duration;

use crate::domain::{PluginKind, Priority, ScenarioAction};
use crate::runtime::{Fault, Limits, Usage};

/// The whole run.
#[derive(Debug)]
pub struct Report {
    pub kind: PluginKind,
    pub limits: Limits,
    pub events: Vec<EventReport>,
}

/// One line of the events file.
#[derive(Debug)]
pub struct EventReport {
    pub line: usize,
    /// The event's street and community, once validated.
    pub place: Option<String>,
    pub description: String,
    /// What the server recorded, for a replayed event.
    pub recorded: Option<String>,
    pub outcome: Outcome,
}

#[derive(Debug)]
pub enum Outcome {
    /// The line is not a valid event; the server would have refused it.
    Invalid(String),
    /// The server would not have called the plugin for this event.
    NotCalled(String),
    Called(Call),
}

/// One plugin call.
#[derive(Debug)]
pub struct Call {
    /// What the plugin was given to decide on (the district's classification, the candidates).
    pub input: String,
    pub result: Result<Decision, Fault>,
    pub elapsed: Duration,
    pub usage: Usage,
    /// The plugin's log lines during the call (`LEVEL message (fields)`).
    pub logs: Vec<String>,
}

/// What the plugin decided, checked against the contract as the server checks it.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// `none`: the district's decision stands.
    Kept,
    Classified {
        item_code: String,
        item_name: String,
        priority: Priority,
        confidence: f32,
        tags: Vec<String>,
        reason: String,
    },
    Routed {
        unit_code: String,
        unit_name: String,
        reason: String,
    },
    Actions(Vec<ScenarioAction>),
}

impl Decision {
    /// Whether the district's decision stands as it was: `none`, or a scenario with no actions.
    pub fn changes_nothing(&self) -> bool {
        match self {
            Decision::Kept => true,
            Decision::Actions(actions) => actions.is_empty(),
            _ => false,
        }
    }
}

impl Report {
    pub fn calls(&self) -> impl Iterator<Item = &Call> {
        self.events.iter().filter_map(|e| match &e.outcome {
            Outcome::Called(call) => Some(call),
            _ => None,
        })
    }

    pub fn faults(&self) -> usize {
        self.calls().filter(|c| c.result.is_err()).count()
    }

    pub fn invalid(&self) -> usize {
        self.events
            .iter()
            .filter(|e| matches!(e.outcome, Outcome::Invalid(_)))
            .count()
    }

    /// Whether a CI job should pass: no fault and no unreadable event.
    pub fn passed(&self) -> bool {
        self.faults() == 0 && self.invalid() == 0
    }

    /// The report as printed, one block per event and a summary.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for event in &self.events {
            render_event(&mut out, event, &self.limits);
        }
        out.push_str(&self.summary());
        out
    }

    /// The last lines: counts, times, memory, host calls.
    pub fn summary(&self) -> String {
        let calls: Vec<&Call> = self.calls().collect();
        let kept = calls
            .iter()
            .filter(|c| c.result.as_ref().is_ok_and(Decision::changes_nothing))
            .count();
        let not_called = self.events.len() - calls.len() - self.invalid();
        let mut out = format!(
            "\n{} events: {} calls ({} decided, {} kept the district's decision, {} faults), \
             {} not called, {} invalid\n",
            self.events.len(),
            calls.len(),
            calls.len() - kept - self.faults(),
            kept,
            self.faults(),
            not_called,
            self.invalid(),
        );
        if !calls.is_empty() {
            let mut times: Vec<Duration> = calls.iter().map(|c| c.elapsed).collect();
            times.sort();
            let peak = calls.iter().map(|c| c.usage.peak_memory).max().unwrap_or(0);
            let host_calls: u32 = calls.iter().map(|c| c.usage.host_calls).sum();
            let _ = writeln!(
                out,
                "time per call: median {}, max {} (limit {} ms); peak memory {} (limit {}); \
                 host calls {} in all",
                millis(times[(times.len() - 1) / 2]),
                millis(times[times.len() - 1]),
                self.limits.call_timeout_ms,
                memory(peak),
                mebibytes(self.limits.memory_bytes),
                host_calls,
            );
        }
        out.push_str(if self.passed() {
            "PASS\n"
        } else {
            "FAIL: a call faulted or an event could not be read\n"
        });
        out
    }
}

fn render_event(out: &mut String, event: &EventReport, limits: &Limits) {
    let _ = writeln!(
        out,
        "line {}  {}  {}",
        event.line,
        event.place.as_deref().unwrap_or("-"),
        event.description
    );
    if let Some(recorded) = &event.recorded {
        let _ = writeln!(out, "  recorded:  {recorded}");
    }
    match &event.outcome {
        Outcome::Invalid(why) => {
            let _ = writeln!(out, "  INVALID:   {why}");
        }
        Outcome::NotCalled(why) => {
            let _ = writeln!(out, "  not called: {why}");
        }
        Outcome::Called(call) => {
            let _ = writeln!(out, "  given:     {}", call.input);
            match &call.result {
                Ok(decision) => render_decision(out, decision),
                Err(fault) => {
                    let _ = writeln!(
                        out,
                        "  FAULT      {}: {} (the district's decision stands)",
                        fault.kind.as_str(),
                        fault.detail
                    );
                }
            }
            for line in &call.logs {
                let _ = writeln!(out, "  log:       {line}");
            }
            let functions: Vec<String> = call
                .usage
                .by_function
                .iter()
                .map(|(function, n)| format!("{function} ×{n}"))
                .collect();
            let _ = writeln!(
                out,
                "  time {}  memory {}  host calls {}/{}{}",
                millis(call.elapsed),
                memory(call.usage.peak_memory),
                call.usage.host_calls,
                limits.max_host_calls,
                if functions.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", functions.join(", "))
                }
            );
        }
    }
}

fn render_decision(out: &mut String, decision: &Decision) {
    let _ = match decision {
        Decision::Kept => writeln!(out, "  decision:  none: the district's decision stands"),
        Decision::Classified {
            item_code,
            item_name,
            priority,
            confidence,
            tags,
            reason,
        } => writeln!(
            out,
            "  decision:  classified {item_code} {item_name}, priority {}, confidence {confidence:.2}, \
             tags [{}]\n             reason: {reason}",
            priority.as_str(),
            tags.join(", ")
        ),
        Decision::Routed {
            unit_code,
            unit_name,
            reason,
        } => writeln!(
            out,
            "  decision:  routed to {unit_code} {unit_name}\n             reason: {reason}"
        ),
        Decision::Actions(actions) if actions.is_empty() => {
            writeln!(out, "  decision:  no actions")
        }
        Decision::Actions(actions) => {
            let _ = writeln!(out, "  decision:  {} actions", actions.len());
            for action in actions {
                let _ = writeln!(out, "             - {}", describe(action));
            }
            Ok(())
        }
    };
}

/// One scenario action in a line.
pub fn describe(action: &ScenarioAction) -> String {
    match action {
        ScenarioAction::Warning {
            level,
            message,
            community,
        } => format!(
            "{level} warning{}: {message}",
            community
                .as_deref()
                .map(|c| format!(" for {c}"))
                .unwrap_or_default()
        ),
        ScenarioAction::FollowUp {
            unit_code,
            item_code,
            description,
            priority,
        } => format!(
            "follow-up for {unit_code}{} ({}): {description}",
            item_code
                .as_deref()
                .map(|i| format!(" as {i}"))
                .unwrap_or_default(),
            priority.as_str()
        ),
        ScenarioAction::Tag(tag) => format!("tag {tag}"),
        ScenarioAction::Escalate { level, reason } => {
            format!("escalate to level {level}: {reason}")
        }
    }
}

fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The linear-memory high-water mark the sandbox's limiter saw.
fn memory(bytes: usize) -> String {
    if bytes == 0 {
        "not measured".into()
    } else {
        mebibytes(bytes)
    }
}

fn mebibytes(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}
