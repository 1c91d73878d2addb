//! The token's form, `sw_<id>_<secret>`: a public id to find the row by, and a random secret
//! of which only the sha256 is stored. The id makes look-up one indexed read; the comparison
//! of hashes is constant-time.

use sha2::{Digest, Sha256};

const PREFIX: &str = "sw_";
/// Hex digits of the public id (48 random bits: unique among a district's tokens, and the
/// primary key refuses a collision).
const ID_LEN: usize = 12;
/// Hex digits of the secret (32 random bytes).
const SECRET_LEN: usize = 64;

/// A new token: what to show once, and what to store.
pub(crate) struct Minted {
    pub id: String,
    pub token: String,
    pub secret_sha256: String,
}

pub(crate) fn mint() -> Minted {
    let id = hex::encode(rand::random::<[u8; ID_LEN / 2]>());
    let secret = hex::encode(rand::random::<[u8; SECRET_LEN / 2]>());
    Minted {
        token: format!("{PREFIX}{id}_{secret}"),
        secret_sha256: hash(&secret),
        id,
    }
}

/// The id and secret of a token in the `sw_` form, or `None` for anything else.
pub(crate) fn split(token: &str) -> Option<(&str, &str)> {
    let (id, secret) = token.strip_prefix(PREFIX)?.split_once('_')?;
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(id, ID_LEN) && hex(secret, SECRET_LEN)).then_some((id, secret))
}

/// The id named by a token or by its id alone (as `token list` shows it).
pub(crate) fn id_of(token_or_id: &str) -> &str {
    let token_or_id = token_or_id.trim();
    split(token_or_id).map_or(token_or_id, |(id, _)| id)
}

pub(crate) fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_token_splits_into_its_id_and_a_secret_matching_the_stored_hash() {
        let minted = mint();
        let (id, secret) = split(&minted.token).unwrap();
        assert_eq!(id, minted.id);
        assert_eq!(hash(secret), minted.secret_sha256);
        assert!(!minted.token.contains(&minted.secret_sha256));
        assert_ne!(mint().token, minted.token);
    }

    #[test]
    fn anything_else_is_not_a_token() {
        let minted = mint();
        for bad in [
            "",
            "sw_",
            "bearer-admin-token",
            &minted.token[..minted.token.len() - 1],
            &minted.token.replace("sw_", "xx_"),
            &format!("{}g", &minted.token[..minted.token.len() - 1]),
        ] {
            assert_eq!(split(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_token_or_its_id_names_the_id() {
        let minted = mint();
        assert_eq!(id_of(&minted.token), minted.id);
        assert_eq!(id_of(&minted.id), minted.id);
    }
}
