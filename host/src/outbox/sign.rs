//! Signing a delivery: HMAC-SHA256 over the timestamp and the body, so that a receiver can
//! check who sent it and refuse an old one replayed.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header with the signatures.
pub const SIGNATURE: &str = "x-streetwise-signature";
/// The header with the Unix time (seconds) the signature covers.
pub const TIMESTAMP: &str = "x-streetwise-timestamp";

/// `sha256=<hex>` of HMAC-SHA256 with `secret` over `"{timestamp}.{body}"`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any size");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The signature header's value: one signature per secret, the current one first; while a
/// rotated-out secret still signs, a receiver that has only one of them accepts either.
pub fn header(secret: &str, previous: Option<&str>, timestamp: i64, body: &[u8]) -> String {
    let mut value = signature(secret, timestamp, body);
    if let Some(previous) = previous {
        value.push(',');
        value.push_str(&signature(previous, timestamp, body));
    }
    value
}

#[cfg(test)]
mod tests {
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    use super::*;

    #[test]
    fn the_mac_is_rfc_4231s() {
        // RFC 4231, test case 2.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_signature_covers_the_time_and_the_body() {
        let body = br#"{"change":"closed"}"#;
        let signed = signature("s3cret", 1_800_000_000, body);
        assert!(signed.starts_with("sha256=") && signed.len() == 7 + 64);
        assert_ne!(signed, signature("s3cret", 1_800_000_001, body));
        assert_ne!(signed, signature("s3cret", 1_800_000_000, b"{}"));
        assert_ne!(signed, signature("other", 1_800_000_000, body));
        let both = header("new", Some("old"), 1, body);
        assert_eq!(
            both,
            format!(
                "{},{}",
                signature("new", 1, body),
                signature("old", 1, body)
            )
        );
    }
}
