//! Passwords as paymock keeps them: a salted SHA-256 hash, never the password itself, in the
//! database and in memory alike. Each hash has its own random salt, so equal passwords do not
//! look alike and a precomputed table does not help. SHA-256 is fast, which a real service
//! should not accept; for a sandbox that holds test credentials it is enough (SECURITY.md
//! says so), and it keeps a login as cheap as the benchmark needs.

use std::fmt;
use std::sync::LazyLock;

use sha2::{Digest, Sha256};

const SALT_BYTES: usize = 16;
const DIGEST_BYTES: usize = 32;
/// What the stored form starts with, naming the scheme.
const SCHEME: &str = "sha256";

/// A password's salted hash: SHA-256 over the salt followed by the password.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash {
    salt: [u8; SALT_BYTES],
    digest: [u8; DIGEST_BYTES],
}

/// What a password is checked against when there is no such user, so that the check does the
/// same work as for a wrong password.
static STAND_IN: LazyLock<PasswordHash> = LazyLock::new(|| PasswordHash::new(&uuid::Uuid::new_v4().to_string()));

impl PasswordHash {
    /// Hashes `password` under a fresh random salt (a version-4 UUID, 122 random bits).
    pub fn new(password: &str) -> PasswordHash {
        PasswordHash::with_salt(*uuid::Uuid::new_v4().as_bytes(), password)
    }

    fn with_salt(salt: [u8; SALT_BYTES], password: &str) -> PasswordHash {
        PasswordHash { salt, digest: digest(&salt, password) }
    }

    /// The hash to check a password against when the user does not exist: checking any
    /// password against it costs what checking against a real hash costs.
    pub fn stand_in() -> &'static PasswordHash {
        &STAND_IN
    }

    /// Whether `password` is the one hashed. It is hashed with this salt and the digests are
    /// compared in full, so the time taken does not depend on where the passwords differ; it
    /// grows only with the password's length, one SHA-256 block per 64 bytes.
    pub fn matches(&self, password: &str) -> bool {
        constant_time_eq(&digest(&self.salt, password), &self.digest)
    }

    /// Reads the stored form, `sha256$<salt>$<digest>` in lowercase hex.
    pub fn parse(stored: &str) -> Option<PasswordHash> {
        let mut parts = stored.split('$');
        let (scheme, salt, digest, rest) = (parts.next()?, parts.next()?, parts.next()?, parts.next());
        if scheme != SCHEME || rest.is_some() {
            return None;
        }
        Some(PasswordHash { salt: from_hex(salt)?, digest: from_hex(digest)? })
    }
}

impl fmt::Display for PasswordHash {
    /// The stored form, which [`PasswordHash::parse`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{SCHEME}${}${}", hex(&self.salt), hex(&self.digest))
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

fn digest(salt: &[u8], password: &str) -> [u8; DIGEST_BYTES] {
    Sha256::new().chain_update(salt).chain_update(password.as_bytes()).finalize().into()
}

/// Whether two byte strings are equal, in time that does not depend on where they differ.
pub fn constant_time_eq(given: &[u8], expected: &[u8]) -> bool {
    let mut difference = given.len() ^ expected.len();
    for i in 0..given.len().max(expected.len()) {
        let a = given.get(i).copied().unwrap_or(0);
        let b = expected.get(i).copied().unwrap_or(0);
        difference |= usize::from(a ^ b);
    }
    std::hint::black_box(difference) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn from_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != 2 * N || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mut bytes = [0; N];
    for (at, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * at..2 * at + 2], 16).ok()?;
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_matches_its_password_only() {
        let hash = PasswordHash::new("gReAt/PaSsWoRd123");
        assert!(hash.matches("gReAt/PaSsWoRd123"));
        for wrong in ["gReAt/PaSsWoRd124", "great/password123", "", "gReAt/PaSsWoRd1234"] {
            assert!(!hash.matches(wrong), "{wrong}");
        }
        assert!(!PasswordHash::stand_in().matches(""));
        assert_eq!(format!("{hash:?}"), "PasswordHash(..)");
    }

    #[test]
    fn each_hash_has_its_own_salt() {
        let (one, two) = (PasswordHash::new("pw"), PasswordHash::new("pw"));
        assert_ne!(one, two);
        assert_ne!(one.to_string(), two.to_string());
        assert!(one.matches("pw") && two.matches("pw"));
    }

    #[test]
    fn the_stored_form_round_trips_and_holds_no_password() {
        let hash = PasswordHash::new("Owner-Pass-1");
        let stored = hash.to_string();
        assert!(stored.starts_with("sha256$"), "{stored}");
        assert_eq!(stored.len(), "sha256$".len() + 32 + 1 + 64);
        assert!(!stored.contains("Owner-Pass-1"));
        assert_eq!(PasswordHash::parse(&stored), Some(hash));
        for bad in [
            "",
            "Owner-Pass-1",
            "sha256$$",
            "md5$00000000000000000000000000000000$0000000000000000000000000000000000000000000000000000000000000000",
            "sha256$0000000000000000000000000000000$0000000000000000000000000000000000000000000000000000000000000000",
            "sha256$0000000000000000000000000000000G$0000000000000000000000000000000000000000000000000000000000000000",
            "sha256$00000000000000000000000000000000$0000000000000000000000000000000000000000000000000000000000000000$",
        ] {
            assert_eq!(PasswordHash::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn matches_sha256_of_salt_then_password() {
        // SHA-256("abc"), with the salt "a" and the password "bc" (FIPS 180-2, appendix B.1).
        let digest = digest(b"a", "bc");
        assert_eq!(hex(&digest), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn equal_bytes_compare_equal_whatever_their_length() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"token", b"token"));
        assert!(!constant_time_eq(b"token", b"tokem"));
        assert!(!constant_time_eq(b"token", b"token2"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
