//! Snapshots: the whole state saved under a name and brought back exactly, compared as whole
//! `/__admin/state` documents; kept across restarts; and what the vendor APIs answer from
//! memory after a restore is the restored state.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use paymock::config::Database;
use paymock::sandbox::fixtures::Fixtures;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::hostway::{OWNER, card, request};

fn admin(method: Method, path: &str, body: Option<Value>) -> Request<Body> {
    let builder = Request::builder().method(method).uri(format!("/__admin{path}"));
    match body {
        Some(body) => builder.header("content-type", "application/json").body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .unwrap()
}

async fn state(app: &TestApp) -> Value {
    serde_json::from_str(&app.send(admin(Method::GET, "/state", None)).await.body).unwrap()
}

/// A sandbox with something in every table: purchases, a seeded user, two methods, a default
/// that is not the first, a payment, a deleted method, and a frozen clock.
async fn seeded(app: &TestApp) {
    app.freeze_clock("2026-11-22T12:00:00Z");
    assert_eq!(app.purchase(&VENDOR_EXAMPLE).await.status, StatusCode::OK);
    let seeded = json!({"username": "snap-user", "password": "pw", "balance": "5.00"});
    assert_eq!(app.send(admin(Method::POST, "/click2mail/users", Some(seeded))).await.status, StatusCode::CREATED);
    let saved = app.send(request(Method::POST, "/accounts/1001/paymentInfo", Some(OWNER), Some(&card()))).await;
    assert_eq!(saved.status, StatusCode::CREATED);
    let debit =
        json!({"paymentInfoType": "direct_debit", "routingNumber": "011000015", "accountNumber": "123456782332"});
    let saved = app.send(request(Method::POST, "/accounts/1001/paymentInfo", Some(OWNER), Some(&debit))).await;
    assert_eq!(saved.status, StatusCode::CREATED);
    let link = json!({"paymentInfo": "/accounts/1001/paymentInfo/dd-2"});
    let set = app.send(request(Method::PUT, "/accounts/1001/paymentInfo/default", Some(OWNER), Some(&link))).await;
    assert_eq!(set.status, StatusCode::NO_CONTENT);
    let amount = json!({"amount": "25.50"});
    let paid =
        app.send(request(Method::POST, "/accounts/1001/paymentInfo/cc-1/payment", Some(OWNER), Some(&amount))).await;
    assert_eq!(paid.status, StatusCode::NO_CONTENT);
    let deleted = app.send(request(Method::DELETE, "/accounts/1001/paymentInfo/cc-1", Some(OWNER), None)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_restore_brings_back_exactly_what_was_saved() {
    let app = TestApp::new().await;
    seeded(&app).await;
    let saved_state = state(&app).await;

    let reply = app.send(admin(Method::POST, "/snapshots/seeded", None)).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(
        serde_json::from_str::<Value>(&reply.body).unwrap(),
        json!({"name": "seeded", "createdAt": "2026-11-22T12:00:00.000Z"})
    );

    // Everything changes: more purchases, a reset, the clock running again.
    assert_eq!(app.purchase(&VENDOR_EXAMPLE).await.status, StatusCode::OK);
    assert_eq!(app.send(admin(Method::POST, "/reset", None)).await.status, StatusCode::NO_CONTENT);
    assert_ne!(state(&app).await, saved_state);

    let reply = app.send(admin(Method::POST, "/snapshots/seeded/restore", None)).await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::NO_CONTENT, ""));
    assert_eq!(state(&app).await, saved_state, "the whole state document, clock included");

    // The vendor APIs answer from the restored state, and ids go on from where they were.
    assert_eq!(app.balance().await, "10.00");
    let list = app.send(request(Method::GET, "/accounts/1001/paymentInfo", Some(OWNER), None)).await;
    assert!(
        list.body.contains(r#""default":1,"links":[{"href":"http://paymock.test:8080/accounts/1001/paymentInfo/dd-2""#),
        "{}",
        list.body
    );
    let saved = app.send(request(Method::POST, "/accounts/1001/paymentInfo", Some(OWNER), Some(&card()))).await;
    assert_eq!(saved.header("location"), "http://paymock.test:8080/accounts/1001/paymentInfo/cc-3");
    let seeded_user = app
        .send(get("/molpro/credit").header("authorization", basic("snap-user", "pw")).body(Body::empty()).unwrap())
        .await;
    assert!(seeded_user.body.contains("<balance>5.00</balance>"), "{}", seeded_user.body);
}

#[tokio::test]
async fn snapshots_are_listed_replaced_and_deleted_by_name() {
    let app = TestApp::new().await;
    assert_eq!(app.send(admin(Method::POST, "/snapshots/a", None)).await.status, StatusCode::CREATED);
    assert_eq!(app.send(admin(Method::POST, "/snapshots/b.2", None)).await.status, StatusCode::CREATED);
    assert_eq!(app.send(admin(Method::POST, "/snapshots/a", None)).await.status, StatusCode::OK, "replaced");
    let listed: Value = serde_json::from_str(&app.send(admin(Method::GET, "/snapshots", None)).await.body).unwrap();
    let names: Vec<&str> =
        listed["snapshots"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["a", "b.2"]);

    assert_eq!(app.send(admin(Method::DELETE, "/snapshots/a", None)).await.status, StatusCode::NO_CONTENT);
    for (method, path) in [(Method::DELETE, "/snapshots/a"), (Method::POST, "/snapshots/a/restore")] {
        let reply = app.send(admin(method, path, None)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(reply.body, r#"{"error":"There is no snapshot named a.","details":{}}"#);
    }
    for path in ["/snapshots/..", "/snapshots/a%20b", "/snapshots/a%3Ab/restore"] {
        let reply = app.send(admin(Method::POST, path, None)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(
            serde_json::from_str::<Value>(&reply.body).unwrap()["details"]["name"],
            "must be 1 to 64 of A-Z, a-z, 0-9, '.', '_', '@' and '-', and not '.' or '..'",
            "{path}"
        );
    }
}

#[tokio::test]
async fn snapshots_survive_a_restart() {
    let directory = tempfile::tempdir().unwrap();
    let database = Database::File(directory.path().join("paymock.db"));
    let app = TestApp::on(&database, Fixtures::builtin().unwrap()).await;
    seeded(&app).await;
    let saved_state = state(&app).await;
    assert_eq!(app.send(admin(Method::POST, "/snapshots/kept", None)).await.status, StatusCode::CREATED);
    assert_eq!(app.send(admin(Method::POST, "/reset", None)).await.status, StatusCode::NO_CONTENT);
    app.state.store.close().await;
    drop(app);

    let app = TestApp::on(&database, Fixtures::builtin().unwrap()).await;
    assert_eq!(app.send(admin(Method::POST, "/snapshots/kept/restore", None)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(state(&app).await, saved_state);
}

/// A snapshot restored `?into=` another namespace clones it: one seeded state fanned out to
/// parallel workers, each then on its own.
#[tokio::test]
async fn a_snapshot_restored_into_other_namespaces_clones_it() {
    let app = TestApp::new().await;
    seeded(&app).await;
    let seeded_state = state(&app).await;
    assert_eq!(app.send(admin(Method::POST, "/snapshots/fan-out", None)).await.status, StatusCode::CREATED);

    for worker in ["worker-1", "worker-2"] {
        let reply = app.send(admin(Method::POST, &format!("/snapshots/fan-out/restore?into={worker}"), None)).await;
        assert_eq!((reply.status, reply.body.as_str()), (StatusCode::NO_CONTENT, ""));
        let cloned = app.send(admin(Method::GET, &format!("/ns/{worker}/state"), None)).await;
        assert_eq!(serde_json::from_str::<Value>(&cloned.body).unwrap(), seeded_state, "{worker}");
    }
    // Each clone goes its own way; the source and the other clone are untouched.
    let paid = app
        .send(request(
            Method::POST,
            "/ns/worker-1/accounts/1001/paymentInfo/dd-2/payment",
            Some(OWNER),
            Some(&json!({"amount": "1.00"})),
        ))
        .await;
    assert_eq!(paid.status, StatusCode::NO_CONTENT);
    assert_eq!(state(&app).await, seeded_state);
    let other: Value =
        serde_json::from_str(&app.send(admin(Method::GET, "/ns/worker-2/state", None)).await.body).unwrap();
    assert_eq!(other, seeded_state);

    // A snapshot belongs to the namespace that saved it; restoring from the wrong one is a 404.
    let reply = app.send(admin(Method::POST, "/ns/worker-1/snapshots/fan-out/restore", None)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = app.send(admin(Method::POST, "/snapshots/fan-out/restore?into=a%20b", None)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        serde_json::from_str::<Value>(&reply.body).unwrap()["details"],
        json!({"into": "must be 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-', and not '.' or '..'"})
    );
}
