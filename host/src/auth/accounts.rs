//! Staff accounts: created by district IT for people of the staff directory with a one-time
//! password, changed by their owner at the first sign-in, locked after repeated failures,
//! disabled when someone leaves. What `streetwise account ...` and the console's district IT
//! page run, and what signing in checks.

use anyhow::Context;
use jiff::{SignedDuration, Timestamp};

use super::password::{self, Weak};
use crate::domain::{Person, Principal, Reach, Staff, StaffRole, Unit};
use crate::reference::Reference;
use crate::storage::Db;
use crate::storage::accounts::Account;
use crate::storage::audit::AuditEntry;

/// Failures in a row after which an account is locked for [`LOCK_OUT`].
pub const MAX_FAILURES: i64 = 5;
/// How long a locked account stays locked.
pub const LOCK_OUT: SignedDuration = SignedDuration::from_mins(15);
/// Failures in a row after which each further wrong password is answered only after a pause
/// that grows with each (1 s, 2 s, ...), slowing a guesser before the lock-out.
const BACK_OFF_AFTER: i64 = 2;

/// A created account or a reset password: the one time its password exists in clear.
#[derive(Debug)]
pub struct OneTime {
    pub username: String,
    pub staff_id: String,
    pub name: String,
    pub password: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown user or wrong password: the caller is told nothing more.
    #[error("用户名或密码错误 (wrong username or password)")]
    Wrong,
    #[error("账号已锁定，请于 {until} 后再试或联系区信息化管理员 (locked after repeated failures)")]
    Locked { until: String },
    #[error("账号已停用，请联系区信息化管理员 (this account is disabled)")]
    Disabled,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("原密码错误 (the current password is wrong)")]
    WrongCurrent,
    #[error(transparent)]
    Weak(#[from] Weak),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// How far a person's access reaches, from their post and their unit.
pub fn reach_of(post: StaffRole, unit: &Unit) -> Reach {
    let street = || match &unit.street {
        Some(street) => Reach::Street {
            street: street.clone(),
        },
        None => Reach::District,
    };
    match post {
        StaffRole::Handler | StaffRole::SectionChief | StaffRole::UnitAdmin => Reach::Unit {
            unit: unit.code.clone(),
            street: unit.street.clone(),
        },
        StaffRole::Inspector | StaffRole::StreetLeader | StaffRole::StreetAdmin => street(),
        StaffRole::Dispatcher | StaffRole::DistrictLeader | StaffRole::DistrictIt => {
            Reach::District
        }
    }
}

/// The principal of a person of the directory.
pub fn principal_of(reference: &Reference, staff_id: &str) -> anyhow::Result<Principal> {
    let person = reference
        .staff_member(staff_id)
        .with_context(|| format!("{staff_id} is no longer in the staff directory"))?;
    let unit = reference
        .unit(&person.unit)
        .with_context(|| format!("the unit of {staff_id} is not in the directory"))?;
    Ok(Principal {
        id: format!("staff:{}", person.id),
        scope: None,
        person: Some(Person {
            staff_id: person.id.clone(),
            name: person.name.clone(),
            post: person.role,
            unit: person.unit.clone(),
        }),
        reach: reach_of(person.role, unit),
    })
}

/// An audit entry about a person's account, by `by`.
pub(super) fn audit(by: &Principal, action: &str, target: &str, outcome: &str) -> AuditEntry {
    super::audit_entry(by, None, action, target, outcome)
}

fn staff<'r>(reference: &'r Reference, key: &str) -> anyhow::Result<&'r Staff> {
    reference.staff_member(key).with_context(|| {
        format!(
            "{key:?} is not in the staff directory (seed/staff.json or `streetwise import staff`)"
        )
    })
}

/// Creates an account for a person of the directory, with a one-time password they must
/// change at their first sign-in. The username is the staff id unless one is given.
pub async fn create(
    db: &Db,
    reference: &Reference,
    staff_id: &str,
    username: Option<&str>,
    by: &Principal,
) -> anyhow::Result<OneTime> {
    let person = staff(reference, staff_id)?;
    let username = username.map_or(person.id.as_str(), str::trim);
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    {
        anyhow::bail!("a username is 1 to 64 letters, digits, '.', '_' or '-'");
    }
    let password = password::one_time();
    let now = Timestamp::now();
    let account = Account {
        staff_id: person.id.clone(),
        username: username.to_string(),
        must_change: true,
        failed_attempts: 0,
        locked_until: None,
        disabled_at: None,
        created_at: now,
        created_by: by.id.clone(),
        password_set_at: now,
        last_sign_in_at: None,
    };
    let audit = audit(by, "create_account", &person.id, "ok");
    if !db
        .insert_account(&account, &password::hash(&password)?, &audit)
        .await?
    {
        anyhow::bail!(
            "{} ({}) has an account already, or the username {username:?} is taken: \
             use `streetwise account reset` for a new password",
            person.name,
            person.id
        );
    }
    Ok(OneTime {
        username: account.username,
        staff_id: person.id.clone(),
        name: person.name.clone(),
        password,
    })
}

