//! Reading request bodies the same way on every surface. [`buffer`] reads each body once,
//! before anything else sees it, within the 64 KiB limit and the read timeout, and notes a
//! `Content-Encoding` paymock does not decode (anything but `identity`: a gzipped form read
//! as text would save nothing, or garbage). What went wrong with it is then refused by
//! [`failure`], on every route, once the surface has checked who is asking; [`read`] hands a
//! good body to the handler. Each surface turns a [`BodyError`] and an unwanted content type
//! into its own envelope.

use std::pin::Pin;
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, EXPECT};
use axum::http::{Extensions, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// Larger than the route's limit, which it carries: [`crate::BODY_LIMIT_BYTES`], or
    /// [`crate::IMPORT_LIMIT_BYTES`] for an import.
    TooLarge(usize),
    /// The client stopped sending, or sent something that is not a body.
    Unreadable,
    /// Not all there within the read timeout, which it carries for the message.
    TimedOut(Duration),
    /// Sent with a `Content-Encoding` paymock does not decode, which it carries (a 415).
    Encoded(String),
}

impl BodyError {
    /// A limit in words: `64 KiB`, `64 MiB`.
    pub fn size(limit: usize) -> String {
        if limit >= 1024 * 1024 { format!("{} MiB", limit / 1024 / 1024) } else { format!("{} KiB", limit / 1024) }
    }

    /// The message of [`BodyError::Encoded`], the same on every surface.
    pub fn encoded_message(coding: &str) -> String {
        format!("Content-Encoding {coding} is not supported: send the body as it is (identity), not compressed.")
    }
}

/// Middleware: reads the whole body into memory, stopping after [`crate::BODY_LIMIT_BYTES`]
/// plus one byte or at the read timeout, so that the journal and the handler both read it
/// from memory. When the body is too large, breaks off or is late, the request goes on with
/// what arrived and the [`BodyError`], for [`failure`] to find.
pub async fn buffer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.body().is_end_stream() {
        // No body (most GETs and DELETEs): nothing to wait for.
        return next.run(request).await;
    }
    // An imported scenario may be large; everything else is small.
    let limit =
        if request.uri().path() == "/__admin/import" { crate::IMPORT_LIMIT_BYTES } else { crate::BODY_LIMIT_BYTES };
    if expects_continue(request.headers()) && declared_length(request.headers()).is_some_and(|length| length > limit) {
        // The client waits for a 100 Continue before sending: it gets its 413 at once instead,
        // and the body is never asked for.
        let (mut parts, _unsent) = request.into_parts();
        parts.extensions.insert(BodyError::TooLarge(limit));
        return next.run(Request::from_parts(parts, Body::empty())).await;
    }
    let (mut parts, body) = request.into_parts();
    let (bytes, failure) = match tokio::time::timeout(state.read_timeout, read_up_to(body, limit)).await {
        Ok(Ok(bytes)) if bytes.len() > limit => (bytes, Some(BodyError::TooLarge(limit))),
        Ok(Ok(bytes)) if bytes.is_empty() => (bytes, None),
        Ok(Ok(bytes)) => {
            let encoded = undecoded_coding(&parts.headers).map(BodyError::Encoded);
            (bytes, encoded)
        }
        Ok(Err(partial)) => (partial, Some(BodyError::Unreadable)),
        Err(_) => (Bytes::new(), Some(BodyError::TimedOut(state.read_timeout))),
    };
    if let Some(failure) = failure {
        parts.extensions.insert(failure);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

/// The first content coding of the request other than `identity`, if any: paymock decodes
/// none.
fn undecoded_coding(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(CONTENT_ENCODING)
        .iter()
        .flat_map(|value| {
            String::from_utf8_lossy(value.as_bytes()).split(',').map(str::trim).map(str::to_owned).collect::<Vec<_>>()
        })
        .find(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case("identity"))
}

fn expects_continue(headers: &HeaderMap) -> bool {
    headers.get(EXPECT).is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"100-continue"))
}

