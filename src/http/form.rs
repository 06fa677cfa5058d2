//! Form fields as clients send them, shared by the Click2Mail parameters and the journal:
//! `application/x-www-form-urlencoded` in the `charset` it names (UTF-8 unless it says
//! ISO-8859-1 or windows-1252), and `multipart/form-data`.

use std::convert::Infallible;

use axum::body::Bytes;
use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// `+` is a space and `%XX` a byte; a `%` not followed by two hex digits stays as it is.
/// Whether the bytes are UTF-8 is the caller's question.
pub fn percent_decode(input: &[u8]) -> Vec<u8> {
    let hex = |byte: u8| (byte as char).to_digit(16);
    let mut bytes = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let escaped = match input.get(i..i + 3) {
            Some([b'%', high, low]) => hex(*high).zip(hex(*low)).map(|(high, low)| (high * 16 + low) as u8),
            _ => None,
        };
        match (escaped, input[i]) {
            (Some(byte), _) => {
                bytes.push(byte);
                i += 3;
            }
            (None, b'+') => {
                bytes.push(b' ');
                i += 1;
            }
            (None, byte) => {
                bytes.push(byte);
                i += 1;
            }
        }
    }
    bytes
}

/// The encoding a form's `charset` names: UTF-8 when it names none, or ISO-8859-1 and
/// windows-1252 (which browsers treat as one); any other is refused: `Err` holds its name.
pub fn charset(content_type: &str) -> Result<&'static Encoding, String> {
    let charset = content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches('"').to_owned())
    });
    let Some(charset) = charset else { return Ok(UTF_8) };
    match Encoding::for_label(charset.as_bytes()) {
        Some(encoding) if encoding == UTF_8 || encoding == WINDOWS_1252 => Ok(encoding),
        _ => Err(charset),
    }
}

/// Decodes `application/x-www-form-urlencoded` in `encoding`: `+` is a space, `%XX` a byte,
/// and a `%` not followed by two hex digits stays as it is. Written out rather than taken from
/// serde_urlencoded because that replaces invalid UTF-8 with U+FFFD, and the client must be
/// told instead. Pairs whose name cannot be decoded are dropped: no parameter has such a name.
pub fn decode_urlencoded(input: &[u8], encoding: &'static Encoding) -> Vec<(String, Option<String>)> {
    let mut pairs = Vec::new();
    for pair in input.split(|&byte| byte == b'&').filter(|pair| !pair.is_empty()) {
        let (name, value) = match pair.iter().position(|&byte| byte == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &[][..]),
        };
        if let Some(name) = decode(&percent_decode(name), encoding) {
            pairs.push((name, decode(&percent_decode(value), encoding)));
        }
    }
    pairs
}

/// The fields of a `multipart/form-data` body, each decoded by its own `charset` (UTF-8 when
/// it names none). A value that cannot be decoded is kept as `None`, as in a form; `Err` says
/// why the body is malformed.
pub async fn decode_multipart(body: Bytes, content_type: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let malformed = |reason: String| reason;
    let boundary = multer::parse_boundary(content_type).map_err(|err| malformed(err.to_string()))?;
    let mut multipart =
        multer::Multipart::new(futures_util::stream::once(async move { Ok::<_, Infallible>(body) }), boundary);
    let mut fields = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|err| malformed(err.to_string()))? {
        let Some(name) = field.name().map(str::to_owned) else { continue };
        let encoding = field
            .content_type()
            .and_then(|mime| mime.get_param("charset"))
            .and_then(|charset| Encoding::for_label(charset.as_str().as_bytes()))
            .unwrap_or(UTF_8);
        let bytes = field.bytes().await.map_err(|err| malformed(err.to_string()))?;
        fields.push((name, decode(&bytes, encoding)));
    }
    Ok(fields)
}

/// `bytes` as text in `encoding`; `None` when they are not valid in it.
pub fn decode(bytes: &[u8], encoding: &'static Encoding) -> Option<String> {
    encoding.decode_without_bom_handling_and_without_replacement(bytes).map(|text| text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_forms_keeping_invalid_utf8_visible() {
        let pairs = decode_urlencoded(b"a=1&b=x+y%21&&c&d=%zz&e=%E2%82%AC&f=%FF&%C3%28=dropped", UTF_8);
        let expected =
            [("a", Some("1")), ("b", Some("x y!")), ("c", Some("")), ("d", Some("%zz")), ("e", Some("€")), ("f", None)];
        assert_eq!(pairs, expected.map(|(k, v)| (k.to_string(), v.map(String::from))));
    }

    #[test]
    fn latin1_forms_are_decoded_as_such() {
        let pairs = decode_urlencoded(b"billingName=Jos%E9+M%FCller&x=%80", WINDOWS_1252);
        let expected = [("billingName", Some("José Müller")), ("x", Some("€"))];
        assert_eq!(pairs, expected.map(|(k, v)| (k.to_string(), v.map(String::from))));
    }

    #[test]
    fn a_form_charset_is_utf8_latin1_or_windows_1252() {
        for (content_type, expected) in [
            ("application/x-www-form-urlencoded", UTF_8),
            ("application/x-www-form-urlencoded; charset=UTF-8", UTF_8),
            ("application/x-www-form-urlencoded;charset=\"utf8\"", UTF_8),
            ("application/x-www-form-urlencoded; charset=ISO-8859-1", WINDOWS_1252),
            ("application/x-www-form-urlencoded; Charset=latin1", WINDOWS_1252),
            ("application/x-www-form-urlencoded; charset=windows-1252", WINDOWS_1252),
        ] {
            assert_eq!(charset(content_type).unwrap(), expected, "{content_type}");
        }
        for charset in ["Shift_JIS", "utf-16", "nonsense"] {
            let content_type = format!("application/x-www-form-urlencoded; charset={charset}");
            assert_eq!(super::charset(&content_type), Err(charset.to_owned()));
        }
    }

    #[test]
    fn decodes_plus_and_escapes() {
        assert_eq!(percent_decode(b"a+b%21%zz%4"), b"a b!%zz%4");
        assert_eq!(percent_decode(b"%E2%82%AC"), "€".as_bytes());
        assert_eq!(percent_decode(b"%FF"), [0xFF]);
    }
}
