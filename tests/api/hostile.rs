//! Hostile input: whatever a client sends, it gets its vendor's own 4xx naming what is wrong,
//! never a 5xx, a panic or a hang, and nothing stored changes.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::hostway::{OWNER, bad_request, card, card_with, envelope, error, request};

/// Which API a route belongs to, and so which envelope its errors come in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Surface {
    Click2Mail,
    Hostway,
    Admin,
}

/// Every route that reads a request body, as `(method, path, surface)`. `{pid}` stands for a
/// payment method saved on account 1001.
pub const BODY_ROUTES: [(&str, &str, Surface); 10] = [
    ("POST", "/molpro/credit/purchase", Surface::Click2Mail),
    ("POST", "/accounts/1001/paymentInfo", Surface::Hostway),
    ("PUT", "/accounts/1001/paymentInfo/default", Surface::Hostway),
    ("POST", "/accounts/1001/paymentInfo/{pid}/payment", Surface::Hostway),
    ("PUT", "/__admin/clock", Surface::Admin),
    ("POST", "/__admin/faults", Surface::Admin),
    ("POST", "/__admin/click2mail/users", Surface::Admin),
    ("PUT", "/__admin/click2mail/users/awesomeuser/balance", Surface::Admin),
    ("POST", "/__admin/hostway/accounts", Surface::Admin),
    ("POST", "/__admin/hostway/users", Surface::Admin),
];

/// A sandbox with one card saved on account 1001; returns it with that card's id.
pub async fn app_with_a_saved_card() -> (TestApp, String) {
    let app = TestApp::new().await;
    let reply = app.send(hostway_request(Method::POST, "/accounts/1001/paymentInfo", Some(&card()))).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.header("location").rsplit('/').next().unwrap().to_owned();
    (app, id)
}

/// A request as the owner of accounts 1001 and 1002.
fn hostway_request(method: Method, path: &str, body: Option<&Value>) -> Request<Body> {
    request(method, path, Some(OWNER), body)
}

/// A request to one of [`BODY_ROUTES`], authenticated for its surface.
pub fn body_request(
    method: &str,
    path: &str,
    surface: Surface,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path).header(header::HOST, HOST);
    builder = match surface {
        Surface::Click2Mail => builder.header(header::AUTHORIZATION, basic(USERNAME, PASSWORD)),
        Surface::Hostway => builder.header(header::AUTHORIZATION, basic(OWNER.0, OWNER.1)),
        Surface::Admin => builder,
    };
    if let Some(content_type) = content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    builder.body(Body::from(body)).unwrap()
}

/// The media type each surface reads.
pub fn media_type(surface: Surface) -> &'static str {
    match surface {
        Surface::Click2Mail => "application/x-www-form-urlencoded",
        Surface::Hostway | Surface::Admin => "application/json",
    }
}

/// Checks that `reply` is a 4xx in its surface's own error envelope and returns the status
/// with the message the client reads.
pub fn client_error(surface: Surface, reply: &Reply) -> (StatusCode, String) {
    assert!(reply.status.is_client_error(), "{} {}", reply.status, reply.body);
    let message = match surface {
        Surface::Click2Mail => {
            assert!(reply.body.starts_with(&format!("{XML_DECLARATION}<credit><status>9</status>")), "{}", reply.body);
            let description =
                reply.body.split("<description>").nth(1).and_then(|rest| rest.split("</description>").next());
            description.expect("a description").to_owned()
        }
        Surface::Hostway => {
            let value = envelope(reply);
            let (_, inner) = value.as_object().unwrap().iter().next().unwrap();
            assert_eq!(inner["code"], json!(reply.status.as_u16()), "{}", reply.body);
            inner["message"].as_str().unwrap().to_owned()
        }
        Surface::Admin => {
            assert_eq!(reply.header("content-type"), "application/json", "{}", reply.body);
            let value: Value = serde_json::from_str(&reply.body).unwrap();
            assert!(value["details"].is_object(), "{}", reply.body);
            value["error"].as_str().unwrap().to_owned()
        }
    };
    (reply.status, message)
}

