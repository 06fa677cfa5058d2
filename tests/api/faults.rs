//! Faults: by rule and by header, in each vendor's envelope, counted, scoped, and really
//! dropping connections.

use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::*;

fn admin(method: Method, path: &str, body: Option<Value>) -> Request<Body> {
    let builder = Request::builder().method(method).uri(format!("/__admin{path}"));
    match body {
        Some(body) => builder.body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .unwrap()
}

fn credit(fault: Option<(&str, &str)>) -> Request<Body> {
    let mut builder = get("/molpro/credit").header(header::AUTHORIZATION, basic(USERNAME, PASSWORD));
    if let Some((name, value)) = fault {
        builder = builder.header(name, value);
    }
    builder.body(Body::empty()).unwrap()
}

fn hostway_list() -> Request<Body> {
    get("/accounts/1001/paymentInfo")
        .header(header::AUTHORIZATION, basic("acme-owner", "Owner-Pass-1"))
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn a_rule_answers_its_status_in_each_vendors_envelope_for_its_times() {
    let app = TestApp::new().await;
    let rule = json!({"match": {"path": "/molpro/*", "method": "get"}, "action": {"status": 503}, "times": 2});
    let reply = app.send(admin(Method::POST, "/faults", Some(rule))).await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::CREATED, r#"{"id":1}"#));

    for _ in 0..2 {
        let reply = app.send(credit(None)).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(reply.body, error_xml(-1, "Fault injected by paymock: HTTP 503.", &[]));
        // A fault on one path leaves the others untouched.
        let reply = app.send(hostway_list()).await;
        assert_eq!(
            (reply.status, serde_json::from_str::<Value>(&reply.body).unwrap()["list"].clone()),
            (StatusCode::OK, json!([]))
        );
    }
    assert_eq!(app.send(credit(None)).await.body, balance_xml("0.00"));
    assert_eq!(app.send(admin(Method::GET, "/faults", None)).await.body, r#"{"faults":[]}"#);

    let rule = json!({"match": {"user": "acme-owner"}, "action": {"status": 409}});
    app.send(admin(Method::POST, "/faults", Some(rule))).await;
    let reply = app.send(hostway_list()).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(body["conflict"]["message"], json!("Fault injected by paymock: HTTP 409."));
    assert_eq!(body["conflict"]["code"], json!(409));
    // Another user is not matched.
    assert_eq!(app.send(credit(None)).await.body, balance_xml("0.00"));
}

#[tokio::test]
async fn with_fault_headers_off_the_headers_are_ignored_and_rules_still_apply() {
    let app = TestApp::new().await.with_fault_headers(false);
    for headers in [
        [("X-Paymock-Fault", "503"), ("X-Paymock-Delay", "1")],
        [("X-Paymock-Fault", "reset"), ("x-paymock-fault", "reset")],
        [("X-Paymock-Fault", "empty"), ("X-Paymock-Delay", "0")],
        // What would be refused with a 400 is not even read.
        [("X-Paymock-Fault", "teapot"), ("X-Paymock-Delay", "soon")],
    ] {
        let mut request = get("/molpro/credit").header(header::AUTHORIZATION, basic(USERNAME, PASSWORD));
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let reply = app.send(request.body(Body::empty()).unwrap()).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, balance_xml("0.00")), "{headers:?}");
    }
    let mut list = hostway_list();
    list.headers_mut().insert("x-paymock-fault", "409".parse().unwrap());
    let reply = app.send(list).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let journal: Value = serde_json::from_str(&app.send(admin(Method::GET, "/requests", None)).await.body).unwrap();
    let statuses: Vec<&Value> = journal["requests"].as_array().unwrap().iter().map(|entry| &entry["status"]).collect();
    assert_eq!(statuses, [&json!(200); 5], "served as if the headers were absent");

    // Rules are the control plane's, and still apply.
    app.send(admin(Method::POST, "/faults", Some(json!({"action": {"status": 503}, "times": 1})))).await;
    let reply = app.send(credit(Some(("X-Paymock-Fault", "200")))).await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::SERVICE_UNAVAILABLE, error_xml(-1, "Fault injected by paymock: HTTP 503.", &[]))
    );
    assert_eq!(app.send(credit(Some(("X-Paymock-Fault", "503")))).await.body, balance_xml("0.00"));
}

