//! 登录, 修改密码 and 退出: `GET/POST /login`, `GET/POST /password`, `POST /logout`. The same
//! calls as `/api/v1/session` (`http::session`), through forms.

use std::sync::Arc;

use axum::Form;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::layout::{Failure, Signed, bare, message_of, page, status_of};
use crate::http::session::{self, Credentials};
use crate::platform::Platform;

const LOGIN: &str = "登录";
const USERNAME: &str = "用户名";
const PASSWORD: &str = "密码";
const SIGN_IN: &str = "登录";
const CHANGE_TITLE: &str = "修改密码";
const CHANGE_INTRO: &str = "首次登录或密码重置后，请设置您自己的密码。";
const CURRENT: &str = "原密码";
const NEW: &str = "新密码";
const CONFIRM: &str = "确认新密码";
const SAVE: &str = "保存新密码";
const MISMATCH: &str = "两次输入的新密码不一致";

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

fn login_page(username: &str, error: Option<(String, Option<String>)>) -> Markup {
    bare(
        LOGIN,
        html! {
            @if let Some((zh, en)) = error {
                p.notice.error role="alert" { (zh) @if let Some(en) = en { span.en { " " (en) } } }
            }
            form.stack method="post" action="/login" {
                label for="username" { (USERNAME) }
                input #username type="text" name="username" value=(username) autocomplete="username" required autofocus;
                label for="password" { (PASSWORD) }
                input #password type="password" name="password" autocomplete="current-password" required;
                button.primary type="submit" { (SIGN_IN) }
            }
        },
    )
}

/// `GET /login`.
pub async fn form() -> Markup {
    login_page("", None)
}

/// `POST /login`: the session cookie and `/` (or `/password` when the one-time password must
/// be changed first); the sign-in form again with the server's message otherwise.
pub async fn submit(
    State(platform): State<Arc<Platform>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let credentials = Credentials {
        username: form.username.trim().to_string(),
        password: form.password,
    };
    match session::start(&platform, &credentials).await {
        Ok(started) => {
            let cookie = session::session_cookie(&started.secret, &headers, &platform);
            let to = if started.must_change {
                "/password"
            } else {
                "/"
            };
            ([(SET_COOKIE, cookie)], Redirect::to(to)).into_response()
        }
        Err(e) => {
            let (status, _) = status_of(&e);
            (
                status,
                login_page(&credentials.username, Some(message_of(&e))),
            )
                .into_response()
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

fn password_page(signed: &Signed, error: Option<(String, Option<String>)>) -> Markup {
    page(
        signed,
        CHANGE_TITLE,
        "/password",
        html! {
            p { (CHANGE_INTRO) }
            @if let Some((zh, en)) = error {
                p.notice.error role="alert" { (zh) @if let Some(en) = en { span.en { " " (en) } } }
            }
            form.stack.narrow method="post" action="/password" {
                (signed.csrf_field())
                label for="current" { (CURRENT) }
                input #current type="password" name="current" autocomplete="current-password" required;
                label for="new" { (NEW) }
                input #new type="password" name="new" autocomplete="new-password" required;
                label for="confirm" { (CONFIRM) }
                input #confirm type="password" name="confirm" autocomplete="new-password" required;
                button.primary type="submit" { (SAVE) }
            }
        },
    )
}

/// `GET /password`.
pub async fn password_form(signed: Signed) -> Markup {
    password_page(&signed, None)
}

/// `POST /password`.
pub async fn change_password(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
    Form(form): Form<PasswordForm>,
) -> Result<Response, Failure> {
    signed.caller.check_csrf(form.csrf.as_deref())?;
    if form.new != form.confirm {
        let page = password_page(&signed, Some((MISMATCH.into(), None)));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    match session::set_password(&platform, &signed.caller, &form.current, &form.new).await {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(e) => {
            let (status, _) = status_of(&e);
            Ok((status, password_page(&signed, Some(message_of(&e)))).into_response())
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

/// `POST /logout`: ends the session on the server and clears the cookie.
pub async fn logout(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, Failure> {
    signed.caller.check_csrf(form.csrf.as_deref())?;
    if let Some(live) = signed.caller.session() {
        crate::auth::sessions::sign_out(platform.db(), live).await?;
    }
    Ok((
        [(SET_COOKIE, session::cleared_cookie())],
        Redirect::to("/login"),
    )
        .into_response())
}
