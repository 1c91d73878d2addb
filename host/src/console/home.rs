//! `GET /`: each post starts on the page of its daily work.

use axum::response::Redirect;

use super::layout::Signed;
use crate::domain::StaffRole;

/// The dispatcher on the board; the unit's people on their cases; a street admin on their
/// street's plugins; district IT on accounts; leaders and inspectors on warnings.
pub async fn home(signed: Signed) -> Redirect {
    let to = match signed.post() {
        StaffRole::Dispatcher => "/board".to_string(),
        StaffRole::Handler | StaffRole::SectionChief | StaffRole::UnitAdmin => "/inbox".into(),
        StaffRole::StreetAdmin => match signed.principal().own_street() {
            Some(street) => format!("/plugins/{street}"),
            None => "/plugins".into(),
        },
        StaffRole::DistrictIt => "/admin".into(),
        StaffRole::StreetLeader | StaffRole::DistrictLeader | StaffRole::Inspector => {
            "/warnings".into()
        }
    };
    Redirect::to(&to)
}
