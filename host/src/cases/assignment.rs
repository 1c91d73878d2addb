//! Assignment (派单到人): once the handling unit is chosen, the case goes to one on-duty handler
//! of that unit, chosen layer by layer: unit → section → person, balancing open workload.
//!
//! - Section: the unit's sections whose skills name the item itself, else those that name its
//!   category, counting only sections with someone on duty. When no section covers the item,
//!   every on-duty handler of the unit is a candidate.
//! - Person: among those sections' on-duty handlers, the one with the lowest effective load:
//!   open cases, minus [`SKILL_WEIGHT`] when the person's own skills cover the item and
//!   [`AREA_WEIGHT`] when they cover the event's community. A match is preferred, but only by
//!   so many cases: a specialist already that much busier than a colleague is passed over.
//!   Ties go to fewer open cases, then to the staff id, so the choice is reproducible.
//! - Nobody on duty: the case stays with the unit, unassigned, and its admin picks it up.
//!
//! The choice itself ([`pool`], [`choose`]) is pure; [`assign`] takes the workloads from the
//! host's [`Workloads`] ledger: the database's counters (so the balance holds across restarts
//! and hosts) plus the cases this host assigned that are not committed yet (so a burst of cases
//! in one group commit is spread, not piled on one person).

use std::collections::HashMap;

use crate::domain::{Assignee, Item, Section, SectionRef, Staff, StaffRole, covers};
use crate::reference::Reference;

use super::workloads::{Reservation, Workloads};

/// How many open cases a handler whose skills cover the item is preferred by.
pub const SKILL_WEIGHT: i64 = 3;
/// How many open cases a handler who covers the event's community is preferred by.
pub const AREA_WEIGHT: i64 = 2;

/// An on-duty handler who may get the case, and how well they match it.
#[derive(Clone, Debug)]
pub struct Candidate<'a> {
    pub staff: &'a Staff,
    pub skill: bool,
    pub area: bool,
}

/// The candidates of a unit for an item, and how the section layer found them.
#[derive(Clone, Debug)]
pub struct Pool<'a> {
    pub candidates: Vec<Candidate<'a>>,
    /// The sections whose skills cover the item and have someone on duty; empty when the
    /// candidates are every on-duty handler of the unit.
    pub sections: Vec<&'a Section>,
}

/// The on-duty handlers of `unit` for `item`, section layer applied (see the module header).
pub fn pool<'a>(
    reference: &'a Reference,
    unit: &str,
    item: &Item,
    community: Option<&str>,
) -> Pool<'a> {
    let on_duty: Vec<&Staff> = reference
        .staff_of(unit)
        .filter(|p| p.role == StaffRole::Handler && p.on_duty)
        .collect();
    let staffed = |section: &Section| {
        on_duty
            .iter()
            .any(|p| p.section.as_deref() == Some(section.code.as_str()))
    };
    // The staffed sections whose skills name the item (`specific`), or its item or category.
    let covering = |specific: bool| -> Vec<&'a Section> {
        let mut seen = std::collections::HashSet::new();
        on_duty
            .iter()
            .filter_map(|p| p.section.as_deref())
            .filter(|code| seen.insert(*code))
            .filter_map(|code| reference.section(code))
            .filter(|s| {
                let by_item = s.skills.contains(&item.code);
                by_item || (!specific && s.skills.contains(&item.category))
            })
            .filter(|s| staffed(s))
            .collect()
    };
    // Item-code skills are more specific than category skills: 排水管理科 (06-004) before a
    // section that only names 06.
    let mut sections = covering(true);
    if sections.is_empty() {
        sections = covering(false);
    }
    let candidates = on_duty
        .into_iter()
        .filter(|p| {
            sections.is_empty()
                || p.section
                    .as_deref()
                    .is_some_and(|code| sections.iter().any(|s| s.code == code))
        })
        .map(|p| Candidate {
            staff: p,
            skill: covers(&p.skills, item),
            area: community.is_some_and(|c| p.areas.iter().any(|a| a == c)),
        })
        .collect();
    Pool {
        candidates,
        sections,
    }
}

