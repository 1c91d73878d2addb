//! An error as a page: the status code, a Chinese title, and the server's own message (its
//! Chinese first, the English beside it in small print). Causes of internal errors stay in the
//! log.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::layout::bare;
use super::text;
use crate::http::ApiError;

/// An API error as a page: the status code and the server's Chinese message.
pub struct Failure(pub ApiError);

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        Failure(e)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure(ApiError::Internal(e))
    }
}

/// The status and the Chinese title of an error.
pub fn status_of(e: &ApiError) -> (StatusCode, &'static str) {
    let status = e.status();
    let title = match status {
        StatusCode::UNAUTHORIZED => "请先登录",
        StatusCode::FORBIDDEN => "无权访问",
        StatusCode::NOT_FOUND => "未找到",
        StatusCode::CONFLICT => "无法执行",
        StatusCode::LOCKED => "账号不可用",
        StatusCode::UNPROCESSABLE_ENTITY => "输入有误",
        StatusCode::TOO_MANY_REQUESTS => "正在处理中，请稍后重试",
        StatusCode::SERVICE_UNAVAILABLE => "系统繁忙",
        s if s.is_server_error() => "系统错误",
        _ => "请求有误",
    };
    (status, title)
}

/// The message a person reads: the Chinese of the server's message, and its English if any.
pub fn message_of(e: &ApiError) -> (String, Option<String>) {
    match e {
        ApiError::Internal(cause) => {
            tracing::error!(error = %format!("{cause:#}"), "console request failed");
            ("系统内部错误，原因已记录在服务器日志中".into(), None)
        }
        ApiError::Unavailable(cause) => {
            tracing::error!(error = %format!("{cause:#}"), "storage unavailable");
            ("存储暂不可用，未保存任何内容，请稍后重试".into(), None)
        }
        other => split(&other.to_string()),
    }
}

/// Splits "English (中文)" or "中文 (English)" into the Chinese and the English.
pub fn split(message: &str) -> (String, Option<String>) {
    let is_cjk = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let message = message.trim();
    let parts = if let Some(rest) = message.strip_suffix(')') {
        rest.rfind(" (").map(|i| (&rest[..i], &rest[i + 2..]))
    } else if let Some(rest) = message.strip_suffix('）') {
        rest.rfind('（')
            .map(|i| (&rest[..i], &rest[i + '（'.len_utf8()..]))
    } else {
        None
    };
    match parts {
        Some((head, inner)) if is_cjk(head) => (head.trim().into(), Some(inner.trim().into())),
        Some((head, inner)) if is_cjk(inner) => (inner.trim().into(), Some(head.trim().into())),
        _ => (message.into(), None),
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        if matches!(self.0, ApiError::Unauthorized) {
            return Redirect::to("/login").into_response();
        }
        let (status, title) = status_of(&self.0);
        let (zh, en) = message_of(&self.0);
        let body = html! {
            p.notice.error role="alert" { (zh) }
            @if let Some(en) = en { p.en { (en) } }
            p { a href="/" { (text::HOME) } }
        };
        (status, bare(title, body)).into_response()
    }
}
