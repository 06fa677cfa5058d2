//! One meaning per input: what a client sends is read one way, or refused with a 4xx that
//! names what could be read two ways. A key given twice, a field nobody reads, a second
//! spelling of a link or an id, an instant that never was, a body paymock cannot decode.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::hostile::{Surface, app_with_a_saved_card, body_request, client_error};
use crate::hostway::{bad_request, envelope};

/// The control plane's 400, naming `details`' fields.
fn admin_bad_request(details: Value) -> Value {
    let fields: Vec<String> = details.as_object().unwrap().keys().cloned().collect();
    json!({"error": format!("The request body has missing or malformed fields: {}.", fields.join(", ")), "details": details})
}

/// The 400 of a surface's envelope with `details`, compared whole (the Hostway guid aside).
#[track_caller]
fn assert_bad_request(surface: Surface, reply: &Reply, details: Value) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    match surface {
        Surface::Hostway => assert_eq!(envelope(reply), bad_request(details)),
        Surface::Admin => assert_eq!(serde_json::from_str::<Value>(&reply.body).unwrap(), admin_bad_request(details)),
        Surface::Click2Mail => unreachable!("Click2Mail reads no JSON"),
    }
}

#[tokio::test]
async fn a_json_key_given_twice_is_refused_on_every_surface() {
    let (app, pid) = app_with_a_saved_card().await;
    let card_with_two_cities = r#"{"paymentInfoType": "credit_card", "accountNumber": "5555555555554444",
        "cardHolderName": "J", "verificationNumber": "123", "expirationDate": "2030-4",
        "billingAddress": {"street1": "1 Main St", "city": "Chicago", "city": "Springfield"}}"#;
    let cases = [
        (
            "POST",
            "/accounts/1001/paymentInfo".to_owned(),
            r#"{"paymentInfoType": "bogus", "paymentInfoType": "direct_debit",
                "routingNumber": "011000015", "accountNumber": "123456782332"}"#,
            "paymentInfoType",
        ),
        (
            "POST",
            "/accounts/1001/paymentInfo".to_owned(),
            r#"{"paymentInfoType": "direct_debit", "routingNumber": "123456789",
                "routingNumber": "011000015", "accountNumber": "123456782332"}"#,
            "routingNumber",
        ),
        ("POST", "/accounts/1001/paymentInfo".to_owned(), card_with_two_cities, "billingAddress.city"),
        (
            "PUT",
            "/accounts/1001/paymentInfo/default".to_owned(),
            r#"{"paymentInfo": "cc-9", "paymentInfo": "/accounts/1001/paymentInfo/cc-1"}"#,
            "paymentInfo",
        ),
        ("POST", format!("/accounts/1001/paymentInfo/{pid}/payment"), r#"{"amount": 10, "amount": 20}"#, "amount"),
        (
            "PUT",
            "/__admin/clock".to_owned(),
            r#"{"now": "2030-01-01T00:00:00Z", "now": "2031-01-01T00:00:00Z"}"#,
            "now",
        ),
        ("POST", "/__admin/faults".to_owned(), r#"{"action": {"status": 503, "status": 500}}"#, "action.status"),
        (
            "POST",
            "/__admin/click2mail/users".to_owned(),
            r#"{"username": "one", "username": "two", "password": "pw"}"#,
            "username",
        ),
        (
            "PUT",
            "/__admin/click2mail/users/awesomeuser/balance".to_owned(),
            r#"{"balance": "5.00", "balance": "50.00"}"#,
            "balance",
        ),
        (
            "POST",
            "/__admin/hostway/accounts".to_owned(),
            r#"{"id": "2001", "allowOffline": false, "allowOffline": true}"#,
            "allowOffline",
        ),
        (
            "POST",
            "/__admin/hostway/users".to_owned(),
            r#"{"username": "u", "password": "pw", "roles": {"1001": ["a"], "1001": ["b"]}}"#,
            "roles.1001",
        ),
    ];
    for (method, path, body, key) in cases {
        let surface = if path.starts_with("/__admin") { Surface::Admin } else { Surface::Hostway };
        let reply = app.send(body_request(method, &path, surface, Some("application/json"), body.into())).await;
        assert_bad_request(surface, &reply, json!({ key: "is given more than once; give each field once" }));
    }
    assert!(app.state.store.namespace("default").payments("1001").await.unwrap().is_empty(), "no payment of 10 or 20");
    assert_eq!(app.state.store.namespace("default").payment_methods("1001").await.unwrap().len(), 1);
    assert_eq!(app.balance().await, "0.00");
    assert!(app.default_namespace().faults.list().is_empty());
    assert_eq!(app.default_namespace().clock.now(), instant(NOW));
    assert!(app.state.store.namespace("default").hostway_account("2001").await.unwrap().is_none());
    // The journal shows such a body as it was sent, both keys.
    let journal = app.default_namespace().journal.find(&Default::default(), 100);
    let paid = journal.iter().find(|entry| entry.path.ends_with("/payment")).unwrap();
    assert_eq!(paid.request_body, r#"{"amount": 10, "amount": 20}"#);
}

/// The class is checked where a surface reads JSON, whatever the route: an error reads the
/// same on each of them.
#[tokio::test]
async fn a_key_given_twice_reads_the_same_on_each_surface() {
    let app = TestApp::new().await;
    for (path, surface) in
        [("/accounts/1001/paymentInfo", Surface::Hostway), ("/__admin/hostway/accounts", Surface::Admin)]
    {
        let body = br#"{"a": {"b": 1, "b": 1}}"#.to_vec();
        let reply = app.send(body_request("POST", path, surface, Some("application/json"), body)).await;
        let (status, message) = client_error(surface, &reply);
        assert_eq!(
            (status, message.as_str()),
            (StatusCode::BAD_REQUEST, "The request body has missing or malformed fields: a.b.")
        );
    }
}

#[tokio::test]
async fn a_field_no_control_plane_route_reads_is_refused_by_name() {
    let app = TestApp::new().await;
    let cases = [
        (
            "POST",
            "/__admin/click2mail/users",
            json!({"username": "new-user", "password": "pw", "balanse": "5.00"}),
            json!({"balanse": "is not a field of this body; use username, password or balance"}),
        ),
        (
            "PUT",
            "/__admin/click2mail/users/awesomeuser/balance",
            json!({"balance": "5.00", "username": "someone-else"}),
            json!({"username": "is not a field of this body; use balance"}),
        ),
        (
            "POST",
            "/__admin/hostway/accounts",
            json!({"id": "2001", "allowOfline": true}),
            json!({"allowOfline": "is not a field of this body; use id or allowOffline"}),
        ),
        // The old spelling of salesAgent is no second name for it.
        (
            "POST",
            "/__admin/hostway/users",
            json!({"username": "new-user", "password": "pw", "agent": true, "admin": true}),
            json!({
                "admin": "is not a field of this body; use username, password, salesAgent or roles",
                "agent": "is not a field of this body; use username, password, salesAgent or roles",
            }),
        ),
        (
            "PUT",
            "/__admin/clock",
            json!({"now": "2030-01-01T00:00:00Z", "frozn": true}),
            json!({"frozn": "is not a field of this body; use now or frozen"}),
        ),
        // A typo in match would otherwise make a rule for every request, that never expires.
        (
            "POST",
            "/__admin/faults",
            json!({"match": {"paht": "/molpro/credit"}, "action": {"status": 503}}),
            json!({"match.paht": "is not a field of match; use method, path or user"}),
        ),
        (
            "POST",
            "/__admin/faults",
            json!({"action": {"status": 503, "delay": 100}, "time": 1}),
            json!({
                "action.delay": "is not a field of action; use delayMs, status, body, contentType or drop",
                "time": "is not a field of this body; use match, action or times",
            }),
        ),
    ];
    for (method, path, body, details) in cases {
        let reply = app.send(body_request(method, path, Surface::Admin, None, body.to_string().into())).await;
        assert_bad_request(Surface::Admin, &reply, details);
    }
    assert!(app.default_namespace().faults.list().is_empty());
    assert_eq!(app.default_namespace().clock.now(), instant(NOW));
    assert_eq!(app.balance().await, "0.00");
    assert!(app.state.store.namespace("default").hostway_account("2001").await.unwrap().is_none());
    assert!(app.state.store.namespace("default").hostway_user("new-user").await.unwrap().is_none());
    assert!(app.state.store.namespace("default").click2mail_user("new-user").await.unwrap().is_none());
}

/// The fixture files and the control plane spell a sales agent the same way, in and out.
#[tokio::test]
async fn a_sales_agent_is_spelled_as_the_fixtures_spell_it() {
    let app = TestApp::new().await;
    let user = json!({"username": "new-agent", "password": "pw", "salesAgent": true});
    let reply =
        app.send(body_request("POST", "/__admin/hostway/users", Surface::Admin, None, user.to_string().into())).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::CREATED, r#"{"roles":{},"salesAgent":true,"username":"new-agent"}"#)
    );
    assert!(app.state.store.namespace("default").hostway_user("new-agent").await.unwrap().unwrap().is_sales_agent);
    let reply = app.send(get("/__admin/state").body(axum::body::Body::empty()).unwrap()).await;
    let state: Value = serde_json::from_str(&reply.body).unwrap();
    let agent = state["hostway"]["users"].as_array().unwrap().iter().find(|user| user["username"] == "new-agent");
    assert_eq!(agent, Some(&json!({"username": "new-agent", "salesAgent": true, "roles": {}})));
}

