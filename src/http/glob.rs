//! Path globs, as the journal's filters and the fault rules take them: `*` matches any run of
//! characters, everything else itself.

/// `*` matches any run of characters, everything else itself. Linear in the text for any
/// pattern: on a mismatch it only ever backtracks to the last `*`.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let (pattern, text) = (pattern.as_bytes(), text.as_bytes());
    let (mut p, mut t) = (0, 0);
    let mut last_star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            last_star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((star, matched)) = last_star {
            p = star + 1;
            t = matched + 1;
            last_star = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_paths() {
        assert!(glob_matches("/molpro/*", "/molpro/credit/purchase"));
        assert!(glob_matches("/accounts/*/paymentInfo", "/accounts/1001/paymentInfo"));
        assert!(!glob_matches("/accounts/*/paymentInfo", "/accounts/1001/paymentInfo/cc-1"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("/molpro/credit", "/molpro/credit"));
        assert!(!glob_matches("/molpro/credit", "/molpro/credit/purchase"));
        assert!(glob_matches("*a*b", "xxaxxb"));
        assert!(!glob_matches("*a*b", "xxaxxbx"));
        assert!(glob_matches("a**", "a"));
        // A pattern that takes exponential time in a naive matcher.
        let text = "a".repeat(3000);
        assert!(!glob_matches(&format!("{}b", "*a".repeat(12)), &text));
    }
}
