//! The names users and accounts go by, whichever door they come in through: a fixture file
//! or the control plane. One rule, so that both doors agree and a name means one thing
//! everywhere it appears: 1 to 64 of `A-Z a-z 0-9 . _ @ -`, and not `.` or `..`.
//!
//! So a name is the same in a path (`/accounts/{id}/…`, where `..` would be read as the
//! parent), in a link, and in Basic credentials (no `:` to split on), with no surrounding
//! space that one reader trims and another keeps.

/// The longest name.
pub const MAX_LEN: usize = 64;

/// What a name must be, as a hint after the field's name.
pub const RULE: &str = "must be 1 to 64 of A-Z, a-z, 0-9, '.', '_', '@' and '-', and not '.' or '..'";

/// What a namespace name must be, as a hint: the same, without `@`, so that a name reads the
/// same in a base URL's path as anywhere else.
pub const NAMESPACE_RULE: &str = "must be 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-', and not '.' or '..'";

/// Whether `name` may name a user or an account.
pub fn is_valid(name: &str) -> bool {
    follows_rule(name, b"._@-")
}

/// Whether `name` may name a namespace.
pub fn is_namespace(name: &str) -> bool {
    follows_rule(name, b"._-")
}

fn follows_rule(name: &str, punctuation: &[u8]) -> bool {
    (1..=MAX_LEN).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || punctuation.contains(&b))
        && name != "."
        && name != ".."
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_and_never_a_dot_segment() {
        for good in ["1001", "acme-owner", "a.b", "x@example.com", "...", "_", &"a".repeat(64)] {
            assert!(is_valid(good), "{good}");
        }
        for bad in ["", ".", "..", " 1001", "1001 ", "a b", "a:b", "a/b", "é", "a%20", "a\n", &"a".repeat(65)] {
            assert!(!is_valid(bad), "{bad:?}");
        }
    }
}