/// The link of a method of account 1001 has one spelling: `http(s)://host/…` or the path.
#[tokio::test]
async fn a_default_link_is_an_http_link_or_the_path_of_a_method_of_this_account() {
    let (app, pid) = app_with_a_saved_card().await;
    let put = |link: &str| {
        let body = json!({ "paymentInfo": link }).to_string().into_bytes();
        body_request("PUT", "/accounts/1001/paymentInfo/default", Surface::Hostway, Some("application/json"), body)
    };
    let malformed = json!({"paymentInfo": "must be the http:// or https:// link of a payment method, such as \
        http://paymock.test:8080/accounts/1001/paymentInfo/cc-1, or its path, /accounts/1001/paymentInfo/cc-1"});
    for link in [
        format!("javascript:alert(1)//accounts/1001/paymentInfo/{pid}"),
        format!("mailto:owner@example.com?/accounts/1001/paymentInfo/{pid}"),
        format!("//evil.example/accounts/1001/paymentInfo/{pid}"),
        format!("ftp://paymock.test/accounts/1001/paymentInfo/{pid}"),
        format!("accounts/1001/paymentInfo/{pid}"),
        format!("../accounts/1001/paymentInfo/{pid}"),
        format!("/x/../accounts/1001/paymentInfo/{pid}"),
        format!("http://paymock.test:8080/accounts/1001/paymentInfo/{pid}?default=1"),
        format!("http:///accounts/1001/paymentInfo/{pid}"),
        format!(" /accounts/1001/paymentInfo/{pid}"),
        "not a link".to_owned(),
    ] {
        let reply = app.send(put(&link)).await;
        assert_bad_request(Surface::Hostway, &reply, malformed.clone());
    }
    // A well-formed link with a second spelling of the id names no method.
    for link in ["http://paymock.test:8080/accounts/1001/paymentInfo/cc-01", "/accounts/1001/paymentInfo/cc-01"] {
        let reply = app.send(put(link)).await;
        assert_bad_request(Surface::Hostway, &reply, json!({"paymentInfo": "is not a payment method of account 1001"}));
    }
    // The one spelling, with or without a host, a --public-url path or a trailing slash.
    for link in [
        format!("http://paymock.test:8080/accounts/1001/paymentInfo/{pid}"),
        format!("https://elsewhere.example/base/accounts/1001/paymentInfo/{pid}/"),
        format!("/accounts/1001/paymentInfo/{pid}"),
    ] {
        assert_eq!(app.send(put(&link)).await.status, StatusCode::NO_CONTENT, "{link}");
    }
}

