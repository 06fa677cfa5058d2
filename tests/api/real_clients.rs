//! Requests as real clients' HTTP libraries send them: parameters in the query string beside a
//! JSON body (axios), multipart forms (PHP's curl, `curl -F`, `requests` with `files=`),
//! Latin-1 forms, trailing and repeated slashes, HEAD and OPTIONS, `Expect: 100-continue`,
//! `Accept` lists, and requests so malformed that hyper answers them itself. What was strict
//! for a reason stays strict.

use std::io::{Read, Write};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::helpers::*;
use crate::hostway::{OWNER, card, request};

fn query_of(params: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(params).unwrap()
}

/// An authorized purchase POST to `path`, the caller adds the content type and body.
fn purchase_to(path: &str) -> axum::http::request::Builder {
    Request::post(path).header(header::HOST, HOST).header(header::AUTHORIZATION, basic(USERNAME, PASSWORD))
}

/// A `multipart/form-data` body of `fields`, as `curl -F` writes one.
fn multipart(fields: &[(&str, &str)]) -> (String, Body) {
    let boundary = "------------------------d74496d66958873e";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (format!("multipart/form-data; boundary={boundary}"), Body::from(body))
}

#[tokio::test]
async fn parameters_in_the_query_string_with_a_json_body_buy_credit_as_axios_sends_them() {
    let app = TestApp::new().await;
    for body in ["{}", r#"{"note": "ignored"}"#, ""] {
        let request = purchase_to(&format!("/molpro/credit/purchase?{}", query_of(&VENDOR_EXAMPLE)))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        let reply = app.send(request).await;
        assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, success_xml().as_str()), "{body}");
    }
    // text/plain and no Content-Type at all carry no form fields either.
    for content_type in [Some("text/plain"), None] {
        let mut request = purchase_to(&format!("/molpro/credit/purchase?{}", query_of(&VENDOR_EXAMPLE)));
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        let reply = app.send(request.body(Body::from("hello")).unwrap()).await;
        assert_eq!(reply.body, success_xml(), "{content_type:?}");
    }
    assert_eq!(app.balance().await, "50.00");
}

#[tokio::test]
async fn multipart_forms_buy_credit_and_keep_the_rules() {
    let app = TestApp::new().await;
    let (content_type, body) = multipart(&VENDOR_EXAMPLE);
    let reply = app
        .send(purchase_to("/molpro/credit/purchase").header(header::CONTENT_TYPE, content_type).body(body).unwrap())
        .await;
    assert_eq!((reply.status, reply.body), (StatusCode::OK, success_xml()));

    // Split between the query string and the body, as a client may send them.
    let (in_query, in_body) = VENDOR_EXAMPLE.split_at(4);
    let (content_type, body) = multipart(in_body);
    let request = purchase_to(&format!("/molpro/credit/purchase?{}", query_of(in_query)))
        .header(header::CONTENT_TYPE, content_type)
        .body(body)
        .unwrap();
    assert_eq!(app.send(request).await.body, success_xml());

    // The same parameter twice with different values is refused across the two, as before.
    let (content_type, body) = multipart(&example_with("billingAmount", "20.00"));
    let request = purchase_to("/molpro/credit/purchase?billingAmount=10.00")
        .header(header::CONTENT_TYPE, content_type)
        .body(body)
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let description = "billingAmount is given more than once with different values.";
    assert_eq!(reply.body, error_xml(9, description, &["billingAmount"]));

    // The card rules apply as to any form.
    let (content_type, body) = multipart(&example_with("billingNumber", "4111111111111112"));
    let request = purchase_to("/molpro/credit/purchase").header(header::CONTENT_TYPE, content_type).body(body).unwrap();
    assert!(app.send(request).await.body.contains("<status>2</status>"));
    assert_eq!(app.balance().await, "20.00");

    // The journal shows the fields as it shows a form's, masked.
    let entries = app.default_namespace().journal.find(&Default::default(), 10);
    let first = entries.last().unwrap();
    assert!(first.request_body.contains("billingNumber=411111******1111"), "{}", first.request_body);
    assert!(first.request_body.contains("billingCvv=***"), "{}", first.request_body);
}