#[tokio::test]
async fn a_rule_may_carry_its_own_body_and_rules_can_be_listed_and_removed() {
    let app = TestApp::new().await;
    let rule =
        json!({"match": {"path": "/molpro/credit"}, "action": {"status": 502, "body": "<html>bad gateway</html>"}});
    app.send(admin(Method::POST, "/faults", Some(rule))).await;
    app.send(admin(Method::POST, "/faults", Some(json!({"action": {"delayMs": 1}, "times": 3})))).await;
    let reply = app.send(credit(None)).await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::BAD_GATEWAY, "<html>bad gateway</html>"));
    assert_eq!(reply.header("content-type"), "application/xml");

    let reply = app.send(admin(Method::GET, "/faults", None)).await;
    assert_eq!(
        serde_json::from_str::<Value>(&reply.body).unwrap(),
        json!({"faults": [
            {"id": 1, "match": {"path": "/molpro/credit"}, "action": {"status": 502, "body": "<html>bad gateway</html>"}, "times": null, "hits": 1},
            {"id": 2, "match": {}, "action": {"delayMs": 1}, "times": 3, "hits": 0}
        ]})
    );
    assert_eq!(app.send(admin(Method::DELETE, "/faults/1", None)).await.status, StatusCode::NO_CONTENT);
    let reply = app.send(admin(Method::DELETE, "/faults/1", None)).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::NOT_FOUND, r#"{"error":"There is no fault 1.","details":{}}"#)
    );
    assert_eq!(app.send(admin(Method::DELETE, "/faults", None)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.send(admin(Method::GET, "/faults", None)).await.body, r#"{"faults":[]}"#);

    let reply = app
        .send(admin(
            Method::POST,
            "/faults",
            Some(json!({"match": "x", "action": {"status": 99, "drop": "later", "delayMs": -1}, "times": 0})),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        serde_json::from_str::<Value>(&reply.body).unwrap()["details"],
        json!({
            "action.delayMs": "must be milliseconds from 0 to 60000",
            "action.drop": "must be \"reset\" or \"empty\"",
            "action.status": "must be an HTTP status from 200 to 599",
            "match": "must be an object",
            "times": "must be a whole number of at least 1"
        })
    );
    for action in [json!({}), json!({"delayMs": null})] {
        let reply = app.send(admin(Method::POST, "/faults", Some(json!({"action": action})))).await;
        let details = serde_json::from_str::<Value>(&reply.body).unwrap()["details"].clone();
        assert_eq!(details, json!({"action": "needs delayMs, status or drop"}));
    }
    for status in [100, 101, 199, 600] {
        let reply = app.send(admin(Method::POST, "/faults", Some(json!({"action": {"status": status}})))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{status}");
    }
    // Reset clears the rules.
    app.send(admin(Method::POST, "/faults", Some(json!({"action": {"status": 500}})))).await;
    app.send(admin(Method::POST, "/reset", None)).await;
    assert_eq!(app.send(credit(None)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn headers_ask_for_a_fault_on_one_request() {
    let app = TestApp::new().await;
    let reply = app.send(credit(Some(("x-paymock-fault", "500")))).await;
    assert_eq!(
        (reply.status, reply.body.clone()),
        (StatusCode::INTERNAL_SERVER_ERROR, error_xml(-1, "Fault injected by paymock: HTTP 500.", &[]))
    );
    assert_eq!(app.send(credit(None)).await.status, StatusCode::OK);

    let started = Instant::now();
    let reply = app.send(credit(Some(("x-paymock-delay", "200")))).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(reply.body, balance_xml("0.00"));

    let reply = app.send(credit(Some(("x-paymock-fault", "teapot")))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        error_xml(9, "X-Paymock-Fault must be an HTTP status from 200 to 599, reset or empty.", &[])
    );
    let reply = app.send(credit(Some(("x-paymock-delay", "600000")))).await;
    assert_eq!(reply.body, error_xml(9, "X-Paymock-Delay must be milliseconds from 0 to 60000.", &[]));
}

/// Sends a GET with the given extra header and reads until the server closes.
fn raw_get(address: std::net::SocketAddr, path: &str, extra: &str) -> std::io::Result<Vec<u8>> {
    let mut stream = std::net::TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let authorization = basic(USERNAME, PASSWORD);
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: {authorization}\r\n{extra}Connection: close\r\n\r\n"
    )?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    Ok(reply)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_are_really_dropped() {
    let served = TestApp::new().await.serve().await;
    let address = served.address;
    let result = tokio::task::spawn_blocking(move || {
        (
            raw_get(address, "/molpro/credit", "X-Paymock-Fault: empty\r\n"),
            raw_get(address, "/molpro/credit", "X-Paymock-Fault: reset\r\n"),
            raw_get(address, "/molpro/credit", ""),
        )
    })
    .await
    .unwrap();
    assert_eq!(result.0.unwrap(), b"", "an empty reply");
    let reset = result.1.expect_err("a reset");
    assert_eq!(reset.kind(), ErrorKind::ConnectionReset);
    let normal = String::from_utf8(result.2.unwrap()).unwrap();
    assert!(normal.starts_with("HTTP/1.1 200 OK\r\n"), "{normal}");
}

#[tokio::test]
async fn a_delay_rule_lets_the_request_through_for_its_times() {
    let app = TestApp::new().await;
    let rule = json!({"match": {"path": "/molpro/credit"}, "action": {"delayMs": 150}, "times": 1});
    app.send(admin(Method::POST, "/faults", Some(rule))).await;
    let started = Instant::now();
    assert_eq!(app.send(credit(None)).await.body, balance_xml("0.00"));
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(app.send(admin(Method::GET, "/faults", None)).await.body, r#"{"faults":[]}"#);
}

#[tokio::test]
async fn hostway_header_faults_and_bodiless_statuses() {
    let app = TestApp::new().await;
    let request = get("/accounts/1001/paymentInfo")
        .header(header::AUTHORIZATION, basic("acme-owner", "Owner-Pass-1"))
        .header("x-paymock-fault", "503")
        .body(Body::empty())
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let mut body: Value = serde_json::from_str(&reply.body).unwrap();
    body["serviceUnavailable"].as_object_mut().unwrap().remove("guid");
    assert_eq!(
        body,
        json!({"serviceUnavailable": {"message": "Fault injected by paymock: HTTP 503.", "code": 503, "details": {}}})
    );

    let reply = app.send(credit(Some(("x-paymock-fault", "204")))).await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::NO_CONTENT, ""));
    let reply = app.send(credit(Some(("x-paymock-fault", "101")))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_drops_connections_and_the_journal_says_so() {
    let app = TestApp::new().await;
    let served = app.serve().await;
    let address = served.address;
    let rule = json!({"match": {"path": "/molpro/*"}, "action": {"drop": "reset"}, "times": 1});
    app.send(admin(Method::POST, "/faults", Some(rule))).await;

    let (dropped, after) = tokio::task::spawn_blocking(move || {
        (raw_get(address, "/molpro/credit", ""), raw_get(address, "/molpro/credit", ""))
    })
    .await
    .unwrap();
    assert_eq!(dropped.expect_err("a reset").kind(), ErrorKind::ConnectionReset);
    assert!(String::from_utf8(after.unwrap()).unwrap().starts_with("HTTP/1.1 200 OK\r\n"));

    let reply = app.send(admin(Method::GET, "/requests", None)).await;
    let requests: Value = serde_json::from_str(&reply.body).unwrap();
    let summary: Vec<(Value, Value)> = requests["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| (entry["status"].clone(), entry["dropped"].clone()))
        .collect();
    assert_eq!(summary, [(json!(200), json!(null)), (json!(0), json!("reset"))]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_says_what_became_of_each_request() {
    use paymock::sandbox::journal::{Filter, Outcome};

    let app = TestApp::new().await;
    let served = app.serve().await;
    let base = format!("http://{}", served.address);
    let http = reqwest::Client::new();
    let credit = || http.get(format!("{base}/molpro/credit")).basic_auth(USERNAME, Some(PASSWORD));

    assert_eq!(credit().send().await.unwrap().status(), 200);
    assert_eq!(credit().header("X-Paymock-Fault", "503").send().await.unwrap().status(), 503);
    assert!(credit().header("X-Paymock-Fault", "reset").send().await.is_err());
    let declined = http
        .post(format!("{base}/molpro/credit/purchase"))
        .basic_auth(USERNAME, Some(PASSWORD))
        .form(&example_with("billingNumber", "4000000000000002"))
        .send()
        .await
        .unwrap();
    assert_eq!(declined.status(), 200);
    assert_eq!(http.get(format!("{base}/molpro/credit")).send().await.unwrap().status(), 401);
    // A client that gives up during an injected delay.
    let impatient = credit().header("X-Paymock-Delay", "10000").timeout(std::time::Duration::from_millis(200)).send();
    assert!(impatient.await.unwrap_err().is_timeout());

    let outcome_of =
        |outcome| app.default_namespace().journal.find(&Filter { outcome: Some(outcome), ..Default::default() }, 10);
    // The abandoned request is journaled once the server notices the client is gone.
    let mut abandoned = outcome_of(Outcome::Abandoned);
    for _ in 0..500 {
        if !abandoned.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        abandoned = outcome_of(Outcome::Abandoned);
    }
    assert_eq!(abandoned.len(), 1, "{:#?}", app.default_namespace().journal.find(&Filter::default(), 10));
    assert_eq!((abandoned[0].status, abandoned[0].response_body.as_str()), (0, ""));

    let dropped = outcome_of(Outcome::Dropped);
    assert_eq!(dropped.len(), 1);
    assert_eq!((dropped[0].status, dropped[0].response_body.as_str()), (0, ""), "nothing was sent");
    for (outcome, status) in
        [(Outcome::Ok, 200), (Outcome::Fault, 503), (Outcome::Declined, 200), (Outcome::Unauthorized, 401)]
    {
        let entries = outcome_of(outcome);
        assert_eq!(entries.iter().map(|entry| entry.status).collect::<Vec<_>>(), [status], "{outcome:?}");
    }

    // And says in a sentence what decided it.
    let reasons: Vec<(Outcome, String)> = app
        .default_namespace()
        .journal
        .find(&Filter::default(), 10)
        .into_iter()
        .rev()
        .map(|entry| (entry.outcome, entry.reason))
        .collect();
    let expected = [
        (Outcome::Ok, "200: OK"),
        (Outcome::Fault, "the X-Paymock-* headers: answered 503"),
        (Outcome::Dropped, "the X-Paymock-* headers: dropped the connection (reset)"),
        (Outcome::Declined, "declined: payment not authorized: card declined"),
        (Outcome::Unauthorized, "401: Authentication failed: the Authorization header is missing"),
        (Outcome::Abandoned, "abandoned: the client went away before it was answered"),
    ];
    assert_eq!(reasons, expected.map(|(outcome, reason)| (outcome, reason.to_owned())));

    // The control plane filters on it.
    let reply = http.get(format!("{base}/__admin/requests?outcome=dropped")).send().await.unwrap();
    let body: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(body["requests"].as_array().unwrap().len(), 1);
    assert_eq!(body["requests"][0]["outcome"], "dropped");
    let reply = http.get(format!("{base}/__admin/requests/count?outcome=lost")).send().await.unwrap();
    assert_eq!(reply.status(), 400);
    let body: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(
        body["details"]["outcome"],
        "must be one of ok, declined, invalid, unauthorized, forbidden, not_found, conflict, fault, dropped, abandoned, error"
    );
}

/// A rule's own body is labelled as what it is, or as the rule says.
#[tokio::test]
async fn a_rule_body_gets_a_content_type_that_matches_it() {
    let app = TestApp::new().await;
    for (action, content_type) in [
        (json!({"status": 502, "body": r#"{"error": "bad gateway"}"#}), "application/json"),
        (json!({"status": 502, "body": "  <error>bad gateway</error>"}), "application/xml"),
        (json!({"status": 502, "body": "Bad Gateway"}), "text/plain; charset=utf-8"),
        (json!({"status": 502, "body": ""}), "text/plain; charset=utf-8"),
        (
            json!({"status": 502, "body": "<p>bad</p>", "contentType": "text/html; charset=utf-8"}),
            "text/html; charset=utf-8",
        ),
    ] {
        let body = action["body"].as_str().unwrap().to_owned();
        let reply = app.send(admin(Method::POST, "/faults", Some(json!({"action": action, "times": 2})))).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        for request in [credit(None), hostway_list()] {
            let reply = app.send(request).await;
            assert_eq!((reply.status, reply.body.as_str()), (StatusCode::BAD_GATEWAY, body.as_str()));
            assert_eq!(reply.header("content-type"), content_type, "{body}");
        }
    }
    let reply = app.send(admin(Method::GET, "/faults", None)).await;
    assert_eq!(reply.body, r#"{"faults":[]}"#);
}

/// An injected 401 is the vendor's own: with its Basic challenge, by rule or by header.
#[tokio::test]
async fn an_injected_401_carries_the_vendors_challenge() {
    let app = TestApp::new().await;
    let reply = app.send(credit(Some(("x-paymock-fault", "401")))).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.header("www-authenticate"), r#"Basic realm="molpro""#);
    assert_eq!(reply.body, error_xml(1, "Fault injected by paymock: HTTP 401.", &[]));

    let mut request = hostway_list();
    request.headers_mut().insert("x-paymock-fault", "401".parse().unwrap());
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.header("www-authenticate"), r#"Basic realm="hostway""#);
    assert_eq!(reply.body, "401 Unauthorized\n\nFault injected by paymock: HTTP 401.\n");

    let rule = json!({"action": {"status": 401, "body": "{}"}, "times": 2});
    app.send(admin(Method::POST, "/faults", Some(rule))).await;
    let reply = app.send(credit(None)).await;
    assert_eq!((reply.status, reply.header("www-authenticate")), (StatusCode::UNAUTHORIZED, r#"Basic realm="molpro""#));
    let reply = app.send(hostway_list()).await;
    assert_eq!(
        (reply.status, reply.header("www-authenticate")),
        (StatusCode::UNAUTHORIZED, r#"Basic realm="hostway""#)
    );
    assert_eq!(reply.header("content-type"), "application/json");
}

/// A rule, or a request's headers, that ask for two answers at once are refused rather
/// than one of them quietly winning.
#[tokio::test]
async fn a_fault_that_asks_for_two_answers_is_refused() {
    let app = TestApp::new().await;
    let drop_hint = "cannot go with status or body: a dropped connection answers nothing";
    for (action, details) in [
        (json!({"drop": "reset", "status": 503}), json!({"action.drop": drop_hint})),
        (json!({"drop": "empty", "status": 502, "body": "x"}), json!({"action.drop": drop_hint})),
        (json!({"drop": "reset", "body": "x"}), json!({"action.body": "goes with a status", "action.drop": drop_hint})),
        (
            json!({"status": 204, "body": "x"}),
            json!({"action.body": "cannot go with status 204 or 304, which carry no body"}),
        ),
        (json!({"status": 503, "contentType": "application/json"}), json!({"action.contentType": "goes with a body"})),
        (
            json!({"status": 503, "body": "x", "contentType": "json"}),
            json!({"action.contentType": "must be a media type such as application/json"}),
        ),
    ] {
        let reply = app.send(admin(Method::POST, "/faults", Some(json!({ "action": action })))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{action}: {}", reply.body);
        assert_eq!(serde_json::from_str::<Value>(&reply.body).unwrap()["details"], details, "{action}");
    }
    assert_eq!(app.send(admin(Method::GET, "/faults", None)).await.body, r#"{"faults":[]}"#);
    // A delay goes with anything.
    let reply =
        app.send(admin(Method::POST, "/faults", Some(json!({"action": {"delayMs": 1, "drop": "reset"}})))).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    app.send(admin(Method::DELETE, "/faults", None)).await;

    // Two fault headers: neither is taken.
    for name in ["x-paymock-fault", "x-paymock-delay"] {
        let mut request = credit(None);
        request.headers_mut().append(name, "503".parse().unwrap());
        request.headers_mut().append(name, "1".parse().unwrap());
        let reply = app.send(request).await;
        let canonical = if name == "x-paymock-fault" { "X-Paymock-Fault" } else { "X-Paymock-Delay" };
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.body, error_xml(9, &format!("{canonical} is given more than once; give it once."), &[]));
    }
}

/// A rule's id is in the reason of each request it decided; a delay names what came after.
#[tokio::test]
async fn the_journal_names_the_rule_that_decided_a_request() {
    let app = TestApp::new().await;
    let rule = json!({"match": {"path": "/molpro/credit"}, "action": {"delayMs": 1}, "times": 1});
    assert_eq!(app.send(admin(Method::POST, "/faults", Some(rule))).await.status, StatusCode::CREATED);
    let rule = json!({"match": {"path": "/molpro/credit"}, "action": {"status": 429}, "times": 1});
    assert_eq!(app.send(admin(Method::POST, "/faults", Some(rule))).await.status, StatusCode::CREATED);
    assert_eq!(app.send(credit(None)).await.status, StatusCode::OK);
    assert_eq!(app.send(credit(None)).await.status, StatusCode::TOO_MANY_REQUESTS);
    let bad = app.purchase(&example_with("billingNumber", "4111111111111112")).await;
    assert_eq!(bad.status, StatusCode::OK);
    let missing = app.purchase(&example_without("billingName")).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    let journal: Value = serde_json::from_str(&app.send(admin(Method::GET, "/requests", None)).await.body).unwrap();
    let reasons: Vec<&str> =
        journal["requests"].as_array().unwrap().iter().rev().map(|entry| entry["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons[..2], ["fault rule 1: delayed it 1 ms, then 200: OK", "fault rule 2: answered 429"]);
    assert_eq!(reasons[2], "declined: payment not authorized: card number fails the Luhn check");
    assert!(reasons[3].starts_with("400: ") && reasons[3].contains("billingName"), "{}", reasons[3]);
    for entry in journal["requests"].as_array().unwrap() {
        assert!(!entry["reason"].as_str().unwrap().contains("4111111111111112"), "{entry}");
    }
    assert!(!reasons[2].contains("4111111111111112"), "{}", reasons[2]);
}
