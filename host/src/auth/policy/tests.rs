use super::*;
use crate::domain::Person;

const BUJI: &str = "440307014";
const BANTIAN: &str = "440307013";

fn token(scope: Scope, reach: Reach) -> Principal {
    Principal {
        id: "t".into(),
        scope: Some(scope),
        person: None,
        reach,
    }
}

fn person(post: StaffRole, unit: &str, reach: Reach) -> Principal {
    Principal {
        id: format!("staff:{unit}.001"),
        scope: None,
        person: Some(Person {
            staff_id: format!("{unit}.001"),
            name: "王伟".into(),
            post,
            unit: unit.into(),
        }),
        reach,
    }
}

fn street(code: &str) -> Reach {
    Reach::Street {
        street: code.into(),
    }
}

fn buji_handler() -> Principal {
    person(
        StaffRole::Handler,
        "buji.safety",
        Reach::Unit {
            unit: "buji.safety".into(),
            street: Some(BUJI.into()),
        },
    )
}

fn case<'a>(street: &'a str, unit: &'a str) -> CaseScope<'a> {
    CaseScope {
        street,
        unit: Some(unit),
        source: Source::Hotline,
        assignee: Some("buji.safety.001"),
    }
}

#[test]
fn a_district_admin_token_may_do_everything_everywhere_but_work_cases() {
    let admin = Principal::bootstrap_admin();
    for access in [Access::Read, Access::Write, Access::Audit, Access::People] {
        assert_eq!(check(&admin, access, Some(BUJI)), Ok(()));
        assert_eq!(check(&admin, access, None), Ok(()));
    }
    assert!(sees(&admin, &case(BANTIAN, "bantian.safety")));
    assert_eq!(
        acting_role(&admin, &case(BUJI, "buji.safety"), &[Role::Centre]),
        Err(Refusal::NoCaseRole)
    );
}

#[test]
fn a_street_admin_token_administers_its_street_only() {
    let buji = token(Scope::StreetAdmin, street(BUJI));
    for access in [Access::Read, Access::Write, Access::Audit] {
        assert_eq!(check(&buji, access, Some(BUJI)), Ok(()));
        assert_eq!(
            check(&buji, access, Some(BANTIAN)),
            Err(Refusal::OtherStreet { own: BUJI.into() })
        );
        assert_eq!(check(&buji, access, None), Err(Refusal::DistrictOnly));
    }
    assert_eq!(
        check(&buji, Access::People, None),
        Err(Refusal::NotYourPost)
    );
    assert!(sees(&buji, &case(BUJI, "buji.safety")));
    assert!(!sees(&buji, &case(BANTIAN, "bantian.safety")));
}

#[test]
fn a_read_only_token_reads_within_its_limit_and_never_writes() {
    let everywhere = token(Scope::ReadOnly, Reach::District);
    assert_eq!(check(&everywhere, Access::Read, Some(BANTIAN)), Ok(()));
    assert_eq!(
        check(&everywhere, Access::Write, Some(BUJI)),
        Err(Refusal::ReadOnly)
    );
    let buji = token(Scope::ReadOnly, street(BUJI));
    assert_eq!(check(&buji, Access::Read, Some(BUJI)), Ok(()));
    assert!(check(&buji, Access::Read, Some(BANTIAN)).is_err());
}

#[test]
fn a_handler_sees_and_works_only_the_cases_of_their_unit() {
    let handler = buji_handler();
    let own = case(BUJI, "buji.safety");
    let other_unit = case(BUJI, "buji.law-enforcement");
    assert!(sees(&handler, &own));
    assert!(!sees(&handler, &other_unit));
    assert_eq!(
        acting_role(&handler, &own, &[Role::Handler, Role::UnitAdmin]),
        Ok(Role::Handler)
    );
    assert_eq!(
        acting_role(&handler, &other_unit, &[Role::Handler]),
        Err(Refusal::OutsideReach)
    );
    assert_eq!(
        acting_role(&handler, &own, &[Role::Centre]),
        Err(Refusal::RoleNotAllowed)
    );
    assert_eq!(
        check(&handler, Access::Read, Some(BUJI)),
        Err(Refusal::NotYourPost)
    );
}