/// `cc-01` and `dd-0001` are not other names for `cc-1` and `dd-1`: 404 wherever a method id
/// is taken, and nothing is done.
#[tokio::test]
async fn a_method_id_with_leading_zeros_names_nothing() {
    let (app, pid) = app_with_a_saved_card().await;
    assert_eq!(pid, "cc-1");
    let debit =
        json!({"paymentInfoType": "direct_debit", "routingNumber": "011000015", "accountNumber": "123456782332"});
    let reply = app
        .send(body_request(
            "POST",
            "/accounts/1001/paymentInfo",
            Surface::Hostway,
            Some("application/json"),
            debit.to_string().into(),
        ))
        .await;
    assert_eq!(reply.header("location"), "http://paymock.test:8080/accounts/1001/paymentInfo/dd-2");
    let payment = br#"{"amount": "10.00"}"#.to_vec();
    for id in ["cc-01", "cc-001", "dd-02", "dd-0002", "cc-0", "dd-00"] {
        for (method, path, body) in [
            ("GET", format!("/accounts/1001/paymentInfo/{id}"), Vec::new()),
            ("HEAD", format!("/accounts/1001/paymentInfo/{id}"), Vec::new()),
            ("DELETE", format!("/accounts/1001/paymentInfo/{id}"), Vec::new()),
            ("POST", format!("/accounts/1001/paymentInfo/{id}/payment"), payment.clone()),
        ] {
            let content_type = (!body.is_empty()).then_some("application/json");
            let reply = app.send(body_request(method, &path, Surface::Hostway, content_type, body)).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}: {}", reply.body);
            if method != "HEAD" {
                let message = format!("Payment info {id} does not exist on this account.");
                assert_eq!(client_error(Surface::Hostway, &reply), (StatusCode::NOT_FOUND, message));
            }
        }
    }
    assert_eq!(app.state.store.namespace("default").payment_methods("1001").await.unwrap().len(), 2);
    assert!(app.state.store.namespace("default").payments("1001").await.unwrap().is_empty());
}