#[tokio::test]
async fn latin1_forms_are_read_as_latin1() {
    let app = TestApp::new().await;
    let body = format!("{}&billingName=Jos%E9+M%FCller", query_of(&VENDOR_EXAMPLE[1..]));
    for charset in ["ISO-8859-1", "windows-1252", "latin1"] {
        let request = purchase_to("/molpro/credit/purchase")
            .header(header::CONTENT_TYPE, format!("application/x-www-form-urlencoded; charset={charset}"))
            .body(Body::from(body.clone()))
            .unwrap();
        assert_eq!(app.send(request).await.body, success_xml(), "{charset}");
    }
    let entry = &app.default_namespace().journal.find(&Default::default(), 1)[0];
    assert!(entry.request_body.contains("billingName=José Müller"), "{}", entry.request_body);
    // Sent as UTF-8 (the default), the same bytes are not text, and the client is told.
    let request = purchase_to("/molpro/credit/purchase")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.body, error_xml(9, "billingName is not valid UTF-8 text.", &["billingName"]));
}

#[tokio::test]
async fn trailing_and_repeated_slashes_reach_the_route_and_replies_stay_canonical() {
    let app = TestApp::new().await;
    for path in ["/molpro/credit/purchase/", "//molpro/credit/purchase", "/molpro//credit/purchase//"] {
        let request = purchase_to(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form(&VENDOR_EXAMPLE))
            .unwrap();
        let reply = app.send(request).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, success_xml()), "{path}");
    }
    for path in ["/molpro/credit/", "//molpro/credit"] {
        let reply = app
            .send(get(path).header(header::AUTHORIZATION, basic(USERNAME, PASSWORD)).body(Body::empty()).unwrap())
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert!(reply.body.contains("<balance>30.00</balance>"), "{path}: {}", reply.body);
        assert!(reply.body.contains("<statusUrl>http://paymock.test:8080/molpro/credit</statusUrl>"), "{}", reply.body);
    }

    let reply = app.send(request(Method::POST, "/accounts//1001/paymentInfo/", Some(OWNER), Some(&card()))).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.header("location"), "http://paymock.test:8080/accounts/1001/paymentInfo/cc-1");
    let reply = app.send(request(Method::GET, "//accounts/1001//paymentInfo/cc-1/", Some(OWNER), None)).await;
    assert_eq!(reply.status, StatusCode::OK);

    // The journal names the path that was routed, so filters match however it was written.
    let purchases = app.default_namespace().journal.count(&paymock::sandbox::journal::Filter {
        path: Some("/molpro/credit/purchase".into()),
        ..Default::default()
    });
    assert_eq!(purchases, 3);
}

#[tokio::test]
async fn head_answers_every_get_route_with_its_headers_and_no_body() {
    let app = TestApp::new().await;
    assert_eq!(
        app.send(request(Method::POST, "/accounts/1001/paymentInfo", Some(OWNER), Some(&card()))).await.status,
        StatusCode::CREATED
    );
    let click2mail = |method: Method| {
        Request::builder()
            .method(method)
            .uri("/molpro/credit")
            .header(header::HOST, HOST)
            .header(header::AUTHORIZATION, basic(USERNAME, PASSWORD))
            .body(Body::empty())
            .unwrap()
    };
    let (got, head) = (app.send(click2mail(Method::GET)).await, app.send(click2mail(Method::HEAD)).await);
    assert_eq!((head.status, head.body.as_str()), (StatusCode::OK, ""));
    for name in ["content-type", "content-length", "vary", "x-paymock-version"] {
        assert_eq!(head.header(name), got.header(name), "{name}");
    }
    for path in ["/accounts/1001/paymentInfo", "/accounts/1001/paymentInfo/default", "/accounts/1001/paymentInfo/cc-1"]
    {
        let got = app.send(request(Method::GET, path, Some(OWNER), None)).await;
        let head = app.send(request(Method::HEAD, path, Some(OWNER), None)).await;
        assert_eq!((head.status, head.body.as_str()), (got.status, ""), "{path}");
        assert_eq!(head.header("content-length"), got.header("content-length"), "{path}");
        assert_eq!(head.header("content-type"), "application/json", "{path}");
    }
}

