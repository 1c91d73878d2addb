//! `streetwise token ...` and `streetwise account ...`: district IT's commands for machines
//! and people. Each connects to the database the server uses; secrets are printed once, on
//! stdout, and everything else on stderr.

use clap::Subcommand;

use crate::auth::{accounts, tokens};
use crate::domain::{Principal, Scope, Source};
use crate::settings::Settings;
use crate::storage::Db;

#[derive(Subcommand, Debug)]
pub enum Token {
    /// Create a token and print it once (on stdout; only its hash is stored).
    Create {
        #[arg(long, value_enum)]
        scope: Scope,
        /// The street (code, slug or name such as 布吉): required for street_admin, optional
        /// for read_only.
        #[arg(long)]
        street: Option<String>,
        /// The person a `staff` token acts as (a staff id).
        #[arg(long)]
        staff: Option<String>,
        /// The sources a `channel` token may submit from, comma-separated: hotline,web.
        #[arg(long, value_delimiter = ',')]
        sources: Vec<String>,
        /// Who holds it and what for, e.g. "布吉 team".
        #[arg(long)]
        label: String,
        #[command(flatten)]
        settings: Settings,
    },
    /// List tokens: id, scope, street, label, created, revoked. Never their secrets.
    List {
        #[command(flatten)]
        settings: Settings,
    },
    /// Revoke a token by its id (or the whole token); it is refused from the next request on.
    Revoke {
        id: String,
        #[command(flatten)]
        settings: Settings,
    },
}

#[derive(Subcommand, Debug)]
pub enum Account {
    /// Create an account for a person of the staff directory; prints a one-time password
    /// they must change at their first sign-in.
    Create {
        /// The person's staff id, e.g. buji.safety.004.
        staff_id: String,
        /// The name they sign in with (the staff id when not given).
        #[arg(long)]
        username: Option<String>,
        #[command(flatten)]
        settings: Settings,
    },
    /// Give an account a new one-time password and lift its lock-out; its sessions end.
    Reset {
        /// Username or staff id.
        account: String,
        #[command(flatten)]
        settings: Settings,
    },
    /// Disable an account at once: its sessions end and it can no longer sign in.
    Disable {
        account: String,
        #[command(flatten)]
        settings: Settings,
    },
    /// Enable a disabled account again.
    Enable {
        account: String,
        #[command(flatten)]
        settings: Settings,
    },
    /// List accounts: username, person, post, state. Never passwords.
    List {
        #[command(flatten)]
        settings: Settings,
    },
}

/// The command line acts as the bootstrap admin, recorded as `cli:<user>`.
fn cli_principal() -> Principal {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    Principal {
        id: format!("cli:{user}"),
        ..Principal::bootstrap_admin()
    }
}

pub async fn account(command: Account) -> anyhow::Result<()> {
    let settings = match &command {
        Account::Create { settings, .. }
        | Account::Reset { settings, .. }
        | Account::Disable { settings, .. }
        | Account::Enable { settings, .. }
        | Account::List { settings } => settings,
    };
    let db = Db::connect(&settings.database_url()).await?;
    let result = run_account(&db, command).await;
    db.close().await;
    result
}

