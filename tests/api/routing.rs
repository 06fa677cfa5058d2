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
    assert_eq!(reply.header("allow"), "POST,OPTIONS");
    assert_eq!(reply.body, error_xml(9, "Method GET is not allowed on this endpoint.", &[]));

    let reply = app.send(Request::post("/__admin/state").body(Body::empty()).unwrap()).await;
    assert_eq!((reply.status, reply.header("allow")), (StatusCode::METHOD_NOT_ALLOWED, "GET,HEAD"));
    assert_eq!(reply.body, r#"{"error":"Method POST is not allowed on this route.","details":{}}"#);

    let reply = app.send(Request::put("/molpro/credit").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("allow"), "GET,HEAD,OPTIONS");
    assert_eq!(reply.body, error_xml(9, "Method PUT is not allowed on this endpoint.", &[]));
}

/// Every operation the OpenAPI document lists is routed (answers neither 405 nor a "no such
/// path" 404), and every route is in the document.
#[tokio::test]
async fn the_openapi_document_matches_the_routes() {
    let app = TestApp::new().await;
    let reply = app.send(get("/__admin/openapi.json").body(Body::empty()).unwrap()).await;
    assert_eq!((reply.status, reply.header("content-type")), (StatusCode::OK, "application/json"));
    let document: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["info"]["version"], env!("CARGO_PKG_VERSION"));

    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in ["get", "head", "put", "post", "delete", "options"] {
            if item.get(method).is_some() {
                operations.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    operations.sort();
    let expected = vec![
        "GET /",
        "POST /molpro/credit/purchase",
        "GET /molpro/credit",
        "GET /accounts/{accountId}/paymentInfo",
        "POST /accounts/{accountId}/paymentInfo",
        "GET /accounts/{accountId}/paymentInfo/default",
        "PUT /accounts/{accountId}/paymentInfo/default",
        "DELETE /accounts/{accountId}/paymentInfo/default",
        "GET /accounts/{accountId}/paymentInfo/{paymentInfoId}",
        "DELETE /accounts/{accountId}/paymentInfo/{paymentInfoId}",
        "POST /accounts/{accountId}/paymentInfo/{paymentInfoId}/payment",
        "HEAD /molpro/credit",
        "HEAD /accounts/{accountId}/paymentInfo",
        "HEAD /accounts/{accountId}/paymentInfo/default",
        "HEAD /accounts/{accountId}/paymentInfo/{paymentInfoId}",
        "OPTIONS /molpro/credit",
        "OPTIONS /molpro/credit/purchase",
        "OPTIONS /accounts/{accountId}/paymentInfo",
        "OPTIONS /accounts/{accountId}/paymentInfo/default",
        "OPTIONS /accounts/{accountId}/paymentInfo/{paymentInfoId}",
        "OPTIONS /accounts/{accountId}/paymentInfo/{paymentInfoId}/payment",
        "GET /__admin/health",
        "POST /__admin/reset",
        "GET /__admin/state",
        "GET /__admin/clock",
        "PUT /__admin/clock",
        "DELETE /__admin/clock",
        "POST /__admin/click2mail/users",
        "PUT /__admin/click2mail/users/{username}/balance",
        "POST /__admin/hostway/accounts",
        "POST /__admin/hostway/users",
        "GET /__admin/requests",
        "DELETE /__admin/requests",
        "GET /__admin/requests/count",
        "GET /__admin/requests/{id}",
        "GET /__admin/faults",
        "POST /__admin/faults",
        "DELETE /__admin/faults",
        "DELETE /__admin/faults/{id}",
        "GET /__admin/openapi.json",
        "GET /__admin/snapshots",
        "POST /__admin/snapshots/{name}",
        "DELETE /__admin/snapshots/{name}",
        "POST /__admin/snapshots/{name}/restore",
        "GET /__admin/namespaces",
        "DELETE /__admin/namespaces",
        "GET /__admin/ns/{namespace}",
        "DELETE /__admin/ns/{namespace}",
        "GET /__admin/export",
        "GET /__admin/events",
        "POST /__admin/import",
    ];
    // Every route that acts on state, again under /__admin/ns/{namespace}/.
    let scoped = [
        "POST /reset",
        "GET /state",
        "GET /clock",
        "PUT /clock",
        "DELETE /clock",
        "POST /click2mail/users",
        "PUT /click2mail/users/{username}/balance",
        "POST /hostway/accounts",
        "POST /hostway/users",
        "GET /requests",
        "DELETE /requests",
        "GET /requests/count",
        "GET /requests/{id}",
        "GET /faults",
        "POST /faults",
        "DELETE /faults",
        "DELETE /faults/{id}",
        "GET /snapshots",
        "POST /snapshots/{name}",
        "DELETE /snapshots/{name}",
        "POST /snapshots/{name}/restore",
    ];
    let scoped: Vec<String> = scoped
        .iter()
        .map(|operation| {
            let (method, path) = operation.split_once(' ').unwrap();
            format!("{method} /__admin/ns/{{namespace}}{path}")
        })
        .collect();
    let mut expected: Vec<&str> = expected.into_iter().chain(scoped.iter().map(String::as_str)).collect();
    expected.sort();
    assert_eq!(operations, expected);

    for operation in &operations {
        let (method, path) = operation.split_once(' ').unwrap();
        let path = path
            .replace("{accountId}", "1001")
            .replace("{paymentInfoId}", "cc-1")
            .replace("{username}", "awesomeuser")
            .replace("{id}", "1")
            .replace("{name}", "routing-check")
            .replace("{namespace}", "routing-ns");
        let request = Request::builder().method(method).uri(&path).header("host", HOST).body(Body::from("{}")).unwrap();
        if path == "/__admin/events" {
            // A stream that never ends: its head says it is routed.
            let (status, headers) = app.head_of(request).await;
            assert_eq!((status, headers["content-type"].to_str().unwrap()), (StatusCode::OK, "text/event-stream"));
            continue;
        }
        let reply = app.send(request).await;
        assert_ne!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{operation}");
        for unrouted in ["no route for", "There is no /"] {
            assert!(!reply.body.contains(unrouted), "{operation}: {}", reply.body);
        }
    }
}

#[tokio::test]
async fn the_root_says_what_this_is_as_json_or_to_a_browser() {
    let app = TestApp::new().await;
    let reply = app.send(get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "application/json");
    let base = "http://paymock.test:8080";
    let expected = serde_json::json!({
        "name": "paymock",
        "version": env!("CARGO_PKG_VERSION"),
        "click2mail": {
            "name": "Click2Mail MOL Pro credit API (Basic auth; form in, XML or JSON out)",
            "endpoints": [format!("GET {base}/molpro/credit"), format!("POST {base}/molpro/credit/purchase")],
            "users": [{"username": "awesomeuser", "password": "gReAt/PaSsWoRd123", "access": "starting balance 0.00"}]
        },
        "hostway": {
            "name": "Hostway payment-info API (Basic auth; JSON)",
            "endpoints": [
                format!("GET, POST {base}/accounts/1001/paymentInfo"),
                format!("GET, PUT, DELETE {base}/accounts/1001/paymentInfo/default"),
                format!("GET, DELETE {base}/accounts/1001/paymentInfo/{{pid}}"),
                format!("POST {base}/accounts/1001/paymentInfo/{{pid}}/payment")
            ],
            "users": [
                {"username": "acme-owner", "password": "Owner-Pass-1",
                 "access": "sitecontrol_account_owner on 1001; sitecontrol_account_owner on 1002"},
                {"username": "acme-member", "password": "Member-Pass-1", "access": "sitecontrol_account_member on 1001"},
                {"username": "sales-agent", "password": "Agent-Pass-1", "access": "sales agent: every account"}
            ]
        },
        "controlPlane": format!("{base}/__admin/state"),
        "openapi": format!("{base}/__admin/openapi.json"),
        "health": format!("{base}/__admin/health")
    });
    assert_eq!(serde_json::from_str::<serde_json::Value>(&reply.body).unwrap(), expected);

    // A browser gets the same as a page; the journal does not record it.
    let browser_accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    let reply = app.send(get("/").header("accept", browser_accept).body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "text/html; charset=utf-8");
    for text in [
        "<title>paymock ",
        "<h2>Click2Mail MOL Pro credit API (Basic auth; form in, XML or JSON out)</h2>",
        "<li><code>POST http://paymock.test:8080/molpro/credit/purchase</code></li>",
        "<tr><td><code>awesomeuser</code></td><td><code>gReAt/PaSsWoRd123</code></td><td>starting balance 0.00</td></tr>",
        "<a href=\"http://paymock.test:8080/__admin/openapi.json\">http://paymock.test:8080/__admin/openapi.json</a>",
    ] {
        assert!(reply.body.contains(text), "{text} in {}", reply.body);
    }
    assert_eq!(app.default_namespace().journal.count(&Default::default()), 0);

    // With the control plane guarded, the front page keeps the passwords to itself.
    let guarded = TestApp::new().await.with_admin_token("s3cret");
    let reply = guarded.send(get("/").body(Body::empty()).unwrap()).await;
    let home: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        home["click2mail"]["users"],
        serde_json::json!([{"username": "awesomeuser", "access": "starting balance 0.00"}])
    );
    assert!(!reply.body.contains("PaSsWoRd") && !reply.body.contains("-Pass-1"), "{}", reply.body);
}

#[tokio::test]
async fn a_wrong_method_on_the_root_answers_as_the_control_plane_does() {
    let app = TestApp::new().await;
    let reply = app.send(Request::post("/").body(Body::empty()).unwrap()).await;
    assert_eq!((reply.status, reply.header("allow")), (StatusCode::METHOD_NOT_ALLOWED, "GET,HEAD"));
    assert_eq!(reply.body, r#"{"error":"Method POST is not allowed on this route.","details":{}}"#);
}
