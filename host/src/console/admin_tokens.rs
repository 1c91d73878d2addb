//! The token forms of 系统管理: `POST /admin/tokens` (the secret is shown once) and
//! `POST /admin/tokens/{id}/revoke`, with the same `auth::tokens` calls as `/api/v1/tokens`.

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::admin::{Notice, SECRET, answer, refused};
use super::layout::Signed;
use crate::auth::tokens;
use crate::domain::{Scope, Source};
use crate::http::ApiError;
use crate::platform::Platform;

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    scope: Option<String>,
    street: Option<String>,
    label: Option<String>,
    staff_id: Option<String>,
    sources: Option<String>,
}

/// `POST /admin/tokens`.
pub async fn create_token(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
    Form(form): Form<TokenForm>,
) -> Response {
    let outcome: Result<Notice, ApiError> = async {
        signed.caller.check_csrf(form.csrf.as_deref())?;
        let label = form.label.unwrap_or_default().trim().to_string();
        signed.caller.require_people("create_token", &label).await?;
        let given = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let scope_name = form.scope.unwrap_or_default();
        let scope = Scope::parse(&scope_name).ok_or_else(|| ApiError::Unprocessable {
            code: "invalid_scope",
            message: format!("unknown scope {scope_name:?} (未知令牌范围)"),
        })?;
        let mut sources = Vec::new();
        for name in given(form.sources)
            .unwrap_or_default()
            .split([',', '，'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            sources.push(Source::parse(name).ok_or_else(|| ApiError::Unprocessable {
                code: "invalid_source",
                message: format!("unknown source {name:?} (未知来源)"),
            })?);
        }
        let issued = tokens::create(
            platform.db(),
            tokens::NewToken {
                scope,
                street: given(form.street),
                label,
                created_by: signed.caller.who().to_string(),
                staff_id: given(form.staff_id),
                sources,
            },
        )
        .await
        .map_err(refused)?;
        signed
            .caller
            .record_write(None, "create_token", &issued.record.id)
            .await;
        Ok(Notice::Secret(
            format!("已创建令牌 {}，{SECRET}", issued.record.id),
            issued.token,
        ))
    }
    .await;
    answer(&signed, &platform, outcome).await
}

/// `POST /admin/tokens/{id}/revoke`.
pub async fn revoke_token(
    signed: Signed,
    State(platform): State<Arc<Platform>>,
    Path(id): Path<String>,
    Form(form): Form<RevokeForm>,
) -> Response {
    let outcome: Result<Notice, ApiError> = async {
        signed.caller.check_csrf(form.csrf.as_deref())?;
        signed.caller.require_people("revoke_token", &id).await?;
        tokens::revoke(platform.db(), &id)
            .await
            .map_err(|e| ApiError::NotFound(format!("{e:#}")))?;
        signed.caller.record_write(None, "revoke_token", &id).await;
        Ok(Notice::Done(format!("已吊销令牌 {id}")))
    }
    .await;
    answer(&signed, &platform, outcome).await
}