/// Names of users and accounts follow one rule through the control plane, as through the
/// fixture files: 1 to 64 of `A-Z a-z 0-9 . _ @ -`, not `.` or `..`.
#[tokio::test]
async fn names_made_through_the_control_plane_follow_one_pattern() {
    let app = TestApp::new().await;
    let rule = "must be 1 to 64 of A-Z, a-z, 0-9, '.', '_', '@' and '-', and not '.' or '..'";
    let long = "a".repeat(65);
    for name in [" 2001", "2001 ", ".", "..", "a b", "a/b", "a:b", "a%41", "é", long.as_str()] {
        for (path, body, field) in [
            ("/__admin/hostway/accounts", json!({ "id": name }), "id"),
            ("/__admin/hostway/users", json!({ "username": name, "password": "pw" }), "username"),
            ("/__admin/click2mail/users", json!({ "username": name, "password": "pw" }), "username"),
        ] {
            let reply = app.send(body_request("POST", path, Surface::Admin, None, body.to_string().into())).await;
            assert_bad_request(Surface::Admin, &reply, json!({ field: rule }));
        }
    }
    assert_eq!(app.state.store.namespace("default").hostway_accounts().await.unwrap().len(), 2);
    assert_eq!(app.state.store.namespace("default").hostway_users().await.unwrap().len(), 3);
    assert_eq!(app.state.store.namespace("default").click2mail_balances().await.unwrap().len(), 1);
    for name in ["...", "x@example.com", "Suite_7.a-b", &"a".repeat(64)] {
        let reply = app
            .send(body_request(
                "POST",
                "/__admin/hostway/accounts",
                Surface::Admin,
                None,
                json!({ "id": name }).to_string().into(),
            ))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{name}: {}", reply.body);
    }
}