fn declared_length(headers: &HeaderMap) -> Option<usize> {
    headers.get(CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

/// The body's bytes, stopping once there are more than `limit`; `Err` with the bytes so far
/// when the body breaks off.
async fn read_up_to(mut body: Body, limit: usize) -> Result<Bytes, Bytes> {
    let mut bytes = Vec::new();
    while bytes.len() <= limit {
        match std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    bytes.extend_from_slice(data);
                }
            }
            Some(Err(_)) => return Err(Bytes::from(bytes)),
            None => break,
        }
    }
    Ok(Bytes::from(bytes))
}

/// What went wrong with the request's body, if anything: each surface checks this on every
/// route, body or not, right after authentication and access, so that nothing is done for a
/// request whose body did not arrive whole.
pub fn failure(extensions: &Extensions) -> Result<(), BodyError> {
    extensions.get::<BodyError>().map_or(Ok(()), |failure| Err(failure.clone()))
}

/// The request's body as [`buffer`] left it in memory, or why it cannot be had.
pub async fn read(request: Request) -> Result<Bytes, BodyError> {
    failure(request.extensions())?;
    axum::body::to_bytes(request.into_body(), usize::MAX).await.map_err(|_| BodyError::Unreadable)
}

/// A duration for messages: `10 seconds`, `0.5 seconds`, `1 second`.
pub fn seconds(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds == 1.0 { "1 second".to_owned() } else { format!("{seconds} seconds") }
}

/// The media type of the `Content-Type` header, for error messages: `(none)` when absent.
/// Parameters are left out; a multipart boundary is noise to the reader.
pub fn content_type_shown(headers: &HeaderMap) -> String {
    match request_media_type(headers) {
        None => "(none)".to_owned(),
        Some(media_type) if media_type.is_empty() => "(empty)".to_owned(),
        Some(media_type) => media_type,
    }
}

/// The media type of a `Content-Type` value, lowercased and without parameters:
/// `Application/JSON; charset=utf-8` is `application/json`.
pub fn media_type(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// The media type of the request's `Content-Type`, if it has one.
pub fn request_media_type(headers: &HeaderMap) -> Option<String> {
    headers.get(CONTENT_TYPE).map(|value| media_type(&String::from_utf8_lossy(value.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_lose_case_and_parameters() {
        assert_eq!(media_type("Application/JSON; charset=utf-8"), "application/json");
        assert_eq!(media_type(" application/x-www-form-urlencoded "), "application/x-www-form-urlencoded");
        assert_eq!(media_type(""), "");
        assert_eq!(content_type_shown(&HeaderMap::new()), "(none)");
        let multipart = HeaderMap::from_iter([(
            CONTENT_TYPE,
            "multipart/form-data; boundary=------------------------d74496d66958873e".parse().unwrap(),
        )]);
        assert_eq!(content_type_shown(&multipart), "multipart/form-data");
    }

    #[test]
    fn every_coding_but_identity_is_undecoded() {
        let headers = |values: &[&str]| {
            let mut headers = HeaderMap::new();
            for value in values {
                headers.append(CONTENT_ENCODING, value.parse().unwrap());
            }
            headers
        };
        assert_eq!(undecoded_coding(&headers(&[])), None);
        assert_eq!(undecoded_coding(&headers(&["identity"])), None);
        assert_eq!(undecoded_coding(&headers(&[" Identity ", ""])), None);
        assert_eq!(undecoded_coding(&headers(&["gzip"])), Some("gzip".to_owned()));
        assert_eq!(undecoded_coding(&headers(&["identity, br"])), Some("br".to_owned()));
        assert_eq!(undecoded_coding(&headers(&["identity", "deflate"])), Some("deflate".to_owned()));
    }

    #[test]
    fn durations_read_as_seconds() {
        assert_eq!(seconds(Duration::from_secs(10)), "10 seconds");
        assert_eq!(seconds(Duration::from_secs(1)), "1 second");
        assert_eq!(seconds(Duration::from_millis(250)), "0.25 seconds");
    }
}
