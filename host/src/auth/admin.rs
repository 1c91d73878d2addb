//! The bootstrap admin token: from `STREETWISE_ADMIN_TOKEN`, or generated once into the data
//! directory with owner-only permissions. It is a district admin that needs no database row,
//! so a fresh install can be administered before any token is created. Never logged.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::settings::Settings;

pub const TOKEN_FILE: &str = "admin-token";

/// The admin token to accept.
pub fn admin_token(settings: &Settings) -> anyhow::Result<String> {
    if let Some(token) = settings.admin_token.as_deref().map(str::trim)
        && !token.is_empty()
    {
        if token.len() < 16 {
            anyhow::bail!("STREETWISE_ADMIN_TOKEN is too short: use at least 16 characters");
        }
        return Ok(token.to_string());
    }
    let path = settings.data_dir.join(TOKEN_FILE);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let token = existing.trim().to_string();
        if !token.is_empty() {
            tracing::info!(path = %path.display(), "admin token read from file");
            return Ok(token);
        }
    }
    let token = generate();
    write_private(&path, &token)?;
    tracing::info!(path = %path.display(), "admin token generated (readable by this user only)");
    Ok(token)
}

fn generate() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

pub(super) fn write_private(path: &Path, token: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write the admin token to {}", path.display()))?;
    writeln!(file, "{token}")?;
    Ok(())
}

/// Compares a presented token with the expected one in constant time.
pub fn token_matches(presented: &str, expected: &str) -> bool {
    let (a, b) = (presented.as_bytes(), expected.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_must_match_exactly() {
        assert!(token_matches("abc", "abc"));
        assert!(!token_matches("abd", "abc"));
        assert!(!token_matches("ab", "abc"));
    }

    #[test]
    fn a_generated_token_is_private_and_reused() {
        let dir = std::env::temp_dir().join(format!("streetwise-token-{}", std::process::id()));
        let mut settings = Settings::defaults();
        settings.admin_token = None;
        settings.data_dir = dir.clone();
        let first = admin_token(&settings).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(admin_token(&settings).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(TOKEN_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