/// A second of 60 is no instant: chrono reads it as a leap second at any minute, which no
/// clock shows. The clock and the journal's `since` refuse it, as they refuse the 30th of
/// February.
#[tokio::test]
async fn times_are_real_instants() {
    let app = TestApp::new().await;
    let hint = "must be an RFC 3339 time that can happen, with seconds 00 to 59, such as 2030-12-31T23:59:59Z";
    for now in [
        "2030-12-31T23:59:60Z",
        "2030-06-30T12:00:60.500Z",
        "2030-12-31T23:59:60+01:00",
        "2030-02-30T00:00:00Z",
        "0001-01-01T00:30:00+01:00",
    ] {
        let body = json!({ "now": now }).to_string().into_bytes();
        let reply = app.send(body_request("PUT", "/__admin/clock", Surface::Admin, None, body)).await;
        assert_bad_request(Surface::Admin, &reply, json!({ "now": hint }));

        let path = format!("/__admin/requests?since={}", now.replace('+', "%2B"));
        let reply = app.send(get(&path).body(axum::body::Body::empty()).unwrap()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{now}");
        assert_eq!(
            serde_json::from_str::<Value>(&reply.body).unwrap(),
            json!({
                "error": "The query string has unknown, repeated or malformed parameters: since.",
                "details": {"since": hint},
            })
        );
    }
    assert_eq!(app.default_namespace().clock.now(), instant(NOW));
    let reply = app
        .send(get("/__admin/requests/count?since=2030-12-31T23:59:59Z").body(axum::body::Body::empty()).unwrap())
        .await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, r#"{"count":0}"#));
}

/// A valid body for each of [`crate::hostile::BODY_ROUTES`], in its surface's media type;
/// some text for any other route.
fn good_body(path: &str) -> Vec<u8> {
    let json = match path {
        "/molpro/credit/purchase" => return serde_urlencoded::to_string(VENDOR_EXAMPLE).unwrap().into_bytes(),
        "/accounts/1001/paymentInfo" => crate::hostway::card_with(json!({"accountNumber": "5555555555554444"})),
        "/accounts/1001/paymentInfo/default" => json!({"paymentInfo": "/accounts/1001/paymentInfo/cc-1"}),
        "/__admin/clock" => json!({"now": "2031-01-01T00:00:00Z"}),
        "/__admin/faults" => json!({"action": {"status": 503}}),
        "/__admin/click2mail/users" => json!({"username": "new-user", "password": "pw"}),
        "/__admin/click2mail/users/awesomeuser/balance" => json!({"balance": "50.00"}),
        "/__admin/hostway/accounts" => json!({"id": "2001"}),
        "/__admin/hostway/users" => json!({"username": "new-user", "password": "pw"}),
        payment if payment.ends_with("/payment") => json!({"amount": "10.00"}),
        _ => return b"some text".to_vec(),
    };
    json.to_string().into_bytes()
}

/// A body whose `Content-Encoding` paymock does not decode is refused with 415 in the
/// surface's envelope, on every route; it is never read as if it were not encoded.
#[tokio::test]
async fn a_body_in_a_content_encoding_paymock_does_not_decode_gets_415() {
    use crate::hostile::{BODY_ROUTES, media_type};

    let (app, pid) = app_with_a_saved_card().await;
    let message = "Content-Encoding gzip is not supported: send the body as it is (identity), not compressed.";
    let bodiless = [
        ("GET", "/molpro/credit".to_owned(), Surface::Click2Mail),
        ("DELETE", format!("/accounts/1001/paymentInfo/{pid}"), Surface::Hostway),
        ("OPTIONS", "/accounts/1001/paymentInfo".to_owned(), Surface::Hostway),
        ("POST", "/__admin/reset".to_owned(), Surface::Admin),
    ];
    let routes = BODY_ROUTES.iter().map(|(method, path, surface)| (*method, path.replace("{pid}", &pid), *surface));
    for (method, path, surface) in routes.chain(bodiless) {
        for coding in ["gzip", "identity, gzip"] {
            let mut request = body_request(method, &path, surface, Some(media_type(surface)), good_body(&path));
            request.headers_mut().insert("content-encoding", coding.parse().unwrap());
            let reply = app.send(request).await;
            assert_eq!(
                client_error(surface, &reply),
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, message.to_owned()),
                "{method} {path} {coding}"
            );
            if surface == Surface::Hostway {
                assert!(envelope(&reply).get("unsupportedMediaType").is_some(), "{}", reply.body);
            }
        }
    }
    // Nothing was done.
    assert_eq!(app.balance().await, "0.00");
    assert_eq!(app.state.store.namespace("default").payment_methods("1001").await.unwrap().len(), 1);
    assert!(app.state.store.namespace("default").payments("1001").await.unwrap().is_empty());
    assert!(app.default_namespace().faults.list().is_empty());
    assert_eq!(app.default_namespace().clock.now(), instant(NOW));
    assert!(app.state.store.namespace("default").click2mail_user("new-user").await.unwrap().is_none());

    // identity is no encoding at all.
    let mut request = crate::helpers::purchase_post()
        .header(axum::http::header::AUTHORIZATION, basic(USERNAME, PASSWORD))
        .header("content-encoding", "identity")
        .body(form(&VENDOR_EXAMPLE))
        .unwrap();
    request.headers_mut().insert(axum::http::header::HOST, HOST.parse().unwrap());
    assert_eq!(app.send(request).await.body, success_xml());
}
