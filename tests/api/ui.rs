//! The dashboard's page and assets as the server gives them: where a browser is sent, the
//! security headers, and the token marker. What the page does is tested in a real browser, by
//! `tests/dashboard` (`.ci/dashboard`).

use axum::body::Body;
use axum::http::StatusCode;

use crate::helpers::*;

const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                      img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

#[tokio::test]
async fn a_browser_opening_the_control_plane_is_sent_to_the_dashboard() {
    let app = TestApp::new().await;
    for path in ["/__admin", "/__admin/", "/__admin/ui"] {
        let reply = app.send(get(path).body(Body::empty()).unwrap()).await;
        assert_eq!((reply.status, reply.header("location")), (StatusCode::SEE_OTHER, "/__admin/ui/"), "{path}");
    }
    // Not a route of one namespace: the page has a picker.
    let reply = app.send(get("/__admin/ns/alpha/ui/").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_page_and_its_assets_carry_strict_headers_and_are_small() {
    let app = TestApp::new().await;
    let mut total = 0;
    for (path, content_type) in [
        ("/__admin/ui/", "text/html; charset=utf-8"),
        ("/__admin/ui/app.js", "text/javascript; charset=utf-8"),
        ("/__admin/ui/api.js", "text/javascript; charset=utf-8"),
        ("/__admin/ui/views.js", "text/javascript; charset=utf-8"),
        ("/__admin/ui/style.css", "text/css; charset=utf-8"),
    ] {
        let reply = app.send(get(path).body(Body::empty()).unwrap()).await;
        assert_eq!((reply.status, reply.header("content-type")), (StatusCode::OK, content_type), "{path}");
        assert_eq!(reply.header("content-security-policy"), POLICY, "{path}");
        assert_eq!(reply.header("x-content-type-options"), "nosniff");
        assert_eq!(reply.header("x-frame-options"), "DENY");
        assert!(
            !reply.body.contains("<script>") && !reply.body.contains("http://") && !reply.body.contains("https://")
        );
        total += reply.body.len();
    }
    assert_eq!(total, paymock::sandbox::ui::assets_size());
    assert!(total < 150 * 1024, "{total} bytes");
    let reply = app.send(get("/__admin/ui/other.js").body(Body::empty()).unwrap()).await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::NOT_FOUND, "no such file"));
}

#[tokio::test]
async fn with_an_admin_token_the_page_asks_for_it_and_holds_no_data() {
    let open = TestApp::new().await;
    let reply = open.send(get("/__admin/ui/").body(Body::empty()).unwrap()).await;
    assert!(reply.body.contains("<body>"));
    let guarded = TestApp::new().await.with_admin_token("s3cret");
    let reply = guarded.send(get("/__admin/ui/").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK, "the page itself needs no token");
    assert!(reply.body.contains(r#"<body data-token="required">"#));
    assert!(!reply.body.contains("awesomeuser") && !reply.body.contains("s3cret"));
}