#[tokio::test]
async fn options_answers_every_vendor_route_with_the_methods_its_405_names() {
    let app = TestApp::new().await;
    for (path, allow) in [
        ("/molpro/credit", "GET,HEAD,OPTIONS"),
        ("/molpro/credit/purchase", "POST,OPTIONS"),
        ("/accounts/1001/paymentInfo", "GET,HEAD,POST,OPTIONS"),
        ("/accounts/1001/paymentInfo/default", "GET,HEAD,PUT,DELETE,OPTIONS"),
        ("/accounts/1001/paymentInfo/cc-1", "GET,HEAD,DELETE,OPTIONS"),
        ("/accounts/1001/paymentInfo/cc-1/payment", "POST,OPTIONS"),
    ] {
        let options = Request::builder().method(Method::OPTIONS).uri(path).header(header::HOST, HOST);
        let reply = app.send(options.body(Body::empty()).unwrap()).await;
        assert_eq!(
            (reply.status, reply.header("allow"), reply.body.as_str()),
            (StatusCode::NO_CONTENT, allow, ""),
            "{path}"
        );
        let patch = Request::builder().method(Method::PATCH).uri(path).header(header::HOST, HOST);
        let refused = app.send(patch.body(Body::empty()).unwrap()).await;
        assert_eq!((refused.status, refused.header("allow")), (StatusCode::METHOD_NOT_ALLOWED, allow), "{path}");
    }
    // Like every route, OPTIONS refuses a body over 64 KiB, in the vendor's envelope.
    let huge = || Body::from("x".repeat(64 * 1024 + 1));
    let options = |path: &str| Request::builder().method(Method::OPTIONS).uri(path).header(header::HOST, HOST);
    let reply = app.send(options("/molpro/credit").body(huge()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.body, error_xml(9, "The request body is larger than 64 KiB.", &[]));
    let reply = app.send(options("/accounts/1001/paymentInfo").body(huge()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.body.starts_with(r#"{"requestEntityTooLarge":"#), "{}", reply.body);
}

#[tokio::test]
async fn accept_lists_are_read_by_quality_then_order() {
    let app = TestApp::new().await;
    for (accept, json) in [
        ("application/json, text/plain, */*", true), // axios
        ("application/json, application/xml", true),
        ("application/xml, application/json", false),
        ("*/*", false),
        ("text/xml;q=0.5, application/json;q=0.9", true),
    ] {
        let reply = app
            .send(
                get("/molpro/credit")
                    .header(header::AUTHORIZATION, basic(USERNAME, PASSWORD))
                    .header(header::ACCEPT, accept)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let expected = if json { "application/json" } else { "application/xml" };
        assert_eq!(reply.header("content-type"), expected, "{accept}");
    }
}

/// Sends `raw` on a new connection and returns everything the server answers until it closes
/// the connection.
fn exchange(address: std::net::SocketAddr, raw: &[u8]) -> String {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    stream.write_all(raw).unwrap();
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    String::from_utf8_lossy(&reply).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_declared_too_large_with_expect_100_continue_gets_its_413_at_once() {
    let app = TestApp::new().await;
    let served = app.serve().await;
    let address = served.address;
    let reply = tokio::task::spawn_blocking(move || {
        exchange(
            address,
            format!(
                "POST /molpro/credit/purchase HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\nContent-Length: 70000\r\n\r\n",
                basic(USERNAME, PASSWORD)
            )
            .as_bytes(),
        )
    })
    .await
    .unwrap();
    // No 100 Continue: the answer is the 413, and the connection closes after it.
    assert!(reply.starts_with("HTTP/1.1 413 Payload Too Large\r\n"), "{reply}");
    assert!(reply.contains("\r\nconnection: close\r\n"), "{reply}");
    assert!(reply.ends_with(&error_xml(9, "The request body is larger than 64 KiB.", &[])), "{reply}");
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_hyper_gives_before_routing_carry_the_version_header() {
    let app = TestApp::new().await;
    let served = app.serve().await;
    let address = served.address;
    let long_uri = format!("GET /molpro/{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    let many_headers = format!(
        "GET /molpro/credit HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..200).map(|i| format!("X-Header-{i}: v\r\n")).collect::<String>()
    );
    for (raw, status_line) in [
        ("NONSENSE\r\n\r\n".to_owned(), "HTTP/1.1 400 Bad Request\r\n"),
        (long_uri, "HTTP/1.1 414 URI Too Long\r\n"),
        (many_headers, "HTTP/1.1 431 Request Header Fields Too Large\r\n"),
    ] {
        let reply = tokio::task::spawn_blocking(move || exchange(address, raw.as_bytes())).await.unwrap();
        assert!(reply.starts_with(status_line), "{reply}");
        let version = format!("\r\nx-paymock-version: {}\r\n", env!("CARGO_PKG_VERSION"));
        assert!(reply.contains(&version), "{reply}");
    }
}