#[tokio::test]
async fn every_body_route_refuses_a_body_over_the_limit_with_413() {
    let (app, pid) = app_with_a_saved_card().await;
    for (method, path, surface) in BODY_ROUTES {
        let path = path.replace("{pid}", &pid);
        let body = vec![b'x'; paymock::BODY_LIMIT_BYTES + 1];
        let reply = app.send(body_request(method, &path, surface, Some(media_type(surface)), body)).await;
        assert_eq!(
            client_error(surface, &reply),
            (StatusCode::PAYLOAD_TOO_LARGE, "The request body is larger than 64 KiB.".to_owned()),
            "{method} {path}"
        );
    }
    assert_eq!(app.balance().await, "0.00");
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_where_no_body_is_read_and_nothing_is_done() {
    let (app, pid) = app_with_a_saved_card().await;
    assert_eq!(app.purchase(&VENDOR_EXAMPLE).await.body, success_xml());
    let routes = [
        ("DELETE", format!("/accounts/1001/paymentInfo/{pid}"), Surface::Hostway),
        ("GET", "/accounts/1001/paymentInfo".to_owned(), Surface::Hostway),
        ("GET", "/molpro/credit".to_owned(), Surface::Click2Mail),
        ("POST", "/__admin/reset".to_owned(), Surface::Admin),
        ("DELETE", "/__admin/faults".to_owned(), Surface::Admin),
    ];
    for (method, path, surface) in routes {
        let body = vec![b'x'; paymock::BODY_LIMIT_BYTES + 1];
        let reply = app.send(body_request(method, &path, surface, Some("text/plain"), body)).await;
        assert_eq!(
            client_error(surface, &reply),
            (StatusCode::PAYLOAD_TOO_LARGE, "The request body is larger than 64 KiB.".to_owned()),
            "{method} {path}"
        );
    }
    // Credentials are still checked first.
    let request = Request::delete(format!("/accounts/1001/paymentInfo/{pid}"))
        .header(header::AUTHORIZATION, basic(OWNER.0, "wrong"))
        .body(Body::from(vec![b'x'; paymock::BODY_LIMIT_BYTES + 1]))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.state.store.namespace("default").payment_methods("1001").await.unwrap().len(), 1);
    assert_eq!(app.balance().await, "10.00", "no reset happened");
}

#[tokio::test]
async fn every_body_route_names_what_is_wrong_with_a_malformed_body() {
    let (app, pid) = app_with_a_saved_card().await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes();
    let deep_object = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000)).into_bytes();
    let long_number = format!(r#"{{"amount": 1{}}}"#, "0".repeat(500)).into_bytes();
    let bodies: [(&str, Option<&str>, Vec<u8>); 8] = [
        ("invalid UTF-8", None, b"\xff\xfe\xfd=\xc3\x28".to_vec()),
        ("nested 10 000 deep", None, deep),
        ("objects nested 10 000 deep", None, deep_object),
        ("a 500-digit number", None, long_number),
        ("a NUL byte", None, b"\0".to_vec()),
        ("text/plain", Some("text/plain"), b"hello".to_vec()),
        ("no content type", Some(""), b"{}".to_vec()),
        ("multipart", Some("multipart/form-data; boundary=x"), b"--x\r\n\r\nhi\r\n--x--".to_vec()),
    ];
    for (method, path, surface) in BODY_ROUTES {
        let path = path.replace("{pid}", &pid);
        for (what, content_type, body) in &bodies {
            let content_type = match content_type {
                None => Some(media_type(surface)),
                Some("") => None,
                Some(other) => Some(*other),
            };
            let reply = app.send(body_request(method, &path, surface, content_type, body.clone())).await;
            let (status, message) = client_error(surface, &reply);
            assert!(
                [StatusCode::BAD_REQUEST, StatusCode::UNSUPPORTED_MEDIA_TYPE].contains(&status),
                "{method} {path} with {what}: {status} {message}"
            );
            assert!(!message.is_empty() && message != "Internal error.", "{method} {path} with {what}");
        }
    }
    assert_eq!(app.balance().await, "0.00");
}

