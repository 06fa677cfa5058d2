//! Percent-decoding of `application/x-www-form-urlencoded` text, shared by the Click2Mail
//! parameters and the journal's masking.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_escapes() {
        assert_eq!(percent_decode(b"a+b%21%zz%4"), b"a b!%zz%4");
        assert_eq!(percent_decode(b"%E2%82%AC"), "€".as_bytes());
        assert_eq!(percent_decode(b"%FF"), [0xFF]);
    }
}
