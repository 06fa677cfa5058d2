//! Snapshots: the whole state saved under a name and brought back exactly, compared as whole
//! `/__admin/state` documents; kept across restarts; and what the vendor APIs answer from
//! memory after a restore is the restored state.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use paymock::sandbox::fixtures::Fixtures;
use paymock::store::Database;
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
    // A snapshot that does not exist makes no namespace to restore it into.
    let reply = app.send(admin(Method::POST, "/snapshots/missing/restore?into=never-made", None)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(app.send(admin(Method::GET, "/ns/never-made", None)).await.status, StatusCode::NOT_FOUND);
    let reply = app.send(admin(Method::POST, "/snapshots/fan-out/restore?into=a%20b", None)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        serde_json::from_str::<Value>(&reply.body).unwrap()["details"],
        json!({"into": "must be 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-', and not '.' or '..'"})
    );
}

/// Every namespace's state from one sandbox's export, imported into another (a new database,
/// with its own fingerprint key), is the same state: compared as whole state documents, clock
/// included; and a card saved before is still found as a duplicate.
#[tokio::test]
async fn an_export_imported_elsewhere_is_the_same_state() {
    let source = TestApp::new().await;
    seeded(&source).await;
    let seeded_state = state(&source).await;
    let bought = source
        .send(
            purchase_post()
                .uri("/ns/other/molpro/credit/purchase")
                .header(axum::http::header::AUTHORIZATION, basic(USERNAME, PASSWORD))
                .body(form(&VENDOR_EXAMPLE))
                .unwrap(),
        )
        .await;
    assert_eq!(bought.status, StatusCode::OK);
    let other_state: Value =
        serde_json::from_str(&source.send(admin(Method::GET, "/ns/other/state", None)).await.body).unwrap();

    let exported = source.send(admin(Method::GET, "/export", None)).await;
    assert_eq!(exported.status, StatusCode::OK);
    let document: Value = serde_json::from_str(&exported.body).unwrap();
    // The fixtures' shape, where the two overlap; never a password.
    let names: Vec<&str> =
        document["namespaces"].as_array().unwrap().iter().map(|ns| ns["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["default", "other"]);
    let default = &document["namespaces"][0];
    assert_eq!(default["frozenAt"], "2026-11-22T12:00:00.000Z");
    let user = &default["click2mail"]["users"][0];
    assert_eq!((user["username"].as_str(), user["balance"].as_str()), (Some("awesomeuser"), Some("10.00")));
    assert!(user["passwordHash"].as_str().unwrap().starts_with("sha256$"));
    assert_eq!(default["hostway"]["accounts"][0]["default"], "dd-2");
    assert_eq!(default["hostway"]["accounts"][0]["allowOffline"], false);
    assert_eq!(default["hostway"]["users"][0]["roles"], json!({"1001": ["sitecontrol_account_member"]}));
    for secret in [PASSWORD, "Owner-Pass-1", "4111111111111111", "\"123\""] {
        assert!(!exported.body.contains(secret), "{secret}");
    }

    let target = TestApp::new().await;
    let imported = target.send(admin(Method::POST, "/import", Some(document))).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    assert_eq!(serde_json::from_str::<Value>(&imported.body).unwrap(), json!({"imported": ["default", "other"]}));
    assert_eq!(state(&target).await, seeded_state);
    let other: Value =
        serde_json::from_str(&target.send(admin(Method::GET, "/ns/other/state", None)).await.body).unwrap();
    assert_eq!(other, other_state);

    // The vendor APIs answer from it: the balance, the password, and duplicates found by the
    // fingerprint made on the other database.
    assert_eq!(target.balance().await, "10.00");
    let again = target.send(request(Method::POST, "/accounts/1001/paymentInfo", Some(OWNER), Some(&card()))).await;
    assert_eq!(again.status, StatusCode::CREATED, "cc-1 was deleted, so it is no duplicate: {}", again.body);
    assert_eq!(again.header("location"), "http://paymock.test:8080/accounts/1001/paymentInfo/cc-3");
    let twice = target.send(request(Method::POST, "/accounts/1001/paymentInfo", Some(OWNER), Some(&card()))).await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
    // A clone of it, through a snapshot, finds the same duplicates.
    assert_eq!(target.send(admin(Method::POST, "/snapshots/imported", None)).await.status, StatusCode::CREATED);
    let cloned = target.send(admin(Method::POST, "/snapshots/imported/restore?into=clone", None)).await;
    assert_eq!(cloned.status, StatusCode::NO_CONTENT);
    let in_clone =
        target.send(request(Method::POST, "/ns/clone/accounts/1001/paymentInfo", Some(OWNER), Some(&card()))).await;
    assert_eq!(in_clone.status, StatusCode::CONFLICT, "{}", in_clone.body);
}

/// An exported scenario larger than web frameworks' usual body limits imports.
#[tokio::test]
async fn a_large_scenario_imports() {
    let app = TestApp::new().await;
    let purchases: Vec<Value> = (0..30_000)
        .map(|n| {
            json!({"amount": "1.00", "cardBrand": "visa", "cardLastFour": "1111",
                   "purchasedAt": format!("2026-11-22T12:{:02}:{:02}.000Z", n / 60 % 60, n % 60)})
        })
        .collect();
    let scenario = json!({"namespaces": [{"name": "large", "click2mail": {"users": [
        {"username": "buyer", "password": "pw", "balance": "30000.00", "purchases": purchases}]}}]});
    let body = scenario.to_string();
    assert!(body.len() > 2 * 1024 * 1024, "{} bytes", body.len());
    let imported = app.send(admin(Method::POST, "/import", Some(scenario))).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    let listed: Value = serde_json::from_str(&app.send(admin(Method::GET, "/ns/large", None)).await.body).unwrap();
    assert_eq!(listed["purchases"], 30_000);
}

/// A scenario written by hand in the fixtures' own shape, plain passwords and all, imports.
#[tokio::test]
async fn a_scenario_in_the_fixtures_shape_imports() {
    let app = TestApp::new().await;
    let scenario = json!({"namespaces": [{
        "name": "checkout",
        "click2mail": {"users": [{"username": "buyer", "password": "pw", "balance": "25.00"}]},
        "hostway": {
            "accounts": [{"id": "42", "allowOffline": true, "default": "offline"}],
            "users": [{"username": "owner", "password": "pw2", "roles": {"42": ["sitecontrol_account_owner"]}}]
        }
    }]});
    let imported = app.send(admin(Method::POST, "/import", Some(scenario))).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    let balance = app
        .send(
            get("/ns/checkout/molpro/credit")
                .header("authorization", basic("buyer", "pw"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(balance.body.contains("<balance>25.00</balance>"), "{}", balance.body);
    let methods =
        app.send(request(Method::GET, "/ns/checkout/accounts/42/paymentInfo", Some(("owner", "pw2")), None)).await;
    assert_eq!(methods.status, StatusCode::OK, "{}", methods.body);
    // Only the namespace it names changed.
    assert_eq!(app.balance().await, "0.00");

    let broken = json!({"namespaces": [{
        "name": "bad name",
        "click2mail": {"users": [{"username": "buyer"}]},
        "hostway": {
            "accounts": [{"id": "42", "default": "cc-9", "payments": [{"paymentInfo": "cc-1", "amount": "1.00", "createdAt": "2026-11-22T12:00:00.000Z"}]}],
            "users": [{"username": "owner", "passwordHash": "plain", "roles": {"43": ["x"]}}]
        }
    }]});
    let refused = app.send(admin(Method::POST, "/import", Some(broken))).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let details: Value = serde_json::from_str::<Value>(&refused.body).unwrap()["details"].clone();
    assert_eq!(
        details,
        json!({
            "namespaces[0].name": "must be 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-', and not '.' or '..'",
            "namespaces[0].click2mail.users[0].password": "is required (or passwordHash, as exported)",
            "namespaces[0].hostway.accounts[0].default": "must be null, offline, or an active method of the account",
            "namespaces[0].hostway.accounts[0].payments[0].paymentInfo": "must be a method of the account",
            "namespaces[0].hostway.users[0].passwordHash": "must be a hash as exported: sha256$<salt>$<digest>",
            "namespaces[0].hostway.users[0].roles": "names account 43, which the namespace does not hold"
        })
    );
    // Never a full card number, nor anything the API could not show as it shows its own.
    let unmasked = json!({"namespaces": [{
        "name": "unmasked",
        "click2mail": {"users": [{"username": "buyer", "password": "pw", "purchases": [
            {"amount": "1.00", "cardBrand": "diners", "cardLastFour": "abcd", "purchasedAt": "yesterday"}]}]},
        "hostway": {"accounts": [{"id": "42", "paymentMethods": [
            {"id": "cc-1", "accountNumber": "4111111111111111", "creditCardType": "visa", "expirationDate": "2030-13",
             "cardHolderName": null, "testCardOutcome": "lucky", "routingNumber": null, "accountOwner": null,
             "accountName": null, "bankName": null, "bankCity": null, "bankCountry": null},
            {"id": "dd-2", "accountNumber": "XXXX2332", "routingNumber": "12", "creditCardType": null,
             "expirationDate": null, "cardHolderName": null, "testCardOutcome": null, "accountOwner": null,
             "accountName": null, "bankName": null, "bankCity": null, "bankCountry": null}],
            "payments": [{"paymentInfo": "dd-2", "amount": "1.00", "status": "settled", "createdAt": "2026-11-22T12:00:00Z"}]}]}
    }]});
    let refused = app.send(admin(Method::POST, "/import", Some(unmasked))).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let details: Value = serde_json::from_str::<Value>(&refused.body).unwrap()["details"].clone();
    let at = "namespaces[0].hostway.accounts[0]";
    let bought = "namespaces[0].click2mail.users[0].purchases[0]";
    assert_eq!(
        details,
        json!({
            format!("{bought}.cardBrand"): "must be visa, mastercard, amex or discover",
            format!("{bought}.cardLastFour"): "must be 4 digits",
            format!("{bought}.purchasedAt"): "must be an instant in RFC 3339, such as 2026-11-22T12:00:00.000Z",
            format!("{at}.paymentMethods[0].accountNumber"): "must be masked as exported: X for every digit but the last four",
            format!("{at}.paymentMethods[0].expirationDate"): "must be a month such as 2030-04",
            format!("{at}.paymentMethods[0].testCardOutcome"): "must be null or a test card outcome such as approved",
            format!("{at}.paymentMethods[1].routingNumber"): "must be 9 digits",
            format!("{at}.payments[0].status"): "must be pending, the one status payments have",
        })
    );
    assert!(!refused.body.contains("4111111111111111"), "{}", refused.body);

    // Instants are kept as the store writes them, so that `since` compares them as any other.
    let later = json!({"namespaces": [{"name": "instants", "click2mail": {"users": [{"username": "buyer",
        "password": "pw", "balance": "1.00",
        "purchases": [{"amount": "1.00", "cardBrand": "visa", "cardLastFour": "1111", "purchasedAt": "2026-11-22T13:00:00+01:00"}]}]}}]});
    assert_eq!(app.send(admin(Method::POST, "/import", Some(later))).await.status, StatusCode::OK);
    let imported: Value = serde_json::from_str(
        &app.send(admin(Method::GET, "/ns/instants/state?since=2026-11-22T12:00:00Z", None)).await.body,
    )
    .unwrap();
    assert_eq!(imported["click2mail"]["users"][0]["purchases"][0]["purchasedAt"], "2026-11-22T12:00:00.000Z");

    let not_json = app.send(admin(Method::POST, "/import", Some(json!({"namespaces": 3})))).await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    assert!(not_json.body.contains("is not an export document"), "{}", not_json.body);
}
