//! Passwords: argon2id hashes (the crate's default parameters, salted per password), the rule a
//! new password must meet, and one-time passwords district IT hands over.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Shortest password accepted, in characters.
pub const MIN_LEN: usize = 10;
/// Longest password accepted, in bytes: argon2 takes any length, the limit keeps a request
/// from making the server hash megabytes.
pub const MAX_BYTES: usize = 256;

/// Why a new password is refused; the message is the one the person reads.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Weak {
    #[error("密码至少需要 {MIN_LEN} 个字符 (at least {MIN_LEN} characters)")]
    TooShort,
    #[error("密码过长 (at most {MAX_BYTES} bytes)")]
    TooLong,
    #[error("密码须同时包含字母和数字 (letters and digits both)")]
    NoMix,
    #[error("新密码不能与原密码相同 (the new password must differ from the old one)")]
    Unchanged,
}

/// A hash of no one's password, verified against when a username is unknown so that the
/// answer takes as long as for a wrong password.
pub static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash("no-such-account-0").expect("hashing works"));

/// Checks a password a person chose.
pub fn acceptable(password: &str) -> Result<(), Weak> {
    if password.len() > MAX_BYTES {
        return Err(Weak::TooLong);
    }
    if password.chars().count() < MIN_LEN {
        return Err(Weak::TooShort);
    }
    let letters = password.chars().any(char::is_alphabetic);
    let digits = password.chars().any(|c| c.is_ascii_digit());
    if !(letters && digits) {
        return Err(Weak::NoMix);
    }
    Ok(())
}

/// The argon2id hash of `password`, in the PHC string format.
pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| anyhow::anyhow!("encoding a salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))?
        .to_string())
}

/// Whether `password` matches the stored hash. A hash that cannot be read matches nothing.
pub fn verify(password: &str, stored: &str) -> bool {
    if password.len() > MAX_BYTES {
        return false;
    }
    PasswordHash::new(stored).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A one-time password: 14 characters from an alphabet without look-alikes (no 0/O, 1/l/I),
/// with letters and digits both, so it passes [`acceptable`].
pub fn one_time() -> String {
    const LETTERS: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    loop {
        let candidate: String = (0..14)
            .map(|i| {
                let pool = if i % 4 == 3 { DIGITS } else { LETTERS };
                pool[rand::random_range(0..pool.len())] as char
            })
            .collect();
        if acceptable(&candidate).is_ok() {
            return candidate;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_and_nothing_else() {
        let stored = hash("街道2026flood").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("街道2026flood", &stored));
        assert!(!verify("街道2026Flood", &stored));
        assert!(!verify("街道2026flood", "not a hash"));
        assert_ne!(stored, hash("街道2026flood").unwrap(), "salted");
    }

    #[test]
    fn weak_passwords_are_refused_with_the_reason() {
        assert_eq!(acceptable("short1"), Err(Weak::TooShort));
        assert_eq!(acceptable("onlyletters"), Err(Weak::NoMix));
        assert_eq!(acceptable("1234567890"), Err(Weak::NoMix));
        assert_eq!(acceptable(&"a1".repeat(200)), Err(Weak::TooLong));
        assert_eq!(acceptable("longenough1"), Ok(()));
    }

    #[test]
    fn one_time_passwords_are_acceptable_and_differ() {
        let a = one_time();
        assert_eq!(acceptable(&a), Ok(()));
        assert_ne!(a, one_time());
    }
}