/// Gives an account a new one-time password and lifts its lock-out; its sessions end.
pub async fn reset(
    db: &Db,
    reference: &Reference,
    key: &str,
    by: &Principal,
) -> anyhow::Result<OneTime> {
    let (account, _) = existing(db, key).await?;
    let password = password::one_time();
    let audit = audit(by, "reset_password", &account.staff_id, "ok");
    db.set_password(
        &account.staff_id,
        &password::hash(&password)?,
        true,
        Timestamp::now(),
        &audit,
    )
    .await?;
    let name = reference
        .staff_member(&account.staff_id)
        .map_or_else(String::new, |s| s.name.clone());
    Ok(OneTime {
        username: account.username,
        staff_id: account.staff_id,
        name,
        password,
    })
}

/// Disables (`true`) or re-enables an account. Disabling ends its sessions at once.
pub async fn set_disabled(
    db: &Db,
    key: &str,
    disabled: bool,
    by: &Principal,
) -> anyhow::Result<Account> {
    let (account, _) = existing(db, key).await?;
    let action = if disabled {
        "disable_account"
    } else {
        "enable_account"
    };
    let audit = audit(by, action, &account.staff_id, "ok");
    db.set_disabled(&account.staff_id, disabled.then(Timestamp::now), &audit)
        .await?;
    Ok(existing(db, key).await?.0)
}

/// The owner changes their password (required after a one-time password).
pub async fn change_password(
    db: &Db,
    by: &Principal,
    current: &str,
    new: &str,
) -> Result<(), PasswordError> {
    let staff_id = by
        .staff_id()
        .context("only a signed-in person has a password")?;
    let (_, stored) = existing(db, staff_id).await?;
    if !password::verify(current, &stored) {
        return Err(PasswordError::WrongCurrent);
    }
    password::acceptable(new)?;
    if current == new {
        return Err(Weak::Unchanged.into());
    }
    let audit = audit(by, "change_password", staff_id, "ok");
    db.set_password(
        staff_id,
        &password::hash(new)?,
        false,
        Timestamp::now(),
        &audit,
    )
    .await?;
    Ok(())
}

async fn existing(db: &Db, key: &str) -> anyhow::Result<(Account, String)> {
    db.account_with_hash(key.trim())
        .await?
        .with_context(|| format!("no account {key:?} (see `streetwise account list`)"))
}

/// Checks a username and password. On success the account (the caller starts the session);
/// on a wrong password the failure is counted, audited and may lock the account.
pub async fn check_password(
    db: &Db,
    username: &str,
    password: &str,
    now: Timestamp,
) -> Result<Account, SignInError> {
    let found = db.account_with_hash(username.trim()).await?;
    let Some((account, stored)) = found else {
        // Hash anyway, so an unknown name takes as long as a wrong password.
        let _ = password::verify(password, &password::DUMMY_HASH);
        let entry = failure_audit(username, None, "unknown username");
        db.record_audit(&entry).await?;
        return Err(SignInError::Wrong);
    };
    if account.disabled_at.is_some() {
        let entry = failure_audit(username, Some(&account.staff_id), "disabled");
        db.record_audit(&entry).await?;
        return Err(SignInError::Disabled);
    }
    if let Some(until) = account.locked_until.filter(|until| *until > now) {
        let entry = failure_audit(username, Some(&account.staff_id), "locked");
        db.record_audit(&entry).await?;
        return Err(SignInError::Locked {
            until: crate::calendar::rfc3339(until),
        });
    }
    if password::verify(password, &stored) {
        return Ok(account);
    }
    let failures = account.failed_attempts + 1;
    let locked_until = (failures >= MAX_FAILURES).then(|| now + LOCK_OUT);
    let reason = match locked_until {
        Some(_) => format!("wrong password ({failures} in a row): locked"),
        None => format!("wrong password ({failures} in a row)"),
    };
    let entry = failure_audit(username, Some(&account.staff_id), &reason);
    db.record_failed_sign_in(&account.staff_id, failures, locked_until, &entry)
        .await?;
    if locked_until.is_none() && failures > BACK_OFF_AFTER {
        let pause = (failures - BACK_OFF_AFTER).unsigned_abs();
        tokio::time::sleep(std::time::Duration::from_secs(pause)).await;
    }
    Err(SignInError::Wrong)
}

fn failure_audit(username: &str, staff_id: Option<&str>, reason: &str) -> AuditEntry {
    let username: String = username.chars().take(64).collect();
    AuditEntry {
        id: 0,
        at: Timestamp::now(),
        token_id: staff_id.map_or_else(|| "anonymous".into(), |id| format!("staff:{id}")),
        scope: "session".into(),
        token_street: None,
        street_code: None,
        action: "sign_in".into(),
        target: username,
        outcome: "failed".into(),
        reason: Some(reason.into()),
        staff_id: staff_id.map(Into::into),
        event_id: None,
    }
}

/// Every account.
pub async fn list(db: &Db) -> anyhow::Result<Vec<Account>> {
    db.accounts().await
}
