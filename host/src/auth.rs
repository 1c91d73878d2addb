//! Who may do what: staff accounts and their passwords, browser sessions, the bootstrap admin
//! token, scoped access tokens (`sw_<id>_<secret>`, stored as a hash), and the one [`policy`]
//! that decides. Owns no HTTP: `http::auth` turns a cookie or a bearer token into a
//! [`Principal`](crate::domain::Principal) and asks [`policy`].

pub mod accounts;
mod admin;
pub mod demo;
mod password;
pub mod policy;
mod refusal;
mod secret;
pub mod sessions;
pub mod tokens;

pub use admin::{TOKEN_FILE, admin_token, token_matches};
pub use policy::Access;
pub use refusal::Refusal;

use crate::domain::Principal;
use crate::storage::audit::AuditEntry;

/// An audit entry of something `by` did (or was refused) now; `street` is the street it was
/// about. The caller writes it, in the transaction of the change where there is one.
pub fn audit_entry(
    by: &Principal,
    street: Option<&str>,
    action: &str,
    target: &str,
    outcome: &str,
) -> AuditEntry {
    AuditEntry {
        id: 0,
        at: jiff::Timestamp::now(),
        token_id: by.id.clone(),
        scope: by.kind().into(),
        token_street: by.own_street().map(Into::into),
        street_code: street.map(Into::into),
        action: action.into(),
        target: target.into(),
        outcome: outcome.into(),
        reason: None,
        staff_id: by.staff_id().map(Into::into),
        event_id: None,
    }
}
