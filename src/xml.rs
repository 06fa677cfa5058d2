//! An `Xml<T>` response, the XML counterpart of axum's `Json<T>`: the value is serialized
//! with quick-xml behind the standalone XML declaration that JAXB-based services such as
//! Click2Mail's put first, with no whitespace between elements.

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
            Ok(_) => ([(header::CONTENT_TYPE, HeaderValue::from_static("application/xml"))], body).into_response(),
            Err(err) => {
                tracing::error!(%err, "cannot serialize an XML response");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}
