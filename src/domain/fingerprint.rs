//! Keyed fingerprints of card and bank account numbers: HMAC-SHA-256 under a key that is
//! made at random for each database. Two saves of the same number give the same
//! fingerprint, so duplicates can be found without the number ever being stored.

use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Clone)]
pub struct FingerprintKey([u8; 32]);

impl FingerprintKey {
    /// A fresh random key (from two version-4 UUIDs, 244 random bits).
    pub fn generate() -> FingerprintKey {
        let mut key = [0u8; 32];
        key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        FingerprintKey(key)
    }

    pub fn from_hex(text: &str) -> Option<FingerprintKey> {
        let bytes = (0..text.len())
            .step_by(2)
            .map(|at| text.get(at..at + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()));
        let bytes: Option<Vec<u8>> = bytes.collect();
        Some(FingerprintKey(bytes?.try_into().ok()?))
    }

    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// The fingerprint of a sequence of parts, such as a routing number and an account
    /// number. Parts are length-prefixed, so `("12", "3")` and `("1", "23")` differ.
    pub fn fingerprint(&self, parts: &[&str]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        hex(&mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey(..)")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_depend_on_key_and_parts() {
        let key = FingerprintKey::generate();
        let other = FingerprintKey::generate();
        let card = key.fingerprint(&["4111111111111111"]);
        assert_eq!(card.len(), 64);
        assert_eq!(card, key.fingerprint(&["4111111111111111"]));
        assert!(!card.contains("4111111111111111"));
        assert_ne!(card, other.fingerprint(&["4111111111111111"]));
        assert_ne!(key.fingerprint(&["12", "3"]), key.fingerprint(&["1", "23"]));
    }

    #[test]
    fn keys_round_trip_through_hex() {
        let key = FingerprintKey::generate();
        let again = FingerprintKey::from_hex(&key.to_hex()).unwrap();
        assert_eq!(key.fingerprint(&["x"]), again.fingerprint(&["x"]));
        assert!(FingerprintKey::from_hex("abc").is_none());
        assert!(FingerprintKey::from_hex(&"zz".repeat(32)).is_none());
        assert_eq!(format!("{key:?}"), "FingerprintKey(..)");
    }

    #[test]
    fn matches_the_rfc_4231_test_vector() {
        // RFC 4231 test case 2, through the length prefix: check the primitive once directly.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
