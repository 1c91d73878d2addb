//! Browser sessions: a random secret in an HttpOnly cookie, its sha256 in the database, a
//! CSRF token that every state-changing request must echo, an idle time-out pushed on use
//! and an absolute one fixed at sign-in. Signing out ends the session on the server.

use jiff::{SignedDuration, Timestamp};

use super::accounts::{self, SignInError};
use super::secret;
use crate::domain::Principal;
use crate::reference::Reference;
use crate::storage::Db;
use crate::storage::accounts::Session;

/// The cookie's name.
pub const COOKIE: &str = "sw_session";

/// How long sessions live.
#[derive(Clone, Copy, Debug)]
pub struct Lifetimes {
    /// Unused for this long, a session ends.
    pub idle: SignedDuration,
    /// Used or not, a session ends this long after sign-in.
    pub absolute: SignedDuration,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            idle: SignedDuration::from_mins(30),
            absolute: SignedDuration::from_hours(12),
        }
    }
}

/// A session just started: the cookie's secret (shown once) and its CSRF token.
#[derive(Debug)]
pub struct Started {
    pub secret: String,
    pub csrf: String,
    pub principal: Principal,
    /// The password was a one-time password: the person must choose their own first.
    pub must_change: bool,
}

/// A live session's holder.
#[derive(Clone, Debug)]
pub struct Live {
    pub principal: Principal,
    pub csrf: String,
    pub must_change: bool,
    /// The hash that names the session (to end it).
    pub id_sha256: String,
}

/// Signs a person in: checks the password (counting failures), then starts a session.
pub async fn sign_in(
    db: &Db,
    reference: &Reference,
    lifetimes: Lifetimes,
    username: &str,
    password: &str,
) -> Result<Started, SignInError> {
    let now = Timestamp::now();
    let account = accounts::check_password(db, username, password, now).await?;
    let principal = accounts::principal_of(reference, &account.staff_id)?;
    let secret = random_hex();
    let csrf = random_hex();
    let session = Session {
        id_sha256: secret::hash(&secret),
        staff_id: account.staff_id.clone(),
        csrf: csrf.clone(),
        created_at: now,
        last_seen_at: now,
        idle_expires_at: now + lifetimes.idle,
        expires_at: now + lifetimes.absolute,
        ended_at: None,
    };
    let audit = accounts::audit(&principal, "sign_in", &account.username, "ok");
    db.start_session(&session, &audit).await?;
    Ok(Started {
        secret,
        csrf,
        principal,
        must_change: account.must_change,
    })
}

/// The holder of a session cookie, if the session is live and its account enabled. Pushes
/// the idle time-out forward (written at most once a minute).
pub async fn authenticate(
    db: &Db,
    reference: &Reference,
    lifetimes: Lifetimes,
    cookie_secret: &str,
) -> anyhow::Result<Option<Live>> {
    if cookie_secret.len() != 64 || !cookie_secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let id = secret::hash(cookie_secret);
    let Some(session) = db.session(&id).await? else {
        return Ok(None);
    };
    let now = Timestamp::now();
    if session.ended_at.is_some() || now >= session.idle_expires_at || now >= session.expires_at {
        return Ok(None);
    }
    let Some((account, _)) = db.account_with_hash(&session.staff_id).await? else {
        return Ok(None);
    };
    if account.disabled_at.is_some() {
        return Ok(None);
    }
    if now - session.last_seen_at >= SignedDuration::from_mins(1) {
        db.touch_session(&id, now, now + lifetimes.idle).await?;
    }
    Ok(Some(Live {
        principal: accounts::principal_of(reference, &session.staff_id)?,
        csrf: session.csrf,
        must_change: account.must_change,
        id_sha256: id,
    }))
}

/// Ends a session on the server.
pub async fn sign_out(db: &Db, live: &Live) -> anyhow::Result<()> {
    let audit = accounts::audit(
        &live.principal,
        "sign_out",
        live.principal.display_name(),
        "ok",
    );
    db.end_session(&live.id_sha256, Timestamp::now(), &audit)
        .await
}

fn random_hex() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}
