//! The choice of a person among candidates (pure), and the section layer on the seed
//! reference data.

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
