//! Who may do what: the bootstrap admin token, scoped access tokens (`sw_<id>_<secret>`,
//! stored as a hash) and the rules of their scopes. Owns no HTTP: `http::auth` turns a bearer
//! token into a [`Principal`] with [`tokens::authenticate`] and asks it [`Principal::check`].

mod admin;
mod scope;
mod secret;
pub mod tokens;

pub use admin::{TOKEN_FILE, admin_token, token_matches};
pub use scope::{Access, Principal, Refusal, Scope};
