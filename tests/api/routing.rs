//! What every route shares: the version header, health, and the answers for paths and
//! methods that do not exist.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::helpers::*;

#[tokio::test]
async fn health_reports_ok_and_the_version() {
    let app = TestApp::new().await;
    let reply = app.send(get("/__admin/health").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "application/json");
    assert_eq!(reply.body, format!(r#"{{"status":"ok","version":"{}"}}"#, env!("CARGO_PKG_VERSION")));
}

#[tokio::test]
async fn every_response_carries_the_version_header() {
    let app = TestApp::new().await;
    for (method, path) in
        [("GET", "/__admin/health"), ("GET", "/molpro/credit"), ("GET", "/nowhere"), ("DELETE", "/molpro/credit")]
    {
        let reply = app.send(Request::builder().method(method).uri(path).body(Body::empty()).unwrap()).await;
        assert_eq!(reply.header("x-paymock-version"), env!("CARGO_PKG_VERSION"), "{method} {path}");
    }
}

#[tokio::test]
async fn unknown_paths_get_404_in_the_envelope_of_their_api() {
    let app = TestApp::new().await;

    let reply = app.send(get("/molpro/credit/refund").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body, error_xml(9, "There is no /molpro/credit/refund endpoint.", &[]));

    for path in ["/molpro", "/molpro/"] {
        let reply = app.send(get(path).header("accept", "application/json").body(Body::empty()).unwrap()).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(reply.body, format!(r#"{{"status":9,"description":"There is no {path} endpoint."}}"#));
    }

    let reply = app.send(get("/nowhere?x=1").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.header("content-type"), "application/json");
    assert_eq!(reply.body, r#"{"error":"no route for GET /nowhere"}"#);
}

#[tokio::test]
async fn wrong_methods_get_405_with_allow() {
    let app = TestApp::new().await;

    let reply = app.send(get("/molpro/credit/purchase").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("allow"), "POST");
    assert_eq!(reply.body, error_xml(9, "Method GET is not allowed on this endpoint.", &[]));

    let reply = app.send(Request::put("/molpro/credit").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("allow"), "GET,HEAD");
    assert_eq!(reply.body, error_xml(9, "Method PUT is not allowed on this endpoint.", &[]));
}
