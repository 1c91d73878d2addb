//! Demo accounts for a first look at the console: on a database with no accounts at all, a
//! few people of the seeded directory get accounts with generated passwords, written to
//! `demo-accounts.txt` in the data directory (owner-only). Never fixed passwords, and never
//! on a database where district IT has created accounts.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use jiff::Timestamp;

use super::password;
use crate::domain::Principal;
use crate::reference::Reference;
use crate::storage::Db;
use crate::storage::accounts::Account;

pub const FILE: &str = "demo-accounts.txt";

/// Who gets a demo account: username, staff id, what to try with it.
const DEMO: &[(&str, &str, &str)] = &[
    (
        "dispatcher",
        "district.command-centre.001",
        "指挥中心调度员: dispatch board, reveal a number",
    ),
    (
        "handler",
        "buji.safety.004",
        "布吉街道安全生产办承办人: 我的案件",
    ),
    (
        "buji-admin",
        "buji.office.902",
        "布吉街道系统管理员: the street's plugins",
    ),
    (
        "inspector",
        "district.command-centre.006",
        "核查员: verify handled cases",
    ),
    (
        "buji-leader",
        "buji.office.901",
        "布吉街道领导: supervision (督办)",
    ),
    (
        "it",
        "district.command-centre.005",
        "区信息化管理员: accounts and tokens",
    ),
];

/// Creates the demo accounts when no account exists yet; returns the file that lists them.
pub async fn ensure(db: &Db, reference: &Reference, data_dir: &Path) -> anyhow::Result<PathBuf> {
    let path = data_dir.join(FILE);
    if !db.accounts().await?.is_empty() {
        return Ok(path);
    }
    let by = Principal::bootstrap_admin();
    let mut text = String::from(
        "# Streetwise demo accounts (generated at first start; delete with `streetwise account disable`)\n",
    );
    for (username, staff_id, what) in DEMO {
        let person = reference.staff_member(staff_id).with_context(|| {
            format!("demo account {username}: {staff_id} is not in the directory")
        })?;
        let secret = password::one_time();
        let now = Timestamp::now();
        let account = Account {
            staff_id: person.id.clone(),
            username: (*username).into(),
            // A demo is for looking around: no forced change at the first sign-in.
            must_change: false,
            failed_attempts: 0,
            locked_until: None,
            disabled_at: None,
            created_at: now,
            created_by: "demo".into(),
            password_set_at: now,
            last_sign_in_at: None,
        };
        let audit = super::audit_entry(&by, None, "create_demo_account", &person.id, "ok");
        db.insert_account(&account, &password::hash(&secret)?, &audit)
            .await?;
        writeln!(
            text,
            "{username:<12} {secret}  {} {}: {what}",
            person.name, person.id
        )?;
    }
    super::admin::write_private(&path, text.trim_end())?;
    tracing::info!(path = %path.display(), "demo accounts created (readable by this user only)");
    Ok(path)
}
