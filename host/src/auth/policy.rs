//! The one place that says who may do what. Handlers ask it; they never compare roles
//! themselves. Which lifecycle role may take which action stays the transition table's
//! (`crate::lifecycle`); this module says which roles a caller holds and on which cases.
//!
//! | caller | sees cases of | acts on cases as | plugins of a street | accounts, tokens | surge warnings |
//! |---|---|---|---|---|---|
//! | handler, section chief, unit admin | their unit | that post, in their unit | no | no | no |
//! | inspector | their street (or the district) | inspector | no | no | no |
//! | dispatcher (指挥中心) | the district | centre | read | no | read, handle |
//! | street leader / district leader | their street / the district | leader (督办) | read | no | — / read |
//! | street admin (person or token) | their street | — | read, write | no | no |
//! | district IT | the district | — | read, write | yes | read |
//! | `district_admin` token | the district | — | read, write | yes | read |
//! | `read_only` token | its street or the district | — | read | no | — / read |
//! | `channel` token | what it submitted | — | no | no | no |
//!
//! Webhooks (status callbacks to channels): a `channel` token registers and manages its own
//! sources' webhooks and sees their deliveries; district IT and the `district_admin` token
//! manage every channel's and see the dead letters of all.
//!
//! Open to anyone, without a caller: `/healthz`, `/login`, the console's assets, and the API's
//! description (`/openapi.json`, `/docs`). The description is an exception argued for: it
//! holds no data, is the same for every caller, says nothing the source does not, and an
//! integrator reads it before holding a token.
//!
//! Surge warnings are district-wide: only callers whose reach is the district see them, and
//! only the centre acknowledges and closes them (an operational act, like working a case, so
//! not a machine's even with a `district_admin` token).

use super::Refusal;
use crate::domain::{CaseScope, Principal, Reach, Scope, Source, StaffRole};
use crate::lifecycle::Role;

/// What a request wants to do beyond working cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read a street's plugins, versions, health and reports.
    Read,
    /// Change a street's plugins: deploy, activate, roll back, configure, replay.
    Write,
    /// Read the audit log.
    Audit,
    /// Create, disable and reset accounts and tokens.
    People,
    /// Read the efficiency rankings (效能排名).
    Rankings,
    /// Read the district's surge warnings (预警监测).
    Surges,
    /// Acknowledge and close surge warnings.
    HandleSurges,
}

/// The lifecycle roles a caller holds.
pub fn roles(principal: &Principal) -> Vec<Role> {
    let Some(person) = &principal.person else {
        return Vec::new();
    };
    match person.post {
        StaffRole::Handler => vec![Role::Handler],
        StaffRole::SectionChief => vec![Role::SectionChief],
        StaffRole::UnitAdmin => vec![Role::UnitAdmin],
        StaffRole::Dispatcher => vec![Role::Centre],
        StaffRole::Inspector => vec![Role::Inspector],
        StaffRole::StreetLeader | StaffRole::DistrictLeader => vec![Role::Leader],
        StaffRole::StreetAdmin | StaffRole::DistrictIt => Vec::new(),
    }
}

/// Whether the caller may see this case at all.
pub fn sees(principal: &Principal, case: &CaseScope<'_>) -> bool {
    match &principal.reach {
        Reach::District => true,
        Reach::Street { street } => street == case.street,
        Reach::Unit { unit, .. } => case.unit == Some(unit.as_str()),
        Reach::Sources { sources } => sources.contains(&case.source),
    }
}

/// The role in which the caller may take an action whose table row allows `allowed`, on this
/// case: the first of the caller's roles the row allows and whose scope covers the case.
pub fn acting_role(
    principal: &Principal,
    case: &CaseScope<'_>,
    allowed: &[Role],
) -> Result<Role, Refusal> {
    let held = roles(principal);
    if held.is_empty() {
        return Err(Refusal::NoCaseRole);
    }
    let mut offered = held.iter().filter(|r| allowed.contains(r)).peekable();
    if offered.peek().is_none() {
        return Err(Refusal::RoleNotAllowed);
    }
    offered
        .find(|role| covers(principal, **role, case))
        .copied()
        .ok_or(Refusal::OutsideReach)
}

/// The roles the caller holds that reach this case (what the console offers actions for).
pub fn roles_on(principal: &Principal, case: &CaseScope<'_>) -> Vec<Role> {
    roles(principal)
        .into_iter()
        .filter(|role| covers(principal, *role, case))
        .collect()
}

fn covers(principal: &Principal, role: Role, case: &CaseScope<'_>) -> bool {
    match role {
        // The unit's own people act only on what their unit handles.
        Role::Handler | Role::SectionChief | Role::UnitAdmin => principal
            .person
            .as_ref()
            .is_some_and(|p| case.unit == Some(p.unit.as_str())),
        Role::Centre => principal.reach == Reach::District,
        Role::Inspector | Role::Leader => sees(principal, case),
        Role::System => false,
    }
}