/// The candidate with the lowest effective load (see the module header), or `None` when there
/// is nobody. `workloads` holds open cases per staff id; absent means none.
pub fn choose<'c, 'a>(
    candidates: &'c [Candidate<'a>],
    workloads: &HashMap<String, u64>,
) -> Option<&'c Candidate<'a>> {
    candidates.iter().min_by(|a, b| {
        let key = |c: &Candidate| {
            let open = workloads.get(&c.staff.id).copied().unwrap_or(0) as i64;
            let effective = open
                - if c.skill { SKILL_WEIGHT } else { 0 }
                - if c.area { AREA_WEIGHT } else { 0 };
            (effective, open)
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| a.staff.id.cmp(&b.staff.id))
    })
}

/// What assignment decided, with a sentence for the trace.
#[derive(Debug)]
pub struct Assignment {
    pub assignee: Option<Assignee>,
    /// The case counted in the assignee's workload until it is stored (then call
    /// [`Reservation::stored`]) or given up (drop it).
    pub reservation: Option<Reservation>,
    /// `ok`, `unassigned`, or `fault:storage` when the workloads could not be read.
    pub outcome: &'static str,
    pub detail: String,
}

/// Assigns a case of `item` (in `community`, when known) within `unit`.
pub async fn assign(
    workloads: &std::sync::Arc<Workloads>,
    reference: &Reference,
    unit: &str,
    item: &Item,
    community: Option<&str>,
) -> Assignment {
    let unit_name = reference.unit(unit).map_or(unit, |u| u.name.as_str());
    let pool = pool(reference, unit, item, community);
    let unassigned = || {
        let admin = reference
            .staff_of(unit)
            .find(|p| p.role == StaffRole::UnitAdmin)
            .map_or_else(
                || "单位管理员".to_string(),
                |p| format!("单位管理员{}", p.name),
            );
        Assignment {
            assignee: None,
            reservation: None,
            outcome: "unassigned",
            detail: format!("{unit_name}暂无在岗承办人，未派到人，由{admin}分派"),
        }
    };
    let ids: Vec<&str> = pool
        .candidates
        .iter()
        .map(|c| c.staff.id.as_str())
        .collect();
    let chosen = workloads
        .choose_and_reserve(&ids, |loads| {
            choose(&pool.candidates, loads).map(|c| c.staff.id.clone())
        })
        .await;
    let (reservation, open) = match chosen {
        Ok(Some(chosen)) => chosen,
        // Nobody on duty.
        Ok(None) => return unassigned(),
        Err(error) => {
            tracing::warn!(error = %format!("{error:#}"), unit, "cannot read workloads");
            return Assignment {
                assignee: None,
                reservation: None,
                outcome: "fault:storage",
                detail: format!("读取在办量失败，未派到人，由{unit_name}单位管理员分派"),
            };
        }
    };
    let chosen = pool
        .candidates
        .iter()
        .find(|c| c.staff.id == reservation.staff_id())
        .expect("the chosen person is a candidate");
    let section = chosen
        .staff
        .section
        .as_deref()
        .and_then(|code| reference.section(code));
    let layer = if pool.sections.is_empty() {
        "无对口科室，在全单位在岗承办人中分派".to_string()
    } else {
        format!(
            "对口科室 {}",
            pool.sections
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join("、")
        )
    };
    let mut reasons = vec![format!("在办 {open} 件")];
    if chosen.skill {
        reasons.push("擅长该类事项".into());
    }
    if chosen.area {
        reasons.push("负责该社区".into());
    }
    Assignment {
        detail: format!(
            "{unit_name}：{layer}；在岗承办人 {} 人，派给{}{}（{}）",
            pool.candidates.len(),
            section.map_or(String::new(), |s| format!("{} ", s.name)),
            chosen.staff.name,
            reasons.join("，")
        ),
        assignee: Some(Assignee {
            id: chosen.staff.id.clone(),
            name: chosen.staff.name.clone(),
            section: section.map(|s| SectionRef {
                code: s.code.clone(),
                name: s.name.clone(),
            }),
        }),
        reservation: Some(reservation),
        outcome: "ok",
    }
}

#[cfg(test)]
mod tests;