#[tokio::test]
async fn json_too_deep_or_too_long_is_named_exactly() {
    let app = TestApp::new().await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let long_number = format!(r#"{{"paymentInfoType": "credit_card", "accountNumber": 1{}}}"#, "0".repeat(500));
    for (body, hint) in [
        (deep, "is not valid JSON: recursion limit exceeded at line 1 column 128"),
        (long_number, "is not valid JSON: number out of range at line 1 column 553"),
    ] {
        let path = "/accounts/1001/paymentInfo";
        let reply = app.send(body_request("POST", path, Surface::Hostway, Some("application/json"), body.into())).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(envelope(&reply), bad_request(json!({ "body": hint })));
    }
}

#[tokio::test]
async fn amounts_that_are_not_plain_decimals_are_named() {
    let (app, pid) = app_with_a_saved_card().await;
    let five_hundred_digits: &'static str = Box::leak(format!("1{}", "0".repeat(499)).into_boxed_str());
    let cases: [(&'static str, &str); 12] = [
        ("1e9", "must be a decimal number such as 10 or 10.50"),
        ("NaN", "must be a decimal number such as 10 or 10.50"),
        ("Infinity", "must be a decimal number such as 10 or 10.50"),
        ("-0", "must be a decimal number such as 10 or 10.50"),
        ("-10", "must be a decimal number such as 10 or 10.50"),
        ("+10", "must be a decimal number such as 10 or 10.50"),
        ("10.001", "must have at most two decimal places"),
        ("0x10", "must be a decimal number such as 10 or 10.50"),
        ("1,000", "must be a decimal number such as 10 or 10.50"),
        ("1 0", "must be a decimal number such as 10 or 10.50"),
        ("10.", "must be a decimal number such as 10 or 10.50"),
        (five_hundred_digits, "must be at most 9999999999999.99"),
    ];
    for (amount, reason) in cases {
        let reply = app.purchase(&example_with("billingAmount", amount)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{amount}");
        assert_eq!(reply.body, error_xml(9, &format!("billingAmount {reason}."), &["billingAmount"]), "{amount}");

        let path = format!("/accounts/1001/paymentInfo/{pid}/payment");
        let as_string = app.send(hostway_request(Method::POST, &path, Some(&json!({ "amount": amount })))).await;
        assert_eq!(as_string.status, StatusCode::BAD_REQUEST, "{amount}");
        assert_eq!(
            envelope(&as_string)["badRequest"]["details"].as_object().unwrap().keys().collect::<Vec<_>>(),
            ["amount"]
        );
    }
    // As bare JSON numbers, where JSON has them.
    for amount in ["1e9", "-0", "10.001", "1E2", "-10", five_hundred_digits, "0"] {
        let path = format!("/accounts/1001/paymentInfo/{pid}/payment");
        let body = format!(r#"{{"amount": {amount}}}"#).into_bytes();
        let reply = app.send(body_request("POST", &path, Surface::Hostway, Some("application/json"), body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{amount}: {}", reply.body);
    }
    assert_eq!(app.balance().await, "0.00");
    let payments = app.state.store.namespace("default").payments("1001").await.unwrap();
    assert!(payments.is_empty(), "{payments:?}");
}

#[tokio::test]
async fn odd_path_ids_reach_nothing_but_a_404() {
    let (app, pid) = app_with_a_saved_card().await;
    let long = "9".repeat(10 * 1024);
    let hostway_paths = [
        "/accounts/../accounts/1001/paymentInfo".to_owned(),
        "/accounts/1001/../1002/paymentInfo".to_owned(),
        "/accounts/..%2F1002/paymentInfo".to_owned(),
        "/accounts/%2E%2E/paymentInfo".to_owned(),
        "/accounts/%00/paymentInfo".to_owned(),
        "/accounts/1001%00/paymentInfo".to_owned(),
        format!("/accounts/{long}/paymentInfo"),
        "/accounts/1001/paymentInfo/..".to_owned(),
        format!("/accounts/1001/paymentInfo/{pid}%00"),
        "/accounts/1001/paymentInfo/%2E%2E%2F".to_owned(),
        format!("/accounts/1001/paymentInfo/{long}"),
        format!("/accounts/1001/paymentInfo/{pid}/../{pid}"),
    ];
    for path in &hostway_paths {
        // The member of 1001 is a stranger to 1002: no path may lead there.
        let request = Request::get(path.as_str())
            .header(header::HOST, HOST)
            .header(header::AUTHORIZATION, basic("acme-member", "Member-Pass-1"))
            .body(Body::empty())
            .unwrap();
        let reply = app.send(request).await;
        let (status, message) = client_error(Surface::Hostway, &reply);
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {message}");
    }
    let reply = app.send(hostway_request(Method::GET, &format!("/accounts/{long}/paymentInfo"), None)).await;
    // Named as the journal would show it: a run of digits that long may hold a card number.
    let shown = format!("{}9999", "*".repeat(long.len() - 4));
    assert_eq!(envelope(&reply), error("itemNotFound", 404, &format!("Account {shown} does not exist."), json!({})));

    for path in ["/molpro/credit/%00", "/molpro/../molpro/credit", "/molpro/credit/.."] {
        let request = get(path).header(header::AUTHORIZATION, basic(USERNAME, PASSWORD)).body(Body::empty()).unwrap();
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}: {}", reply.body);
        assert!(reply.body.starts_with(&format!("{XML_DECLARATION}<credit><status>9</status>")), "{}", reply.body);
    }
    for (method, path) in [
        ("DELETE", format!("/__admin/faults/{long}")),
        ("DELETE", "/__admin/faults/%00".to_owned()),
        ("PUT", format!("/__admin/click2mail/users/{long}/balance")),
        ("PUT", "/__admin/click2mail/users/%00/balance".to_owned()),
    ] {
        let body = br#"{"balance": "5.00"}"#.to_vec();
        let reply = app.send(body_request(method, &path, Surface::Admin, Some("application/json"), body)).await;
        let (status, message) = client_error(Surface::Admin, &reply);
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {message}");
    }
    assert_eq!(app.state.store.namespace("default").payment_methods("1001").await.unwrap().len(), 1);
    assert_eq!(app.state.store.namespace("default").payment_methods("1002").await.unwrap().len(), 0);
}

/// Text that would change a query if it were ever spliced into SQL.
const SQL: [&str; 3] = ["'; DROP TABLE purchases; --", "x' OR '1'='1", "\"); DELETE FROM click2mail_users; --"];

#[tokio::test]
async fn sql_in_any_field_is_only_text() {
    let app = TestApp::new().await;
    for injected in SQL {
        for (name, _) in VENDOR_EXAMPLE {
            let reply = app.purchase(&example_with(name, injected)).await;
            match name {
                "billingName" | "billingCity" | "billingState" => {
                    assert_eq!(reply.body, success_xml(), "{name}={injected}")
                }
                "billingAddress1" => assert_eq!(
                    reply.body,
                    not_authorized_xml("billing street address must start with a house number (AVS)")
                ),
                "billingZip" => assert_eq!(
                    reply.body,
                    not_authorized_xml(&format!("postal code {injected} is not well formed for US (AVS)"))
                ),
                _ => {
                    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{name}={injected}: {}", reply.body);
                    client_error(Surface::Click2Mail, &reply);
                    assert!(reply.body.contains(&format!("<parameter>{name}</parameter>")), "{name}: {}", reply.body);
                }
            }
        }
        // As the username, and as the account id.
        let request =
            get("/molpro/credit").header(header::AUTHORIZATION, basic(injected, PASSWORD)).body(Body::empty());
        assert_eq!(app.send(request.unwrap()).await.status, StatusCode::UNAUTHORIZED);
        let path = format!("/accounts/{}/paymentInfo", injected.replace(' ', "%20").replace('"', "%22"));
        let reply = app.send(hostway_request(Method::GET, &path, None)).await;
        assert_eq!(
            envelope(&reply),
            error("itemNotFound", 404, &format!("Account {injected} does not exist."), json!({}))
        );
        for field in ["accountNumber", "cardHolderName", "verificationNumber", "creditCardType", "expirationDate"] {
            let reply = app
                .send(hostway_request(
                    Method::POST,
                    "/accounts/1001/paymentInfo",
                    Some(&card_with(json!({ field: injected }))),
                ))
                .await;
            assert!(reply.status.is_client_error() || reply.status == StatusCode::CREATED, "{field}: {}", reply.body);
        }
    }
    // The free-text fields (name, street, city) took the text as it is; everything else was
    // refused by name; and every table is still there with its rows.
    assert_eq!(app.balance().await, "90.00");
    assert_eq!(app.state.store.namespace("default").click2mail_purchases(USERNAME).await.unwrap().len(), 9);
    assert_eq!(app.state.store.namespace("default").hostway_users().await.unwrap().len(), 3);
    // A user whose password is SQL is just a user; a name is plain characters only (see
    // one_meaning.rs), so SQL cannot be one.
    let seeded = json!({"username": "sql-user", "password": SQL[1]});
    let reply = app
        .send(body_request(
            "POST",
            "/__admin/click2mail/users",
            Surface::Admin,
            Some("application/json"),
            seeded.to_string().into_bytes(),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let request = get("/molpro/credit").header(header::AUTHORIZATION, basic("sql-user", SQL[1])).body(Body::empty());
    assert_eq!(app.send(request.unwrap()).await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_authorization_header_that_is_not_basic_credentials_gets_401_saying_why() {
    let app = TestApp::new().await;
    let cases: [(&str, &str); 7] = [
        ("Bearer abc", "the Authorization header must use the Basic scheme"),
        ("Digest username=\"awesomeuser\"", "the Authorization header must use the Basic scheme"),
        ("Basic !!!not-base64!!!", "the Basic credentials are not valid base64"),
        ("Basic YXdlc29tZXVzZXI=", "the Basic credentials must be UTF-8 text of the form username:password"),
        ("Basic", "the Basic credentials must be UTF-8 text of the form username:password"),
        ("Basic /w==", "the Basic credentials must be UTF-8 text of the form username:password"),
        ("Basic YXdlc29tZXVzZXI6d3Jvbmc=", "the username or password is wrong"),
    ];
    let long = basic(USERNAME, &"x".repeat(10 * 1024));
    for (header_value, reason) in cases.iter().copied().chain([(long.as_str(), "the username or password is wrong")]) {
        let shown = &header_value[..header_value.len().min(40)];
        let request = get("/molpro/credit").header(header::AUTHORIZATION, header_value).body(Body::empty()).unwrap();
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{shown}");
        assert_eq!(reply.header("www-authenticate"), r#"Basic realm="molpro""#);
        let description = format!("Authentication failed: {reason}.");
        assert_eq!(reply.body, error_xml(1, &description, &[]), "{shown}");

        let request = Request::get("/accounts/1001/paymentInfo")
            .header(header::HOST, HOST)
            .header(header::AUTHORIZATION, header_value)
            .body(Body::empty())
            .unwrap();
        let reply = app.send(request).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{shown}");
        assert_eq!(reply.header("www-authenticate"), r#"Basic realm="hostway""#);
        assert_eq!(
            reply.body,
            format!("401 Unauthorized\n\nThis server could not verify your credentials: {reason}.\n")
        );
    }
}

/// Writes `request` on a new connection, stops sending, and reads until the server closes
/// the connection. A server that never does fails the read after 10 seconds.
fn send_and_stall(address: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(request).unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).expect("the server closes the connection");
    String::from_utf8(reply).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let app = TestApp::new().await.with_read_timeout(Duration::from_secs(1));
    let served = app.serve().await;
    let address = served.address;
    let (stalled, healthy, trickled) = tokio::task::spawn_blocking(move || {
        let stalled: Vec<TcpStream> = (0..16)
            .map(|_| {
                let mut stream = TcpStream::connect(address).unwrap();
                stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                stream.write_all(b"GET /molpro/credit HTTP/1.1\r\nHost: x\r\n").unwrap();
                stream
            })
            .collect();
        // Meanwhile everyone else is served.
        let healthy = send_and_stall(address, b"GET /__admin/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let stalled: Vec<Vec<u8>> = stalled
            .into_iter()
            .map(|mut stream| {
                let mut reply = Vec::new();
                stream.read_to_end(&mut reply).expect("the server closes the connection");
                reply
            })
            .collect();
        // One byte every 50 ms: the 400-byte head would take 20 seconds.
        let mut trickler = TcpStream::connect(address).unwrap();
        trickler.set_read_timeout(Some(Duration::from_millis(1))).unwrap();
        let head = format!("GET /molpro/credit HTTP/1.1\r\nHost: x\r\nX-Padding: {}\r\n\r\n", "p".repeat(360));
        let mut sent = 0;
        for byte in head.as_bytes() {
            if trickler.write_all(&[*byte]).is_err() || matches!(trickler.read(&mut [0; 64]), Ok(0)) {
                break;
            }
            sent += 1;
            std::thread::sleep(Duration::from_millis(50));
        }
        (stalled, healthy, (sent, head.len()))
    })
    .await
    .unwrap();
    assert!(healthy.starts_with("HTTP/1.1 200 OK\r\n"), "{healthy}");
    for reply in stalled {
        assert_eq!(reply, b"", "closed without a reply: there is no request to answer");
    }
    let (sent, length) = trickled;
    assert!(sent < length, "the trickling client was cut off after {sent} of {length} bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stops_arriving_gets_408_in_the_vendors_envelope() {
    let app = TestApp::new().await.with_read_timeout(Duration::from_millis(300));
    let served = app.serve().await;
    let address = served.address;
    let head = |method: &str, path: &str, authorization: &str, content_type: &str| {
        format!(
            "{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: {authorization}\r\n\
             Content-Type: {content_type}\r\nContent-Length: 200\r\n\r\nbillingName=Awe"
        )
    };
    let requests = [
        head("POST", "/molpro/credit/purchase", &basic(USERNAME, PASSWORD), "application/x-www-form-urlencoded"),
        head("POST", "/accounts/1001/paymentInfo", &basic(OWNER.0, OWNER.1), "application/json"),
        head("POST", "/__admin/click2mail/users", "none", "application/json"),
        // A route that reads no body waits for it all the same, and does nothing.
        head("DELETE", "/accounts/1001/paymentInfo/default", &basic("sales-agent", "Agent-Pass-1"), "text/plain"),
    ];
    let replies = tokio::task::spawn_blocking(move || {
        let stallers = requests.map(|request| std::thread::spawn(move || send_and_stall(address, request.as_bytes())));
        stallers.map(|staller| staller.join().unwrap())
    })
    .await
    .unwrap();
    let message = "The request body did not arrive within 0.3 seconds.";
    let [click2mail, hostway, admin, without_body] = replies.map(|raw| {
        let (head, body) = raw.split_once("\r\n\r\n").expect("a whole reply");
        assert!(head.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{head}");
        assert!(head.to_ascii_lowercase().contains("\r\nconnection: close\r\n"), "{head}");
        body.to_owned()
    });
    assert_eq!(click2mail, error_xml(9, message, &[]));
    let hostway: Value = serde_json::from_str(&hostway).unwrap();
    assert_eq!(hostway["requestTimeout"]["message"], message);
    assert_eq!(hostway["requestTimeout"]["code"], 408);
    assert_eq!(serde_json::from_str::<Value>(&admin).unwrap(), json!({"error": message, "details": {}}));
    assert_eq!(serde_json::from_str::<Value>(&without_body).unwrap()["requestTimeout"]["code"], 408);
    assert_eq!(app.balance().await, "0.00");
}

/// The 64 KiB rule holds on the routes that read no body and need no credentials too: the
/// front page, health and the OpenAPI document.
#[tokio::test]
async fn a_body_over_the_limit_is_refused_by_health_the_front_page_and_the_openapi_document() {
    let app = TestApp::new().await;
    for path in ["/__admin/health", "/", "/__admin/openapi.json"] {
        for method in ["GET", "HEAD"] {
            let body = vec![b'x'; paymock::BODY_LIMIT_BYTES + 1];
            let reply = app.send(body_request(method, path, Surface::Admin, Some("text/plain"), body)).await;
            assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{method} {path}: {}", reply.body);
            assert_eq!(reply.header("connection"), "close", "{method} {path}");
            if method == "GET" {
                assert_eq!(
                    client_error(Surface::Admin, &reply),
                    (StatusCode::PAYLOAD_TOO_LARGE, "The request body is larger than 64 KiB.".to_owned()),
                    "{path}"
                );
            }
        }
        let reply = app.send(body_request("GET", path, Surface::Admin, Some("text/plain"), b"small".to_vec())).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
    }
}
