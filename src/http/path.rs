//! Request paths as real clients build them. A base URL that ends in `/` joined to a path
//! that starts with one gives `//molpro/credit`; some SDKs end every path in `/`. The vendors'
//! web servers forgive both, so paymock routes the canonical path: repeated slashes count as
//! one, and a vendor path may end in a slash. Replies build their URLs from their own
//! canonical paths, never from the request's.

/// The path prefixes of the vendor APIs, where a trailing slash is forgiven.
pub const VENDOR_PREFIXES: [&str; 2] = ["/molpro/", "/accounts/"];

/// `path` with each run of slashes made one, and a trailing slash dropped from a vendor path.
pub fn canonical(path: &str) -> std::borrow::Cow<'_, str> {
    let repeated = path.contains("//");
    let trailing =
        |path: &str| path.len() > 1 && path.ends_with('/') && VENDOR_PREFIXES.iter().any(|p| path.starts_with(p));
    if !repeated && !trailing(path) {
        return std::borrow::Cow::Borrowed(path);
    }
    let mut canonical = String::with_capacity(path.len());
    for c in path.chars() {
        if !(c == '/' && canonical.ends_with('/')) {
            canonical.push(c);
        }
    }
    if trailing(&canonical) {
        canonical.pop();
    }
    std::borrow::Cow::Owned(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_slashes_are_one_and_vendor_paths_may_end_in_a_slash() {
        for (given, expected) in [
            ("/molpro/credit", "/molpro/credit"),
            ("/molpro/credit/", "/molpro/credit"),
            ("//molpro/credit", "/molpro/credit"),
            ("/molpro//credit///purchase/", "/molpro/credit/purchase"),
            ("/accounts//1001/paymentInfo/", "/accounts/1001/paymentInfo"),
            ("/accounts/1001/paymentInfo/default/", "/accounts/1001/paymentInfo/default"),
            ("/", "/"),
            ("//", "/"),
            ("/__admin/state/", "/__admin/state/"),
            ("//__admin//state", "/__admin/state"),
        ] {
            assert_eq!(canonical(given), expected, "{given}");
        }
    }
}
