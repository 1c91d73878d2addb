//! The console (运营控制台): the pages civil servants work in, served by the host at `/`.
//!
//! Server-rendered with maud (typed, compile-checked), one module per page; each page asks the
//! same policy, queries and platform calls as the JSON API beside it, so the page and the API
//! cannot disagree about who may see or do what. A page needs a signed-in session (a bearer
//! token is not a console sign-in: see [`layout::Signed`]); every form posts its session's
//! CSRF token in `_csrf`. Only the dispatch board updates by itself, through the small vendored
//! script in `assets/console.js` polling `/console/board.json`. Nothing is fetched from the
//! internet: the map is an SVG drawn from the reference data.

mod admin;
mod admin_tokens;
mod audit;
mod board;
mod case;
mod case_actions;
mod failure;
mod home;
mod inbox;
mod layout;
mod login;
mod map;
mod plugins;
mod queue;
mod rankings;
mod surges;
pub(crate) mod text;
mod warnings;

use std::sync::Arc;

use axum::Router;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::{get, post};

use crate::platform::Platform;

const CSS: &str = include_str!("assets/console.css");
const JS: &str = include_str!("assets/console.js");
/// The assets change only with a new build, which changes their `?v=` in the pages.
const LONG_CACHE: &str = "public, max-age=31536000, immutable";

pub fn router() -> Router<Arc<Platform>> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(login::form).post(login::submit))
        .route(
            "/password",
            get(login::password_form).post(login::change_password),
        )
        .route("/logout", post(login::logout))
        .route("/board", get(board::page_route))
        .route("/console/board.json", get(board::json))
        .route("/inbox", get(inbox::page_route))
        .route("/queue", get(queue::page_route))
        .route("/cases/{id}", get(case::page_route))
        .route("/cases/{id}/act", post(case_actions::act))
        .route("/cases/{id}/reveal", post(case_actions::reveal))
        .route("/warnings", get(warnings::page_route))
        .route("/rankings", get(rankings::page_route))
        .route("/surges", get(surges::page_route))
        .route("/surges/{id}/acknowledge", post(surges::acknowledge))
        .route("/surges/{id}/close", post(surges::close))
        .route("/plugins", get(plugins::index))
        .route("/plugins/{street}", get(plugins::page_route))
        .route("/plugins/{street}/{name}/activate", post(plugins::activate))
        .route("/plugins/{street}/{name}/rollback", post(plugins::rollback))
        .route("/plugins/{street}/{name}/replay", post(plugins::replay))
        .route("/audit", get(audit::page_route))
        .route("/admin", get(admin::page_route))
        .route("/admin/accounts", post(admin::create_account))
        .route(
            "/admin/accounts/{key}/{change}",
            post(admin::change_account),
        )
        .route("/admin/tokens", post(admin_tokens::create_token))
        .route(
            "/admin/tokens/{id}/revoke",
            post(admin_tokens::revoke_token),
        )
        .route("/assets/console.css", get(css))
        .route("/assets/console.js", get(js))
}

async fn css() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, LONG_CACHE),
        ],
        CSS,
    )
}

async fn js() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, LONG_CACHE),
        ],
        JS,
    )
}
