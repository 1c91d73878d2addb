//! `streetwise plugin deploy`: uploads a component to a running server with
//! `POST /api/v1/streets/{street}/plugins?name=<name>`, as `application/wasm` with a bearer
//! token, and reports the version the server created.
//!
//! `--shadow` adds `&mode=shadow`, asking the server to run the version beside the active one
//! without applying its decisions (for the server's default of 1,000 events); the server
//! answers with the version's `shadow` run.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use reqwest::{StatusCode, Url};
use serde::Deserialize;

/// What `plugin deploy` was asked to do.
#[derive(Clone, Debug)]
pub struct Upload {
    pub component: PathBuf,
    /// The server's base URL, e.g. `http://127.0.0.1:8080`.
    pub server: String,
    pub street: String,
    pub name: String,
    pub token: String,
    pub shadow: bool,
}

/// The version the server created (`PluginVersion` in the API), as far as the client reads it.
#[derive(Clone, Debug, Deserialize)]
pub struct Deployed {
    pub street_code: String,
    pub name: String,
    pub version: u32,
    pub kind: String,
    pub sha256: String,
    pub size: u64,
    pub active: bool,
    /// The version's shadow run, when it runs in shadow.
    #[serde(default)]
    pub shadow: Option<ShadowRun>,
    /// The active versions this deploy took out of the path.
    #[serde(default)]
    pub replaced: Vec<ReplacedVersion>,
}

/// An active version a deploy deactivated.
#[derive(Clone, Debug, Deserialize)]
pub struct ReplacedVersion {
    pub name: String,
    pub version: u32,
}

/// A shadow run as the server reports it.
#[derive(Clone, Debug, Deserialize)]
pub struct ShadowRun {
    #[serde(default)]
    pub until: Option<String>,
    #[serde(default)]
    pub events_left: Option<u64>,
}

