//! An `Xml<T>` response, the XML counterpart of axum's `Json<T>`: the value is serialized
//! with quick-xml behind the standalone XML declaration that JAXB-based services such as
//! Click2Mail's put first, with no whitespace between elements. Characters XML 1.0 cannot
//! carry at all (most control characters) are replaced by U+FFFD, so that every reply parses.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

pub const XML_DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

#[derive(Debug, Clone, Copy, Default)]
pub struct Xml<T>(pub T);

impl<T: Serialize> IntoResponse for Xml<T> {
    fn into_response(self) -> Response {
        let mut body = String::from(XML_DECLARATION);
        match quick_xml::se::to_writer(&mut body, &self.0) {
            Ok(_) => {
                let body = only_xml_characters(body);
                ([(header::CONTENT_TYPE, HeaderValue::from_static("application/xml"))], body).into_response()
            }
            Err(err) => {
                tracing::error!(%err, "cannot serialize an XML response");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}

/// `text` with each character XML 1.0 forbids replaced by U+FFFD: the control characters
/// but tab, newline and carriage return, and U+FFFE and U+FFFF.
fn only_xml_characters(text: String) -> String {
    let forbidden =
        |c: char| matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    if text.contains(forbidden) { text.replace(forbidden, "\u{fffd}") } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        assert_eq!(only_xml_characters("a\u{0}b\u{b}c\td\ne\u{fffe}".into()), "a\u{fffd}b\u{fffd}c\td\ne\u{fffd}");
        assert_eq!(only_xml_characters("<credit/>".into()), "<credit/>");
    }
}