async fn run_account(db: &Db, command: Account) -> anyhow::Result<()> {
    let (reference, _) = crate::seed::stored_or_seeded(db).await?;
    let by = cli_principal();
    match command {
        Account::Create {
            staff_id, username, ..
        } => {
            let created =
                accounts::create(db, &reference, &staff_id, username.as_deref(), &by).await?;
            eprintln!(
                "account {} created for {} ({}). Its one-time password is below: hand it over \
                 privately; it must be changed at the first sign-in.",
                created.username, created.name, created.staff_id
            );
            println!("{}", created.password);
        }
        Account::Reset { account, .. } => {
            let reset = accounts::reset(db, &reference, &account, &by).await?;
            eprintln!(
                "new one-time password for {} ({}), below; their sessions have ended.",
                reset.username, reset.name
            );
            println!("{}", reset.password);
        }
        Account::Disable { ref account, .. } | Account::Enable { ref account, .. } => {
            let disable = matches!(command, Account::Disable { .. });
            let account = accounts::set_disabled(db, account, disable, &by).await?;
            let state = if disable {
                "disabled; its sessions have ended"
            } else {
                "enabled"
            };
            println!(
                "account {} ({}) {state}",
                account.username, account.staff_id
            );
        }
        Account::List { .. } => {
            println!(
                "{:<24}  {:<32}  {:<8}  {:<14}  {:<10}  last sign-in",
                "username", "staff id", "name", "post", "state"
            );
            for account in accounts::list(db).await? {
                let person = reference.staff_member(&account.staff_id);
                let state = match (
                    &account.disabled_at,
                    &account.locked_until,
                    account.must_change,
                ) {
                    (Some(_), _, _) => "disabled",
                    (None, Some(until), _) if *until > jiff::Timestamp::now() => "locked",
                    (None, _, true) => "one-time",
                    _ => "active",
                };
                println!(
                    "{:<24}  {:<32}  {:<8}  {:<14}  {:<10}  {}",
                    account.username,
                    account.staff_id,
                    person.map_or("?", |p| p.name.as_str()),
                    person.map_or("?", |p| p.role.label()),
                    state,
                    account
                        .last_sign_in_at
                        .map_or("-".into(), crate::calendar::rfc3339)
                );
            }
        }
    }
    Ok(())
}

pub async fn token(command: Token) -> anyhow::Result<()> {
    let settings = match &command {
        Token::Create { settings, .. }
        | Token::List { settings }
        | Token::Revoke { settings, .. } => settings,
    };
    let db = Db::connect(&settings.database_url()).await?;
    let result = match command {
        Token::Create {
            scope,
            street,
            staff,
            sources,
            label,
            ..
        } => {
            let sources = match parse_sources(&sources) {
                Ok(sources) => sources,
                Err(e) => {
                    db.close().await;
                    return Err(e);
                }
            };
            let request = tokens::NewToken {
                scope,
                street,
                label,
                created_by: cli_principal().id,
                staff_id: staff,
                sources,
            };
            tokens::create(&db, request).await.map(|issued| {
                let t = &issued.record;
                eprintln!(
                    "created token {} ({}{}, \"{}\"). It is shown once, below: store it now.",
                    t.id,
                    t.scope.as_str(),
                    issued
                        .street_name
                        .as_deref()
                        .zip(t.street_code.as_deref())
                        .map(|(name, code)| format!(" of {name} {code}"))
                        .unwrap_or_default(),
                    t.label
                );
                println!("{}", issued.token);
            })
        }
        Token::List { .. } => tokens::list(&db).await.map(|all| {
            println!(
                "{:<12}  {:<14}  {:<9}  {:<25}  {:<25}  {:<16}  label",
                "id", "scope", "street", "created", "revoked", "by"
            );
            for t in all {
                println!(
                    "{:<12}  {:<14}  {:<9}  {:<25}  {:<25}  {:<16}  {}",
                    t.id,
                    t.scope.as_str(),
                    t.street_code.as_deref().unwrap_or("-"),
                    crate::calendar::rfc3339(t.created_at),
                    t.revoked_at.map_or("-".into(), crate::calendar::rfc3339),
                    t.created_by,
                    t.label
                );
            }
        }),
        Token::Revoke { id, .. } => tokens::revoke(&db, &id).await.map(|revoked| {
            let at = revoked
                .record
                .revoked_at
                .map_or(String::new(), crate::calendar::rfc3339);
            if revoked.already {
                println!("token {} was already revoked at {at}", revoked.record.id);
            } else {
                println!("token {} revoked at {at}", revoked.record.id);
            }
        }),
    };
    db.close().await;
    result
}

fn parse_sources(names: &[String]) -> anyhow::Result<Vec<Source>> {
    names
        .iter()
        .map(|name| {
            Source::parse(name.trim()).ok_or_else(|| {
                let known: Vec<&str> = Source::ALL.iter().map(|s| s.as_str()).collect();
                anyhow::anyhow!("unknown source {name:?}; one of {}", known.join(", "))
            })
        })
        .collect()
}
