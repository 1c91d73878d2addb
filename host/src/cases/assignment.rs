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
mod tests {
    use super::*;

    fn handler(id: &str, skills: &[&str], areas: &[&str]) -> Staff {
        Staff {
            id: id.into(),
            name: id.into(),
            unit: "u".into(),
            section: Some("u.s1".into()),
            role: StaffRole::Handler,
            skills: skills.iter().map(|s| s.to_string()).collect(),
            areas: areas.iter().map(|s| s.to_string()).collect(),
            on_duty: true,
        }
    }

    fn candidate(staff: &Staff, skill: bool, area: bool) -> Candidate<'_> {
        Candidate { staff, skill, area }
    }

    fn loads(pairs: &[(&str, u64)]) -> HashMap<String, u64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn the_least_loaded_of_equally_matching_handlers_gets_the_case() {
        let (a, b, c) = (
            handler("a", &[], &[]),
            handler("b", &[], &[]),
            handler("c", &[], &[]),
        );
        let pool = [
            candidate(&a, false, false),
            candidate(&b, false, false),
            candidate(&c, false, false),
        ];
        let chosen = choose(&pool, &loads(&[("a", 4), ("b", 1), ("c", 2)])).unwrap();
        assert_eq!(chosen.staff.id, "b");
    }

    #[test]
    fn a_tie_goes_to_the_lowest_staff_id_so_the_choice_is_reproducible() {
        let (a, b) = (handler("a", &[], &[]), handler("b", &[], &[]));
        let pool = [candidate(&b, false, false), candidate(&a, false, false)];
        assert_eq!(choose(&pool, &HashMap::new()).unwrap().staff.id, "a");
    }

    #[test]
    fn a_matching_handler_is_preferred_only_up_to_the_weight_of_the_match() {
        let (expert, other) = (
            handler("expert", &["01"], &["c1"]),
            handler("other", &[], &[]),
        );
        let pool = [
            candidate(&expert, true, true),
            candidate(&other, false, false),
        ];
        let weight = (SKILL_WEIGHT + AREA_WEIGHT) as u64;
        // Busier by less than the match is worth: still the expert.
        let chosen = choose(&pool, &loads(&[("expert", weight - 1), ("other", 0)])).unwrap();
        assert_eq!(chosen.staff.id, "expert");
        // As busy as the match is worth: the tie goes to the one with fewer open cases.
        let chosen = choose(&pool, &loads(&[("expert", weight), ("other", 0)])).unwrap();
        assert_eq!(chosen.staff.id, "other");
    }

    #[test]
    fn a_skill_match_outweighs_an_area_match() {
        let (skilled, local) = (
            handler("skilled", &["01"], &[]),
            handler("local", &[], &["c1"]),
        );
        let pool = [
            candidate(&local, false, true),
            candidate(&skilled, true, false),
        ];
        assert_eq!(choose(&pool, &HashMap::new()).unwrap().staff.id, "skilled");
    }

    #[test]
    fn nobody_to_choose_from_is_no_choice() {
        assert!(choose(&[], &HashMap::new()).is_none());
    }

    #[test]
    fn repeated_assignment_spreads_cases_evenly_over_equal_handlers() {
        let staff: Vec<Staff> = ["a", "b", "c"]
            .iter()
            .map(|id| handler(id, &[], &[]))
            .collect();
        let pool: Vec<Candidate> = staff.iter().map(|s| candidate(s, false, false)).collect();
        let mut workloads = HashMap::new();
        for _ in 0..9 {
            let id = choose(&pool, &workloads).unwrap().staff.id.clone();
            *workloads.entry(id).or_insert(0) += 1;
        }
        assert_eq!(workloads, loads(&[("a", 3), ("b", 3), ("c", 3)]));
    }

    mod layers {
        use super::*;
        use crate::reference::{Reference, ReferenceParts};

        /// The seed reference with `buji.law-enforcement` staffed by `staff` in two sections.
        fn reference(staff: Vec<Staff>) -> Reference {
            let mut parts: ReferenceParts = crate::seed::parts().unwrap();
            let unit = "buji.law-enforcement";
            parts.sections.retain(|s| s.unit != unit);
            parts.staff.retain(|p| p.unit != unit);
            for (code, name, skills) in [
                ("le.s1", "一中队", vec!["01"]),
                ("le.s2", "三中队", vec!["02"]),
            ] {
                parts.sections.push(Section {
                    code: code.into(),
                    unit: unit.into(),
                    name: name.into(),
                    skills: skills.into_iter().map(String::from).collect(),
                });
            }
            parts.staff.extend(staff.into_iter().map(|mut p| {
                p.unit = unit.into();
                p
            }));
            Reference::new(parts).unwrap()
        }

        fn in_section(id: &str, section: &str, on_duty: bool) -> Staff {
            Staff {
                section: Some(section.into()),
                on_duty,
                ..handler(id, &[], &[])
            }
        }

        #[test]
        fn the_section_whose_skills_cover_the_item_is_chosen_before_the_person() {
            let r = reference(vec![
                in_section("x1", "le.s1", true),
                in_section("y1", "le.s2", true),
            ]);
            let pool = pool(&r, "buji.law-enforcement", r.item("01-001").unwrap(), None);
            let ids: Vec<&str> = pool
                .candidates
                .iter()
                .map(|c| c.staff.id.as_str())
                .collect();
            assert_eq!(ids, ["x1"]);
            assert_eq!(pool.sections[0].name, "一中队");
        }

        #[test]
        fn a_covering_section_with_nobody_on_duty_falls_back_to_the_whole_unit() {
            let r = reference(vec![
                in_section("x1", "le.s1", false),
                in_section("y1", "le.s2", true),
            ]);
            let pool = pool(&r, "buji.law-enforcement", r.item("01-001").unwrap(), None);
            let ids: Vec<&str> = pool
                .candidates
                .iter()
                .map(|c| c.staff.id.as_str())
                .collect();
            assert_eq!(ids, ["y1"]);
            assert!(pool.sections.is_empty());
        }

        #[test]
        fn off_duty_staff_and_non_handlers_are_never_candidates() {
            let mut chief = in_section("chief", "le.s1", true);
            chief.role = StaffRole::SectionChief;
            let r = reference(vec![chief, in_section("x1", "le.s1", false)]);
            let pool = pool(&r, "buji.law-enforcement", r.item("01-001").unwrap(), None);
            assert!(pool.candidates.is_empty());
        }
    }
}
