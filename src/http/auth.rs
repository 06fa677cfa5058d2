//! HTTP Basic authentication, shared by both vendors: reading the `Authorization` header and
//! checking a password against its stored hash. Each vendor turns an [`AuthError`] into its
//! own 401 reply.

use axum::http::{HeaderMap, header::AUTHORIZATION};
use base64::{Engine, engine::general_purpose::STANDARD};

use crate::domain::password::PasswordHash;

/// Credentials as the client sent them; nothing is checked against the store yet.
#[derive(Clone)]
pub struct BasicCredentials {
    pub username: String,
    password: String,
}

/// Why a request is not authenticated. Unknown users and wrong passwords share one variant
/// so that a client cannot tell which usernames exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the Authorization header is missing")]
    Missing,
    #[error("the Authorization header must use the Basic scheme")]
    NotBasic,
    #[error("the Basic credentials are not valid base64")]
    NotBase64,
    #[error("the Basic credentials must be UTF-8 text of the form username:password")]
    Malformed,
    #[error("the username or password is wrong")]
    WrongCredentials,
}

impl BasicCredentials {
    pub fn from_headers(headers: &HeaderMap) -> Result<BasicCredentials, AuthError> {
        let value = headers.get(AUTHORIZATION).ok_or(AuthError::Missing)?.as_bytes().trim_ascii();
        let (scheme, encoded) = match value.iter().position(|&byte| byte == b' ') {
            Some(at) => (&value[..at], &value[at + 1..]),
            None => (value, &[][..]),
        };
        if !scheme.eq_ignore_ascii_case(b"basic") {
            return Err(AuthError::NotBasic);
        }
        let decoded = STANDARD.decode(encoded.trim_ascii()).map_err(|_| AuthError::NotBase64)?;
        let decoded = String::from_utf8(decoded).map_err(|_| AuthError::Malformed)?;
        let (username, password) = decoded.split_once(':').ok_or(AuthError::Malformed)?;
        Ok(BasicCredentials { username: username.to_owned(), password: password.to_owned() })
    }

    /// Checks the password against the user's stored hash, `None` when the user does not
    /// exist. Both cases do the same work: without a user the password is checked against a
    /// stand-in hash, so the time taken does not depend on whether the user exists, nor (see
    /// [`PasswordHash::matches`]) on where the passwords differ.
    pub fn verify(&self, stored: Option<&PasswordHash>) -> Result<(), AuthError> {
        let matches = stored.unwrap_or_else(|| PasswordHash::stand_in()).matches(&self.password);
        if matches && stored.is_some() { Ok(()) } else { Err(AuthError::WrongCredentials) }
    }
}

impl std::fmt::Debug for BasicCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicCredentials").field("username", &self.username).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn parse(header: Option<&str>) -> Result<BasicCredentials, AuthError> {
        let mut headers = HeaderMap::new();
        if let Some(value) = header {
            headers.insert(AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        }
        BasicCredentials::from_headers(&headers)
    }

    #[test]
    fn reads_basic_credentials() {
        // base64("awesomeuser:gReAt/PaSsWoRd123")
        let credentials = parse(Some("Basic YXdlc29tZXVzZXI6Z1JlQXQvUGFTc1dvUmQxMjM=")).unwrap();
        assert_eq!(credentials.username, "awesomeuser");
        assert_eq!(credentials.verify(Some(&PasswordHash::new("gReAt/PaSsWoRd123"))), Ok(()));
        // A colon in the password belongs to the password.
        let credentials = parse(Some("basic dTpwOnE=")).unwrap();
        let verified = credentials.verify(Some(&PasswordHash::new("p:q")));
        assert_eq!((credentials.username.as_str(), verified), ("u", Ok(())));
    }

    #[test]
    fn names_what_is_wrong_with_the_header() {
        assert_eq!(parse(None).unwrap_err(), AuthError::Missing);
        assert_eq!(parse(Some("Bearer abc")).unwrap_err(), AuthError::NotBasic);
        assert_eq!(parse(Some("Basic")).unwrap_err(), AuthError::Malformed);
        assert_eq!(parse(Some("Basic !!!")).unwrap_err(), AuthError::NotBase64);
        assert_eq!(parse(Some("Basic dXNlcg==")).unwrap_err(), AuthError::Malformed); // "user"
        assert_eq!(parse(Some("Basic /w==")).unwrap_err(), AuthError::Malformed); // 0xFF
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, HeaderValue::from_bytes(b"Basic \xe9t\xe9").unwrap());
        assert_eq!(BasicCredentials::from_headers(&headers).unwrap_err(), AuthError::NotBase64);
    }

    #[test]
    fn wrong_passwords_and_unknown_users_fail_alike() {
        let credentials = parse(Some("Basic dTpw")).unwrap(); // "u:p"
        for stored in ["q", "pp", ""] {
            assert_eq!(credentials.verify(Some(&PasswordHash::new(stored))), Err(AuthError::WrongCredentials));
        }
        assert_eq!(credentials.verify(None), Err(AuthError::WrongCredentials));
        assert_eq!(parse(Some("Basic dTo=")).unwrap().verify(None), Err(AuthError::WrongCredentials)); // "u:"
        assert_eq!(format!("{credentials:?}"), r#"BasicCredentials { username: "u", .. }"#);
    }
}