/// Whether the caller may reveal the reporter's full name and phone for the follow-up call
/// (回访): the centre, and the case's own handler where the case's flow lets the unit call.
pub fn may_reveal(
    principal: &Principal,
    case: &CaseScope<'_>,
    handler_may_call: bool,
) -> Result<(), Refusal> {
    if !sees(principal, case) {
        return Err(Refusal::OutsideReach);
    }
    let held = roles(principal);
    if held.contains(&Role::Centre) {
        return Ok(());
    }
    if handler_may_call
        && held.contains(&Role::Handler)
        && case.assignee.is_some()
        && case.assignee == principal.staff_id()
    {
        return Ok(());
    }
    Err(Refusal::NoReveal)
}

/// Whether the caller may submit an event from `source`.
pub fn may_submit(principal: &Principal, source: Source) -> Result<(), Refusal> {
    match (&principal.reach, principal.scope, &principal.person) {
        (Reach::Sources { sources }, _, _) if sources.contains(&source) => Ok(()),
        (Reach::Sources { .. }, _, _) => Err(Refusal::OtherSource),
        (_, Some(Scope::DistrictAdmin), _) => Ok(()),
        (_, _, Some(person)) => match person.post {
            // The centre takes appeals by phone and enters them itself.
            StaffRole::Dispatcher => Ok(()),
            // Grid inspectors report what they find on patrol.
            StaffRole::Inspector if source == Source::Grid => Ok(()),
            _ => Err(Refusal::NoIntake),
        },
        _ => Err(Refusal::NoIntake),
    }
}

/// Whether the caller may register and manage webhooks of `source` (a channel), or list
/// webhooks at all when `None`: a channel token for its own sources, district IT and the
/// `district_admin` token for every channel.
pub fn may_manage_webhooks(principal: &Principal, source: Option<Source>) -> Result<(), Refusal> {
    match (&principal.reach, principal.scope, &principal.person) {
        (Reach::Sources { sources }, _, _) => match source {
            Some(source) if !sources.contains(&source) => Err(Refusal::OtherChannel),
            _ => Ok(()),
        },
        (_, Some(Scope::DistrictAdmin), _) => Ok(()),
        (_, _, Some(person)) if person.post == StaffRole::DistrictIt => Ok(()),
        _ => Err(Refusal::NotYourPost),
    }
}

/// The channels whose webhooks the caller sees: `None` for all of them.
pub fn webhook_sources(principal: &Principal) -> Option<&[Source]> {
    match &principal.reach {
        Reach::Sources { sources } => Some(sources),
        _ => None,
    }
}

/// May this caller have `access` to `street` (a street code), or to the whole district when
/// `street` is `None`?
pub fn check(principal: &Principal, access: Access, street: Option<&str>) -> Result<(), Refusal> {
    let post = principal.person.as_ref().map(|p| p.post);
    let allowed = match access {
        Access::Rankings => !matches!(principal.reach, Reach::Sources { .. }),
        Access::Read => match (principal.scope, post) {
            (Some(Scope::DistrictAdmin | Scope::StreetAdmin | Scope::ReadOnly), _) => true,
            (_, Some(p)) => matches!(
                p,
                StaffRole::Dispatcher
                    | StaffRole::StreetLeader
                    | StaffRole::DistrictLeader
                    | StaffRole::StreetAdmin
                    | StaffRole::DistrictIt
            ),
            _ => false,
        },
        Access::Write | Access::Audit => match (principal.scope, post) {
            (Some(Scope::DistrictAdmin | Scope::StreetAdmin), _) => true,
            (Some(Scope::ReadOnly), _) => return Err(Refusal::ReadOnly),
            (_, Some(p)) => matches!(p, StaffRole::StreetAdmin | StaffRole::DistrictIt),
            _ => false,
        },
        Access::People => {
            principal.scope == Some(Scope::DistrictAdmin) || post == Some(StaffRole::DistrictIt)
        }
        Access::Surges => match (principal.scope, post) {
            (Some(Scope::DistrictAdmin | Scope::ReadOnly), _) => true,
            (_, Some(p)) => matches!(
                p,
                StaffRole::Dispatcher | StaffRole::DistrictLeader | StaffRole::DistrictIt
            ),
            _ => false,
        },
        Access::HandleSurges => match (principal.scope, post) {
            (Some(Scope::ReadOnly), _) => return Err(Refusal::ReadOnly),
            (_, Some(p)) => p == StaffRole::Dispatcher,
            _ => false,
        },
    };
    if !allowed {
        return Err(Refusal::NotYourPost);
    }
    match (&principal.reach, street) {
        (Reach::District, _) => Ok(()),
        (_, _) if access == Access::Rankings => Ok(()),
        (reach, Some(street)) => match reach {
            Reach::Street { street: own } if own == street => Ok(()),
            Reach::Street { street: own }
            | Reach::Unit {
                street: Some(own), ..
            } => Err(Refusal::OtherStreet { own: own.clone() }),
            _ => Err(Refusal::DistrictOnly),
        },
        (_, None) => Err(Refusal::DistrictOnly),
    }
}

#[cfg(test)]
mod tests;