#[test]
fn a_street_leader_supervises_only_their_street() {
    let leader = person(StaffRole::StreetLeader, "buji.office", street(BUJI));
    assert_eq!(
        acting_role(&leader, &case(BUJI, "district.water"), &[Role::Leader]),
        Ok(Role::Leader)
    );
    assert_eq!(
        acting_role(&leader, &case(BANTIAN, "bantian.safety"), &[Role::Leader]),
        Err(Refusal::OutsideReach)
    );
}

#[test]
fn only_the_centre_and_the_cases_own_handler_where_allowed_reveal_the_reporter() {
    let dispatcher = person(
        StaffRole::Dispatcher,
        "district.command-centre",
        Reach::District,
    );
    let own = case(BUJI, "buji.safety");
    assert_eq!(may_reveal(&dispatcher, &own, false), Ok(()));
    let handler = buji_handler();
    assert_eq!(may_reveal(&handler, &own, false), Err(Refusal::NoReveal));
    assert_eq!(may_reveal(&handler, &own, true), Ok(()));
    let not_assigned = CaseScope {
        assignee: Some("buji.safety.009"),
        ..own
    };
    assert_eq!(
        may_reveal(&handler, &not_assigned, true),
        Err(Refusal::NoReveal)
    );
    let admin = Principal::bootstrap_admin();
    assert_eq!(may_reveal(&admin, &own, true), Err(Refusal::NoReveal));
}

#[test]
fn a_channel_token_submits_only_its_sources_and_sees_only_them() {
    let hotline = token(
        Scope::Channel,
        Reach::Sources {
            sources: vec![Source::Hotline],
        },
    );
    assert_eq!(may_submit(&hotline, Source::Hotline), Ok(()));
    assert_eq!(
        may_submit(&hotline, Source::Sensor),
        Err(Refusal::OtherSource)
    );
    assert!(sees(&hotline, &case(BUJI, "buji.safety")));
    let sensor_case = CaseScope {
        source: Source::Sensor,
        ..case(BUJI, "buji.safety")
    };
    assert!(!sees(&hotline, &sensor_case));
    assert_eq!(
        check(&hotline, Access::Rankings, None),
        Err(Refusal::NotYourPost)
    );
    assert_eq!(
        may_submit(&buji_handler(), Source::Hotline),
        Err(Refusal::NoIntake)
    );
}

#[test]
fn scopes_read_back_from_their_names() {
    for scope in Scope::ALL {
        assert_eq!(Scope::parse(scope.as_str()), Some(scope));
    }
    assert_eq!(Scope::parse("root"), None);
}

#[test]
fn surge_warnings_are_read_district_wide_and_handled_only_by_the_centre() {
    let dispatcher = person(
        StaffRole::Dispatcher,
        "district.command-centre",
        Reach::District,
    );
    let leader = person(
        StaffRole::DistrictLeader,
        "district.command-centre",
        Reach::District,
    );
    let it = person(
        StaffRole::DistrictIt,
        "district.command-centre",
        Reach::District,
    );
    let admin = Principal::bootstrap_admin();
    let read_only = token(Scope::ReadOnly, Reach::District);
    for reader in [&dispatcher, &leader, &it, &admin, &read_only] {
        assert_eq!(check(reader, Access::Surges, None), Ok(()), "{reader:?}");
    }
    assert_eq!(check(&dispatcher, Access::HandleSurges, None), Ok(()));
    for other in [&leader, &it, &admin] {
        assert_eq!(
            check(other, Access::HandleSurges, None),
            Err(Refusal::NotYourPost)
        );
    }
    assert_eq!(
        check(&read_only, Access::HandleSurges, None),
        Err(Refusal::ReadOnly)
    );
    let street_leader = person(StaffRole::StreetLeader, "buji.office", street(BUJI));
    assert_eq!(
        check(&street_leader, Access::Surges, None),
        Err(Refusal::NotYourPost)
    );
    let buji_read_only = token(Scope::ReadOnly, street(BUJI));
    assert_eq!(
        check(&buji_read_only, Access::Surges, None),
        Err(Refusal::DistrictOnly)
    );
    assert_eq!(
        check(&buji_handler(), Access::Surges, None),
        Err(Refusal::NotYourPost)
    );
    let street_admin = token(Scope::StreetAdmin, street(BUJI));
    assert_eq!(
        check(&street_admin, Access::Surges, None),
        Err(Refusal::NotYourPost)
    );
}
