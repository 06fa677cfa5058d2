//! Namespaces: a base URL of `/ns/{name}` (or the `X-Paymock-Namespace` header) gives a
//! suite state of its own, made on its first request from the fixtures, with its own clock,
//! journal and faults; replies point back into it; it persists across restarts; and the
//! control plane lists, inspects and removes namespaces.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use paymock::sandbox::fixtures::Fixtures;
use paymock::store::Database;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::hostway::{OWNER, card, request};

fn admin(method: Method, path: &str, body: Option<Value>) -> Request<Body> {
    let builder = Request::builder().method(method).uri(format!("/__admin{path}")).header(header::HOST, HOST);
    match body {
        Some(body) => builder.header("content-type", "application/json").body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .unwrap()
}

async fn json_of(app: &TestApp, request: Request<Body>) -> Value {
    let reply = app.send(request).await;
    assert!(reply.status.is_success(), "{} {}", reply.status, reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

/// A purchase of the vendor example in the namespace.
fn purchase_in(namespace: &str) -> Request<Body> {
    purchase_post()
        .uri(format!("/ns/{namespace}/molpro/credit/purchase"))
        .header(header::AUTHORIZATION, basic(USERNAME, PASSWORD))
        .body(form(&VENDOR_EXAMPLE))
        .unwrap()
}

fn balance_in(namespace: &str) -> Request<Body> {
    get(&format!("/ns/{namespace}/molpro/credit"))
        .header(header::AUTHORIZATION, basic(USERNAME, PASSWORD))
        .body(Body::empty())
        .unwrap()
}

fn status_url(namespace: &str) -> String {
    format!("http://paymock.test:8080/ns/{namespace}/molpro/credit")
}

fn balance_xml_in(namespace: &str, balance: &str) -> String {
    balance_xml(balance).replace(STATUS_URL, &status_url(namespace))
}

#[tokio::test]
async fn two_namespaces_see_only_their_own_purchases_methods_faults_clocks_and_journals() {
    let app = TestApp::new().await;

    // Interleaved: two purchases in alpha, one in beta, none in default.
    for namespace in ["alpha", "beta", "alpha"] {
        let reply = app.send(purchase_in(namespace)).await;
        assert_eq!(
            (reply.status, reply.body),
            (StatusCode::OK, success_xml().replace(STATUS_URL, &status_url(namespace)))
        );
    }
    assert_eq!(app.send(balance_in("alpha")).await.body, balance_xml_in("alpha", "20.00"));
    assert_eq!(app.send(balance_in("beta")).await.body, balance_xml_in("beta", "10.00"));
    assert_eq!(app.balance().await, "0.00");

    // A method saved in beta is beta's alone, with beta's own ids.
    let saved = app.send(request(Method::POST, "/ns/beta/accounts/1001/paymentInfo", Some(OWNER), Some(&card()))).await;
    assert_eq!(saved.status, StatusCode::CREATED, "{}", saved.body);
    assert_eq!(saved.header("location"), "http://paymock.test:8080/ns/beta/accounts/1001/paymentInfo/cc-1");
    let in_alpha =
        app.send(request(Method::POST, "/ns/alpha/accounts/1001/paymentInfo", Some(OWNER), Some(&card()))).await;
    assert_eq!(in_alpha.status, StatusCode::CREATED, "the same card is no duplicate in another namespace");
    assert_eq!(in_alpha.header("location"), "http://paymock.test:8080/ns/alpha/accounts/1001/paymentInfo/cc-1");
    let listed = app.send(request(Method::GET, "/accounts/1001/paymentInfo", Some(OWNER), None)).await;
    assert_eq!(serde_json::from_str::<Value>(&listed.body).unwrap()["list"], json!([]));

    // A fault rule in alpha fires in alpha only.
    let rule = json!({"match": {"path": "/molpro/credit"}, "action": {"status": 503}, "times": 1});
    let added = app.send(admin(Method::POST, "/ns/alpha/faults", Some(rule))).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert_eq!(app.send(balance_in("beta")).await.status, StatusCode::OK);
    assert_eq!(app.balance().await, "0.00");
    assert_eq!(app.send(balance_in("alpha")).await.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(json_of(&app, admin(Method::GET, "/faults", None)).await, json!({"faults": []}));

    // Each has its own clock.
    let frozen =
        json_of(&app, admin(Method::PUT, "/ns/beta/clock", Some(json!({"now": "2031-01-02T03:04:05Z"})))).await;
    assert_eq!(frozen, json!({"now": "2031-01-02T03:04:05.000Z", "frozen": true}));
    assert_eq!(json_of(&app, admin(Method::GET, "/ns/alpha/clock", None)).await["now"], "2026-11-22T12:00:00.000Z");
    assert_eq!(json_of(&app, admin(Method::GET, "/clock", None)).await["now"], "2026-11-22T12:00:00.000Z");

    // Each journal holds its own requests, without the prefix, and names its namespace.
    let journal = json_of(&app, admin(Method::GET, "/ns/beta/requests", None)).await;
    let seen: Vec<(&str, &str, u64)> = journal["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (entry["namespace"].as_str().unwrap(), entry["path"].as_str().unwrap(), entry["status"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("beta", "/molpro/credit", 200),
            ("beta", "/accounts/1001/paymentInfo", 201),
            ("beta", "/molpro/credit", 200),
            ("beta", "/molpro/credit/purchase", 200),
        ]
    );
    assert_eq!(json_of(&app, admin(Method::GET, "/requests/count", None)).await, json!({"count": 3}));
    // Across namespaces: every entry, newest first.
    let all = json_of(&app, admin(Method::GET, "/requests?namespace=*&path=/molpro/credit/purchase", None)).await;
    let namespaces: Vec<&str> =
        all["requests"].as_array().unwrap().iter().map(|entry| entry["namespace"].as_str().unwrap()).collect();
    assert_eq!(namespaces, ["alpha", "beta", "alpha"]);
    assert_eq!(
        json_of(&app, admin(Method::GET, "/requests/count?namespace=*", None)).await,
        json!({"count": 3 + 4 + 5})
    );

    // A reset of alpha leaves beta and default as they were.
    let beta_before = json_of(&app, admin(Method::GET, "/ns/beta/state", None)).await;
    assert_eq!(app.send(admin(Method::POST, "/ns/alpha/reset", None)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.send(balance_in("alpha")).await.body, balance_xml_in("alpha", "0.00"));
    assert_eq!(json_of(&app, admin(Method::GET, "/ns/beta/state", None)).await, beta_before);
    assert_eq!(json_of(&app, admin(Method::GET, "/ns/alpha/requests/count", None)).await, json!({"count": 1}));
    assert_eq!(app.send(balance_in("beta")).await.body, balance_xml_in("beta", "10.00"));
}

#[tokio::test]
async fn the_header_chooses_a_namespace_and_must_agree_with_the_prefix() {
    let app = TestApp::new().await;
    let by_header = purchase_post()
        .header(header::AUTHORIZATION, basic(USERNAME, PASSWORD))
        .header("x-paymock-namespace", "by-header")
        .body(form(&VENDOR_EXAMPLE))
        .unwrap();
    // The client sent no prefix, so its URLs carry none: it sends the header each time.
    assert_eq!(app.send(by_header).await.body, success_xml());
    assert_eq!(app.send(balance_in("by-header")).await.body, balance_xml_in("by-header", "10.00"));
    assert_eq!(app.balance().await, "0.00");

    let mut agreeing = balance_in("same");
    agreeing.headers_mut().insert("x-paymock-namespace", "same".parse().unwrap());
    assert_eq!(app.send(agreeing).await.body, balance_xml_in("same", "0.00"));

    let mut disagreeing = balance_in("one");
    disagreeing.headers_mut().insert("x-paymock-namespace", "two".parse().unwrap());
    let reply = app.send(disagreeing).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        reply.body,
        error_xml(
            9,
            "The path names the namespace 'one' but the X-Paymock-Namespace header names 'two': send one of them, \
             or the same name in both.",
            &[]
        )
    );

    let mut disagreeing = request(Method::GET, "/ns/one/accounts/1001/paymentInfo", Some(OWNER), None);
    disagreeing.headers_mut().insert("x-paymock-namespace", "two".parse().unwrap());
    let reply = app.send(disagreeing).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(
        body["badRequest"]["message"],
        "The path names the namespace 'one' but the X-Paymock-Namespace header names 'two': send one of them, or \
         the same name in both."
    );
    // Neither namespace was made.
    let listed = json_of(&app, admin(Method::GET, "/namespaces", None)).await;
    let names: Vec<&str> =
        listed["namespaces"].as_array().unwrap().iter().map(|namespace| namespace["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["by-header", "default", "same"]);
}

#[tokio::test]
async fn bad_namespace_names_get_a_400_in_the_vendors_envelope() {
    let app = TestApp::new().await;
    let long = "n".repeat(65);
    for name in ["a%20b", "caf%C3%A9", "a@b", long.as_str()] {
        let reply = app.send(balance_in(name)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(reply.body.contains("<status>9</status>"), "{name}: {}", reply.body);
        assert!(reply.body.contains("must be 1 to 64 of A-Z, a-z, 0-9"), "{name}: {}", reply.body);

        let reply =
            app.send(request(Method::GET, &format!("/ns/{name}/accounts/1001/paymentInfo"), Some(OWNER), None)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{name}");
        let body: Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(body["badRequest"]["code"], 400, "{name}");
    }
    let mut by_header = balance_in("ok");
    by_header.headers_mut().insert("x-paymock-namespace", "..".parse().unwrap());
    assert_eq!(app.send(by_header).await.status, StatusCode::BAD_REQUEST);
    let reply = app.send(admin(Method::GET, "/ns/a@b/state", None)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        serde_json::from_str::<Value>(&reply.body).unwrap()["error"],
        "The namespace name 'a@b' must be 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-', and not '.' or '..'."
    );
    let mut twice = balance_in("ok");
    twice.headers_mut().append("x-paymock-namespace", "one".parse().unwrap());
    twice.headers_mut().append("x-paymock-namespace", "ok".parse().unwrap());
    let reply = app.send(twice).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("The X-Paymock-Namespace header must be given once, as text."), "{}", reply.body);
    // A request refused for its namespace is in no namespace's journal, and made none.
    assert_eq!(json_of(&app, admin(Method::GET, "/requests/count?namespace=*", None)).await, json!({"count": 0}));
    let listed = json_of(&app, admin(Method::GET, "/namespaces", None)).await;
    assert_eq!(listed["namespaces"].as_array().unwrap().len(), 1, "{listed}");
    // 64 characters is fine.
    let longest = "n".repeat(64);
    assert_eq!(app.send(balance_in(&longest)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn past_the_limit_a_new_namespace_gets_a_503_that_says_how_to_drop_some() {
    let app = TestApp::limited(&Database::Memory, Fixtures::builtin().unwrap(), 3).await;
    for namespace in ["one", "two"] {
        assert_eq!(app.send(balance_in(namespace)).await.status, StatusCode::OK);
    }
    let refused = app.send(balance_in("three")).await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    let message = "There are already 3 namespaces, as many as --max-namespaces allows, so no new one can be made: \
                   drop some with DELETE /__admin/ns/{name} or DELETE /__admin/namespaces?idleFor=1h, or start \
                   paymock with a higher --max-namespaces.";
    assert!(refused.body.contains(&format!("<description>{message}</description>")), "{}", refused.body);
    let refused = app.send(request(Method::GET, "/ns/three/accounts/1001/paymentInfo", Some(OWNER), None)).await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(serde_json::from_str::<Value>(&refused.body).unwrap()["serviceUnavailable"]["message"], message);
    let refused = app.send(admin(Method::GET, "/ns/three/state", None)).await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(serde_json::from_str::<Value>(&refused.body).unwrap()["error"], message);
    // Those that exist go on.
    assert_eq!(app.send(balance_in("two")).await.status, StatusCode::OK);

    assert_eq!(app.send(admin(Method::DELETE, "/ns/one", None)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.send(balance_in("three")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn namespaces_are_listed_with_their_counts_and_removed_by_name_or_idleness() {
    let app = TestApp::new().await;
    assert_eq!(app.send(purchase_in("listed")).await.status, StatusCode::OK);
    let seeded = json!({"username": "extra", "password": "pw"});
    assert_eq!(
        app.send(admin(Method::POST, "/ns/listed/click2mail/users", Some(seeded))).await.status,
        StatusCode::CREATED
    );

    let listed = json_of(&app, admin(Method::GET, "/namespaces", None)).await;
    assert_eq!(listed["maxNamespaces"], 10_000);
    let names: Vec<&str> =
        listed["namespaces"].as_array().unwrap().iter().map(|namespace| namespace["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["default", "listed"]);
    // The routes about the whole server are not offered per namespace.
    for (method, path) in [
        (Method::GET, "/ns/listed/namespaces"),
        (Method::DELETE, "/ns/listed/namespaces?idleFor=0s"),
        (Method::GET, "/ns/listed/ns/listed"),
        (Method::GET, "/ns/listed/export"),
        (Method::POST, "/ns/listed/import"),
    ] {
        let reply = app.send(admin(method.clone(), path, None)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}: {}", reply.body);
    }
    let one = json_of(&app, admin(Method::GET, "/ns/listed", None)).await;
    assert_eq!(one, listed["namespaces"][1]);
    for (field, expected) in
        [("click2mailUsers", 2), ("hostwayUsers", 3), ("hostwayAccounts", 2), ("purchases", 1), ("journalEntries", 1)]
    {
        assert_eq!(one[field], expected, "{field}");
    }
    for field in ["createdAt", "lastUsedAt"] {
        assert!(one[field].as_str().unwrap().ends_with('Z'), "{field}: {one}");
    }

    // Nothing has been idle for an hour; everything has been for no time at all.
    assert_eq!(json_of(&app, admin(Method::DELETE, "/namespaces?idleFor=1h", None)).await, json!({"deleted": []}));
    let reply = app.send(admin(Method::DELETE, "/namespaces", None)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        serde_json::from_str::<Value>(&reply.body).unwrap()["details"],
        json!({"idleFor": "is required: must be a duration such as 90s, 30m, 1h or 7d"})
    );
    // Longer than time goes back: nothing has been idle so long.
    for forever in ["9999999999999d", "1000000000000000"] {
        let none = json_of(&app, admin(Method::DELETE, &format!("/namespaces?idleFor={forever}"), None)).await;
        assert_eq!(none, json!({"deleted": []}), "{forever}");
    }
    assert_eq!(app.send(admin(Method::DELETE, "/namespaces?idleFor=soon", None)).await.status, StatusCode::BAD_REQUEST);

    assert_eq!(app.send(admin(Method::DELETE, "/ns/listed", None)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.send(admin(Method::DELETE, "/ns/listed", None)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.send(admin(Method::GET, "/ns/listed", None)).await.status, StatusCode::NOT_FOUND);
    // Used again, it starts afresh from the fixtures, with an empty journal.
    assert_eq!(app.send(balance_in("listed")).await.body, balance_xml_in("listed", "0.00"));
    let again = json_of(&app, admin(Method::GET, "/ns/listed", None)).await;
    assert_eq!((again["click2mailUsers"].clone(), again["journalEntries"].clone()), (json!(1), json!(1)));

    let deleted = json_of(&app, admin(Method::DELETE, "/namespaces?idleFor=0s", None)).await;
    assert_eq!(deleted, json!({"deleted": ["default", "listed"]}));
    assert_eq!(json_of(&app, admin(Method::GET, "/namespaces", None)).await["namespaces"], json!([]));
    assert_eq!(app.balance().await, "0.00", "default is made again from the fixtures");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_clients_at_once_make_a_new_namespace_once() {
    let app = TestApp::new().await;
    let served = app.serve().await;
    let http = reqwest::Client::new();
    let url = format!("http://{}/ns/crowd/molpro/credit", served.address);
    let answers = futures_util::future::join_all((0..50).map(|_| {
        let request = http.get(&url).basic_auth(USERNAME, Some(PASSWORD)).send();
        async move {
            let reply = request.await.unwrap();
            (reply.status().as_u16(), reply.text().await.unwrap())
        }
    }))
    .await;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        assert!(body.contains("<balance>0.00</balance>"), "{body}");
    }
    let listed = json_of(&app, admin(Method::GET, "/ns/crowd", None)).await;
    assert_eq!((listed["click2mailUsers"].clone(), listed["journalEntries"].clone()), (json!(1), json!(50)));
    let state = json_of(&app, admin(Method::GET, "/ns/crowd/state", None)).await;
    assert_eq!(state["hostway"]["users"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn namespaces_and_their_state_outlive_a_restart() {
    let directory = tempfile::tempdir().unwrap();
    let database = Database::File(directory.path().join("paymock.db"));
    let before = {
        let app = TestApp::on(&database, Fixtures::builtin().unwrap()).await;
        assert_eq!(app.send(purchase_in("kept")).await.status, StatusCode::OK);
        let saved =
            app.send(request(Method::POST, "/ns/kept/accounts/1001/paymentInfo", Some(OWNER), Some(&card()))).await;
        assert_eq!(saved.status, StatusCode::CREATED);
        assert_eq!(app.send(admin(Method::POST, "/ns/kept/snapshots/start", None)).await.status, StatusCode::CREATED);
        let state = json_of(&app, admin(Method::GET, "/ns/kept/state", None)).await;
        app.state.store.close().await;
        state
    };
    let app = TestApp::on(&database, Fixtures::builtin().unwrap()).await;
    assert_eq!(json_of(&app, admin(Method::GET, "/ns/kept/state", None)).await, before);
    assert_eq!(app.send(balance_in("kept")).await.body, balance_xml_in("kept", "10.00"));
    let snapshots = json_of(&app, admin(Method::GET, "/ns/kept/snapshots", None)).await;
    assert_eq!(snapshots["snapshots"][0]["name"], "start");
    let names: Vec<String> = json_of(&app, admin(Method::GET, "/namespaces", None)).await["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|namespace| namespace["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["default", "kept"]);
    // The next method id goes on from the stored ones.
    let saved = app
        .send(request(
            Method::POST,
            "/ns/kept/accounts/1001/paymentInfo",
            Some(OWNER),
            Some(&crate::hostway::card_with(
                json!({"accountNumber": "5555555555554444", "creditCardType": "mastercard"}),
            )),
        ))
        .await;
    assert_eq!(saved.header("location"), "http://paymock.test:8080/ns/kept/accounts/1001/paymentInfo/cc-2");
}

#[tokio::test]
async fn a_clock_set_with_frozen_false_runs_on_from_that_instant() {
    let app = TestApp::new().await;
    let set = json_of(
        &app,
        admin(Method::PUT, "/ns/runs/clock", Some(json!({"now": "2029-06-01T00:00:00Z", "frozen": false}))),
    )
    .await;
    assert_eq!(set["frozen"], false);
    assert!(set["now"].as_str().unwrap().starts_with("2029-06-01T00:00:0"), "{set}");
    let later = json_of(&app, admin(Method::GET, "/ns/runs/clock", None)).await;
    assert!(later["now"].as_str().unwrap() >= set["now"].as_str().unwrap(), "{later}");
    // The purchase is stamped by that clock.
    assert_eq!(app.send(purchase_in("runs")).await.status, StatusCode::OK);
    let state = json_of(&app, admin(Method::GET, "/ns/runs/state", None)).await;
    assert!(
        state["click2mail"]["users"][0]["purchases"][0]["purchasedAt"].as_str().unwrap().starts_with("2029-06-01T")
    );
    let refused = app
        .send(admin(Method::PUT, "/ns/runs/clock", Some(json!({"now": "2029-06-01T00:00:00Z", "frozen": "no"}))))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
}

/// The journals of all namespaces share one memory budget: past it the oldest entries go
/// first, whichever namespace's they are, and what is left is the newest of all.
#[tokio::test]
async fn past_the_journal_memory_the_oldest_entries_of_all_namespaces_go() {
    let app = TestApp::new().await.with_journal_memory(8 << 10);
    for namespace in ["alpha", "beta"] {
        for _ in 0..20 {
            assert_eq!(app.send(balance_in(namespace)).await.status, StatusCode::OK);
        }
    }
    let ids = |journal: &str| {
        let request = get(&format!("/__admin/{journal}limit=100")).body(Body::empty()).unwrap();
        let app = &app;
        async move {
            let journal = json_of(app, request).await;
            journal["requests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|entry| entry["id"].as_u64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ids("ns/alpha/requests?").await, Vec::<u64>::new());
    let kept = ids("ns/beta/requests?").await;
    assert!((1..20).contains(&kept.len()), "{kept:?}");
    assert_eq!(kept, (41 - kept.len() as u64..=40).rev().collect::<Vec<_>>());
    assert_eq!(ids("requests?namespace=*&").await, kept);
}
