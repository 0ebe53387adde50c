//! Device tokens and enrolment codes: made from the OS's random source, stored only as SHA-256
//! hashes, compared in constant time.

use rand::Rng;
use sha2::{Digest, Sha256};

/// An identifier for something short-lived (a node's run, a sync link): 64 random bits, hex.
pub fn new_id() -> String {
    let bytes: [u8; 8] = rand::rng().random();
    hex::encode(bytes)
}

/// A device token: 256 random bits, hex encoded.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex::encode(bytes)
}

/// The SHA-256 of a secret, hex encoded: what the registry keeps.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Equality that takes the same time whatever the inputs share.
pub fn ct_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Letters and digits that cannot be mistaken for each other when read aloud or typed
/// (no 0/O, 1/I/L).
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

fn random_string(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A one-time enrolment code `IIII-SSSSSSSS`: a public id and a 40-bit secret.
pub fn new_code() -> (String, String) {
    (random_string(4), random_string(8))
}

/// Splits a typed code into id and secret (case and spaces ignored). What follows them (the
/// fingerprint of the server's certificate, which the client checks) is not the server's
/// business.
pub fn parse_code(typed: &str) -> Option<(String, String)> {
    let t: String = typed
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let mut parts = t.split('-');
    let (id, secret) = (parts.next()?, parts.next()?);
    (id.len() == 4 && secret.len() == 8).then(|| (id.to_owned(), secret.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bits_and_distinct() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(ct_eq(&hash(&a), &hash(&a)));
        assert!(!ct_eq(&hash(&a), &hash(&b)));
    }

    #[test]
    fn codes_parse_back() {
        let (id, secret) = new_code();
        let typed = format!(" {}-{} ", id.to_lowercase(), secret.to_lowercase());
        assert_eq!(parse_code(&typed), Some((id.clone(), secret.clone())));
        assert_eq!(parse_code("ABCD"), None);
        let pinned = format!("{id}-{secret}-0123456789ABCDEFGHJKMNPQRS");
        assert_eq!(parse_code(&pinned), Some((id, secret)));
    }
}
