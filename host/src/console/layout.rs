//! What every page shares: the signed-in person ([`Signed`]), the frame (top bar, the nav of
//! the pages their post may use), the error page, and small formatting helpers.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{DOCTYPE, Markup, html};

use super::text;
use crate::auth::policy::{self, Access};
use crate::domain::{CaseClock, Measure, Principal, Reach, StaffRole};
use crate::http::ApiError;

pub use super::failure::{Failure, message_of, status_of};
use crate::http::auth::{Caller, identify};
use crate::platform::Platform;
use crate::storage::EventFilter;

/// A person signed in to the console with a session. Anyone else is sent to `/login`; a
/// session whose one-time password must still be changed is sent to `/password`.
pub struct Signed {
    pub caller: Caller,
}

impl FromRequestParts<Arc<Platform>> for Signed {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        platform: &Arc<Platform>,
    ) -> Result<Self, Self::Rejection> {
        let to_login = || Redirect::to("/login").into_response();
        // A bearer token is a machine's or an integration's credential, not a sign-in.
        if parts.headers.contains_key(AUTHORIZATION) {
            return Err(to_login());
        }
        let caller = match identify(&parts.headers, platform).await {
            Ok(Some(caller))
                if caller.session().is_some() && caller.principal().person.is_some() =>
            {
                caller
            }
            Ok(_) | Err(ApiError::Unauthorized) => return Err(to_login()),
            Err(e) => return Err(Failure(e).into_response()),
        };
        let path = parts.uri.path();
        if caller.session().is_some_and(|s| s.must_change)
            && path != "/password"
            && path != "/logout"
        {
            return Err(Redirect::to("/password").into_response());
        }
        Ok(Signed { caller })
    }
}

impl Signed {
    pub fn principal(&self) -> &Principal {
        self.caller.principal()
    }

    pub fn post(&self) -> StaffRole {
        self.principal()
            .person
            .as_ref()
            .map_or(StaffRole::Handler, |p| p.post)
    }

    pub fn csrf(&self) -> &str {
        self.caller.session().map_or("", |s| s.csrf.as_str())
    }

    /// The hidden field every form of the console carries.
    pub fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name="_csrf" value=(self.csrf()); }
    }
}

/// The pages in the nav, each shown only to those whose post may use it.
fn nav(principal: &Principal) -> Vec<(&'static str, String)> {
    let roles = policy::roles(principal);
    let mut items = Vec::new();
    use crate::lifecycle::Role;
    if roles
        .iter()
        .any(|r| matches!(r, Role::Centre | Role::Leader))
    {
        items.push(("指挥中心", "/board".to_string()));
    }
    if roles.contains(&Role::Centre) {
        items.push(("待分拨", "/queue".to_string()));
    }
    if roles
        .iter()
        .any(|r| !matches!(r, Role::Centre | Role::Leader))
    {
        items.push(("我的案件", "/inbox".to_string()));
    }
    if !roles.is_empty() {
        items.push(("预警与督办", "/warnings".to_string()));
    }
    if policy::check(principal, Access::Surges, None).is_ok() {
        items.push(("预警监测", "/surges".to_string()));
    }
    if policy::check(principal, Access::Rankings, None).is_ok() {
        items.push(("效能排名", "/rankings".to_string()));
    }
    let own = principal.own_street();
    if policy::check(principal, Access::Read, own).is_ok() {
        let href = match own {
            Some(street) => format!("/plugins/{street}"),
            None => "/plugins".to_string(),
        };
        items.push(("插件", href));
    }
    if policy::check(principal, Access::Audit, own).is_ok() {
        items.push(("审计日志", "/audit".to_string()));
    }
    if policy::check(principal, Access::People, None).is_ok() {
        items.push(("系统管理", "/admin".to_string()));
    }
    items
}

