//! Creating, revoking, listing and checking access tokens: what `streetwise token ...` runs
//! and what the HTTP extractor asks for each bearer token.

use anyhow::Context;
use jiff::Timestamp;

use super::admin::token_matches;
use super::secret;
use crate::domain::{District, Principal, Reach, Scope, Source, Street};
use crate::reference::Reference;
use crate::storage::Db;
use crate::storage::tokens::AccessToken;

/// What `streetwise token create` asks for.
#[derive(Clone, Debug)]
pub struct NewToken {
    pub scope: Scope,
    /// The street, by code, slug or Chinese name: required for `street_admin`, optional for
    /// `read_only`, refused for `district_admin`.
    pub street: Option<String>,
    pub label: String,
    /// Who created it (the CLI records `cli:<user>`).
    pub created_by: String,
    /// The person a `staff` token acts as (a staff id); refused for other scopes.
    pub staff_id: Option<String>,
    /// The sources a `channel` token may submit from; refused for other scopes.
    pub sources: Vec<Source>,
}

/// A created token: `token` is the only time its secret exists outside the caller's hands.
#[derive(Debug)]
pub struct Issued {
    pub token: String,
    pub record: AccessToken,
    /// The Chinese name of its street, if it is limited to one.
    pub street_name: Option<String>,
}

/// The result of a revocation.
#[derive(Debug)]
pub struct Revoked {
    pub record: AccessToken,
    /// It had been revoked before (the first revocation time is kept).
    pub already: bool,
}

/// Creates a token and stores the hash of its secret.
pub async fn create(db: &Db, request: NewToken) -> anyhow::Result<Issued> {
    let label = request.label.trim().to_string();
    if label.is_empty() || label.chars().count() > 200 {
        anyhow::bail!("give the token a label of 1 to 200 characters (who holds it, what for)");
    }
    let street = match (request.scope, request.street.as_deref()) {
        (Scope::DistrictAdmin, Some(_)) => {
            anyhow::bail!("a district_admin token covers every street: leave out --street")
        }
        (Scope::StreetAdmin, None) => {
            anyhow::bail!("a street_admin token needs its street: --street <code, slug or name>")
        }
        (Scope::Staff | Scope::Channel, Some(_)) => {
            anyhow::bail!("a staff or channel token takes no --street")
        }
        (_, Some(key)) => Some(street(db, key).await?),
        (_, None) => None,
    };
    match (request.scope, &request.staff_id) {
        (Scope::Staff, None) => {
            anyhow::bail!("a staff token acts as one person: --staff <staff id>")
        }
        (Scope::Staff, Some(id)) => {
            let parts = parts(db).await?;
            if !parts.staff.iter().any(|p| p.id == *id) {
                anyhow::bail!("{id:?} is not in the staff directory");
            }
        }
        (_, Some(_)) => anyhow::bail!("only a staff token names a person"),
        (_, None) => {}
    }
    match (request.scope, request.sources.is_empty()) {
        (Scope::Channel, true) => {
            anyhow::bail!("a channel token needs the sources it may submit: --sources hotline,web")
        }
        (Scope::Channel, false) | (_, true) => {}
        (_, false) => anyhow::bail!("only a channel token names sources"),
    }
    let minted = secret::mint();
    let record = AccessToken {
        id: minted.id,
        scope: request.scope,
        street_code: street.as_ref().map(|s| s.code.clone()),
        label,
        created_at: Timestamp::now(),
        created_by: request.created_by,
        revoked_at: None,
        staff_id: request.staff_id,
        sources: request.sources,
    };
    db.insert_token(&record, &minted.secret_sha256)
        .await
        .context("storing the token")?;
    Ok(Issued {
        token: minted.token,
        record,
        street_name: street.map(|s| s.name),
    })
}

/// Revokes a token named by its id (or by the whole token); it is refused from then on.
pub async fn revoke(db: &Db, token_or_id: &str) -> anyhow::Result<Revoked> {
    let id = secret::id_of(token_or_id);
    let before = db
        .token_with_hash(id)
        .await?
        .with_context(|| format!("no token with id {id:?} (see `streetwise token list`)"))?;
    let record = db
        .revoke_token(id, Timestamp::now())
        .await?
        .with_context(|| format!("token {id} vanished while revoking it"))?;
    Ok(Revoked {
        record,
        already: before.0.revoked_at.is_some(),
    })
}

/// Every token, revoked ones included; no secrets (none are stored).
pub async fn list(db: &Db) -> anyhow::Result<Vec<AccessToken>> {
    db.tokens().await
}

/// The holder of a presented bearer token: the bootstrap admin, or a stored token that is not
/// revoked and whose secret hashes to the stored hash. `None` for anything else, and for a
/// staff token whose person has left the directory.
pub async fn authenticate(
    db: &Db,
    reference: &Reference,
    admin_token: &str,
    presented: &str,
) -> anyhow::Result<Option<Principal>> {
    if token_matches(presented, admin_token) {
        return Ok(Some(Principal::bootstrap_admin()));
    }
    let Some((id, secret)) = secret::split(presented) else {
        return Ok(None);
    };
    let Some((token, stored_hash)) = db.token_with_hash(id).await? else {
        return Ok(None);
    };
    if !token_matches(&secret::hash(secret), &stored_hash) || token.revoked_at.is_some() {
        return Ok(None);
    }
    let reach = match (token.scope, token.street_code) {
        (Scope::Staff, _) => {
            let Some(staff_id) = token.staff_id.as_deref() else {
                return Ok(None);
            };
            let Ok(mut principal) = super::accounts::principal_of(reference, staff_id) else {
                return Ok(None);
            };
            principal.id = token.id;
            principal.scope = Some(Scope::Staff);
            return Ok(Some(principal));
        }
        (Scope::Channel, _) => Reach::Sources {
            sources: token.sources,
        },
        (_, Some(street)) => Reach::Street { street },
        (_, None) => Reach::District,
    };
    Ok(Some(Principal {
        id: token.id,
        scope: Some(token.scope),
        person: None,
        reach,
    }))
}

/// The street named by code, slug or Chinese name, from the stored reference data (or the
/// seed's, on a database no host has started on yet).
async fn street(db: &Db, key: &str) -> anyhow::Result<Street> {
    let district = district(db).await?;
    if let Some(street) = district.street(key) {
        return Ok(street.clone());
    }
    let known: Vec<String> = district
        .streets
        .iter()
        .map(|s| format!("{} ({}, {})", s.name, s.slug, s.code))
        .collect();
    anyhow::bail!(
        "unknown street {key:?}; the district's streets are: {}",
        known.join(", ")
    )
}

async fn district(db: &Db) -> anyhow::Result<District> {
    Ok(parts(db).await?.district)
}

async fn parts(db: &Db) -> anyhow::Result<crate::reference::ReferenceParts> {
    match db.load_reference().await? {
        Some(parts) => Ok(parts),
        None => crate::seed::parts(),
    }
}
