//! Registering, changing, rotating and removing channels' webhooks. Whether the caller may is
//! `crate::auth::policy`'s to say first; each change is audited in its own transaction.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::domain::{Principal, Source, Webhook};
use crate::storage::audit::AuditEntry;
use crate::storage::{Db, WebhookChange};

/// Longest webhook URL.
const MAX_URL: usize = 2000;

/// A webhook with its signing secret, shown once: when registered or rotated.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct WithSecret {
    #[serde(flatten)]
    pub webhook: Webhook,
    pub secret: String,
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("{0}")]
    InvalidUrl(String),
    #[error("no webhook {0}")]
    NotFound(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What a webhook change asks for.
#[derive(Clone, Debug, Default)]
pub struct Edit {
    pub url: Option<String>,
    pub active: Option<bool>,
}

/// Registers a webhook for `source`'s events.
pub async fn register(
    db: &Db,
    by: &Principal,
    source: Source,
    url: &str,
    audit: AuditEntry,
) -> Result<WithSecret, WebhookError> {
    let url = checked_url(url)?;
    let now = Timestamp::now();
    let webhook = Webhook {
        id: format!("wh_{}", hex::encode(rand::random::<[u8; 6]>())),
        source,
        url,
        active: true,
        created_by: by.id.clone(),
        created_at: now,
        updated_at: now,
        previous_secret_until: None,
    };
    let secret = new_secret();
    let audit = AuditEntry {
        target: webhook.id.clone(),
        ..audit
    };
    db.insert_webhook(&webhook, &secret, &audit).await?;
    Ok(WithSecret { webhook, secret })
}

/// Changes a webhook's URL or turns it off and on.
pub async fn edit(
    db: &Db,
    id: &str,
    edit: Edit,
    audit: AuditEntry,
) -> Result<Webhook, WebhookError> {
    let change = WebhookChange {
        url: edit.url.as_deref().map(checked_url).transpose()?,
        active: edit.active,
        rotate: None,
    };
    db.change_webhook(id, &change, Timestamp::now(), &audit)
        .await?
        .ok_or_else(|| WebhookError::NotFound(id.into()))
}

/// Gives a webhook a new secret; the current one goes on signing beside it for `grace`.
pub async fn rotate(
    db: &Db,
    id: &str,
    grace: SignedDuration,
    audit: AuditEntry,
) -> Result<WithSecret, WebhookError> {
    let now = Timestamp::now();
    let secret = new_secret();
    let change = WebhookChange {
        rotate: Some((secret.clone(), now + grace)),
        ..WebhookChange::default()
    };
    let webhook = db
        .change_webhook(id, &change, now, &audit)
        .await?
        .ok_or_else(|| WebhookError::NotFound(id.into()))?;
    Ok(WithSecret { webhook, secret })
}

/// A new signing secret: 32 random bytes.
fn new_secret() -> String {
    format!("whsec_{}", hex::encode(rand::random::<[u8; 32]>()))
}

/// The URL, if deliveries can go to it: absolute `http` or `https` with a host.
fn checked_url(url: &str) -> Result<String, WebhookError> {
    let url = url.trim();
    let invalid = |why: &str| Err(WebhookError::InvalidUrl(format!("url {url:?} {why}")));
    if url.len() > MAX_URL {
        return invalid(&format!("is longer than {MAX_URL} characters"));
    }
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return invalid("is not an absolute URL (回调地址无效)");
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return invalid("must use http or https (回调地址须为 http 或 https)");
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return invalid("has no host (回调地址缺少主机)");
    }
    Ok(parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_url_is_absolute_http_or_https() {
        assert_eq!(
            checked_url(" https://12345.longgang.gov.cn/callback ").unwrap(),
            "https://12345.longgang.gov.cn/callback"
        );
        assert!(checked_url("http://127.0.0.1:9000/hook").is_ok());
        for bad in [
            "ftp://example.org/x",
            "/relative",
            "not a url",
            "mailto:a@b.cn",
        ] {
            assert!(
                matches!(checked_url(bad), Err(WebhookError::InvalidUrl(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn secrets_are_new_each_time() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), "whsec_".len() + 64);
    }
}