impl Deployed {
    /// The lines printed after a deploy.
    pub fn describe(&self, asked_for_shadow: bool) -> String {
        let mut out = format!(
            "deployed {} {} version {} ({}, {} bytes, sha256 {}){}\n",
            self.street_code,
            self.name,
            self.version,
            self.kind,
            self.size,
            self.sha256,
            match (&self.shadow, self.active) {
                (Some(run), _) => format!(
                    ", in shadow{}{}",
                    run.events_left
                        .map_or(String::new(), |n| format!(" for {n} events")),
                    run.until
                        .as_ref()
                        .map_or(String::new(), |t| format!(" until {t}"))
                ),
                (None, true) if self.replaced.is_empty() => ", active".to_string(),
                (None, true) => format!(
                    ", active, replacing {}",
                    self.replaced
                        .iter()
                        .map(|r| format!("{} version {}", r.name, r.version))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                (None, false) => ", not active".to_string(),
            }
        );
        if asked_for_shadow && self.shadow.is_none() {
            out.push_str(
                "warning: the server did not confirm shadow mode; this version may be live\n",
            );
        }
        out
    }
}

/// The deploy URL for `upload`.
pub fn deploy_url(upload: &Upload) -> anyhow::Result<Url> {
    let mut url = Url::parse(upload.server.trim()).with_context(|| {
        format!(
            "--server {:?} is not a URL like http://host:8080",
            upload.server
        )
    })?;
    url.path_segments_mut()
        .map_err(|()| anyhow::anyhow!("--server {:?} cannot take a path", upload.server))?
        .pop_if_empty()
        .extend(["api", "v1", "streets", upload.street.trim(), "plugins"]);
    url.query_pairs_mut()
        .append_pair("name", upload.name.trim());
    if upload.shadow {
        url.query_pairs_mut().append_pair("mode", "shadow");
    }
    Ok(url)
}

/// Uploads the component; the created version, or the server's refusal as an error.
pub async fn deploy(upload: &Upload) -> anyhow::Result<Deployed> {
    let bytes = std::fs::read(&upload.component)
        .with_context(|| format!("cannot read the component {}", upload.component.display()))?;
    if upload.token.trim().is_empty() {
        anyhow::bail!("no token: pass --token or set STREETWISE_TOKEN");
    }
    let url = deploy_url(upload)?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()?;
    let response = client
        .post(url.clone())
        .bearer_auth(upload.token.trim())
        .header(reqwest::header::CONTENT_TYPE, "application/wasm")
        .body(bytes)
        .send()
        .await
        .with_context(|| format!("cannot reach {}", upload.server))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if status == StatusCode::CREATED || status == StatusCode::OK {
        return serde_json::from_str(&body)
            .with_context(|| format!("unexpected answer from {url}: {body}"));
    }
    anyhow::bail!("{}", refusal(status, &body))
}

/// A readable sentence for a refused deploy.
fn refusal(status: StatusCode, body: &str) -> String {
    #[derive(Deserialize)]
    struct Body {
        error: ApiError,
    }
    #[derive(Deserialize)]
    struct ApiError {
        code: String,
        message: String,
    }
    let hint = match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            " (check the token: the server's STREETWISE_ADMIN_TOKEN or data/admin-token)"
        }
        _ => "",
    };
    match serde_json::from_str::<Body>(body) {
        Ok(Body { error }) => format!(
            "the server refused the deploy: {status} {}: {}{hint}",
            error.code, error.message
        ),
        Err(_) => format!("the server refused the deploy: {status} {body}{hint}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(server: &str, street: &str, shadow: bool) -> Upload {
        Upload {
            component: "x.wasm".into(),
            server: server.into(),
            street: street.into(),
            name: "school-manholes".into(),
            token: "t".into(),
            shadow,
        }
    }

    #[test]
    fn the_url_names_the_street_and_plugin_and_asks_for_shadow_when_told() {
        assert_eq!(
            deploy_url(&upload("http://127.0.0.1:8080", "buji", false))
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/api/v1/streets/buji/plugins?name=school-manholes"
        );
        assert_eq!(
            deploy_url(&upload("https://ops.example/streetwise/", "布吉", true))
                .unwrap()
                .as_str(),
            "https://ops.example/streetwise/api/v1/streets/%E5%B8%83%E5%90%89/plugins?name=school-manholes&mode=shadow"
        );
        assert!(deploy_url(&upload("localhost", "buji", false)).is_err());
    }

    #[test]
    fn a_refusal_quotes_the_servers_error_and_hints_at_the_token() {
        let text = refusal(
            StatusCode::UNAUTHORIZED,
            r#"{"error":{"code":"unauthorized","message":"a bearer token is required"}}"#,
        );
        assert!(text.contains("401 Unauthorized unauthorized: a bearer token is required"));
        assert!(text.contains("check the token"));
    }

    #[test]
    fn a_shadow_deploy_the_server_did_not_confirm_is_flagged() {
        let deployed = Deployed {
            street_code: "440307014".into(),
            name: "x".into(),
            version: 2,
            kind: "classifier".into(),
            sha256: "ab".into(),
            size: 10,
            active: true,
            shadow: None,
            replaced: Vec::new(),
        };
        assert!(deployed.describe(true).contains("did not confirm shadow"));
        assert!(!deployed.describe(false).contains("warning"));
        assert!(deployed.describe(false).contains("version 2"));
        let replacing = Deployed {
            replaced: vec![ReplacedVersion {
                name: "old".into(),
                version: 3,
            }],
            ..deployed.clone()
        };
        assert!(
            replacing
                .describe(false)
                .contains(", active, replacing old version 3")
        );
        let shadow = Deployed {
            active: false,
            shadow: Some(ShadowRun {
                until: None,
                events_left: Some(1000),
            }),
            ..deployed
        };
        assert!(shadow.describe(true).contains("in shadow for 1000 events"));
        assert!(!shadow.describe(true).contains("warning"));
    }
}