/// A page of the console: the top bar, the nav and `body`, with `current` the nav entry's path.
pub fn page(signed: &Signed, title: &str, current: &str, body: Markup) -> Markup {
    let principal = signed.principal();
    let post = signed.post();
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            (head(title))
            body {
                header.topbar {
                    a.brand href="/" { (text::BRAND) span.en { " · " (text::BRAND_EN) } }
                    div.who {
                        span.name { (principal.display_name()) }
                        span.post { (post.label()) }
                        form.inline method="post" action="/logout" {
                            (signed.csrf_field())
                            button.link type="submit" { (text::SIGN_OUT) }
                        }
                    }
                }
                nav.mainnav aria-label=(text::NAV_LABEL) {
                    ul {
                        @for (label, href) in nav(principal) {
                            li {
                                @if href.starts_with(current) {
                                    a href=(href) aria-current="page" { (label) }
                                } @else {
                                    a href=(href) { (label) }
                                }
                            }
                        }
                    }
                }
                main { h1 { (title) } (body) }
                script src=(asset("/assets/console.js", super::JS)) defer {}
            }
        }
    }
}

/// A page without the nav: sign-in, and errors before anyone is known.
pub fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            (head(title))
            body.bare {
                header.topbar { a.brand href="/" { (text::BRAND) span.en { " · " (text::BRAND_EN) } } }
                main.narrow { h1 { (title) } (body) }
            }
        }
    }
}

fn head(title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · " (text::BRAND) }
            link rel="stylesheet" href=(asset("/assets/console.css", super::CSS));
        }
    }
}

/// An asset's address with a version that changes with its content, so it can be cached long.
fn asset(path: &str, content: &str) -> String {
    // FNV-1a: stable across builds and platforms, unlike the std hasher.
    let mut hash: u32 = 0x811c_9dc5;
    for byte in content.bytes() {
        hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
    }
    format!("{path}?v={hash:08x}")
}

/// The listing filter narrowed to what the caller reaches (as `GET /api/v1/events` narrows it).
pub fn reach_filter(principal: &Principal, limit: u32) -> EventFilter {
    let mut filter = EventFilter {
        limit,
        ..EventFilter::default()
    };
    match &principal.reach {
        Reach::District => {}
        Reach::Street { street } => filter.street_code = Some(street.clone()),
        Reach::Unit { unit, .. } => filter.handling_unit = Some(unit.clone()),
        Reach::Sources { sources } => filter.sources = sources.clone(),
    }
    filter
}

/// Seconds of the case's own measure left on its clock (negative once overdue).
pub fn remaining(platform: &Platform, clock: &CaseClock) -> i64 {
    if let Some(left) = clock.remaining {
        return left;
    }
    let now = platform.now();
    let calendar = &platform.reference().calendar;
    if now <= clock.deadline {
        calendar.spent(clock.measure, now, clock.deadline)
    } else {
        -calendar.spent(clock.measure, clock.deadline, now)
    }
}

/// "剩余 3小时20分（工作时间）" or "已超期 1天2小时".
pub fn countdown(seconds: i64, measure: Measure, running: bool) -> String {
    let abs = seconds.unsigned_abs();
    let (days, hours, minutes) = (abs / 86_400, abs % 86_400 / 3600, abs % 3600 / 60);
    let mut span = String::new();
    if days > 0 && measure == Measure::Elapsed {
        span.push_str(&format!("{days}天"));
        span.push_str(&format!("{hours}小时"));
    } else {
        span.push_str(&format!("{}小时{minutes}分", days * 24 + hours));
    }
    let kind = match measure {
        Measure::Working => "（工作时间）",
        Measure::Elapsed => "",
    };
    let paused = if running { "" } else { "，计时暂停" };
    if seconds < 0 {
        format!("已超期 {span}{kind}{paused}")
    } else {
        format!("剩余 {span}{kind}{paused}")
    }
}

/// A time as people in Shenzhen read it: `2026-07-01 09:30`.
pub fn when(t: jiff::Timestamp) -> String {
    t.to_zoned_datetime(crate::calendar::china())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}
