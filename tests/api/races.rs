//! Vendor writes racing the control plane, over real sockets: purchases, saves, deletes,
//! defaults and payments while the sandbox is reset, restored from a snapshot and seeded again
//! and again. Every write is
//! decided against the state it commits into, so each gets its vendor's answer for that state
//! (404 when its account or method is gone), never a 5xx; and what the vendor APIs answer from
//! memory afterwards is what SQLite holds. A state document read at any moment is consistent.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use paymock::sandbox::fixtures::Fixtures;
use paymock::store::Database;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::hostway::card;

/// How many times the sandbox is reset and seeded while the writers race it.
const ROUNDS: usize = 25;
/// How many state documents are read while purchases go on.
const DOCUMENTS: usize = 40;
/// Each writer stops after this many requests, if it has not been stopped before.
const MAX_REQUESTS_PER_WRITER: usize = 2_000;

type Statuses = Arc<Mutex<BTreeMap<(String, u16), usize>>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_racing_resets_and_seeds_never_get_a_5xx() {
    let directory = tempfile::tempdir().unwrap();
    let database = Database::File(directory.path().join("paymock.db"));
    let app = TestApp::on(&database, Fixtures::builtin().unwrap()).await;
    let served = app.serve().await;
    let base = format!("http://{}", served.address);
    let statuses: Statuses = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));

    // A seeded account, owner and buyer, which every reset removes and the seeder puts back.
    let seed = {
        let base = base.clone();
        move |http: reqwest::Client| {
            let base = base.clone();
            async move {
                let admin = |path: &str, body: Value| http.post(format!("{base}/__admin{path}")).json(&body).send();
                let mut answers = vec![admin("/hostway/accounts", json!({"id": "race-1"})).await.unwrap().status()];
                let owner = json!({"username": "race-owner", "password": "pw",
                                   "roles": {"race-1": ["sitecontrol_account_owner"]}});
                answers.push(admin("/hostway/users", owner).await.unwrap().status());
                answers.push(
                    admin("/click2mail/users", json!({"username": "race-buyer", "password": "pw"}))
                        .await
                        .unwrap()
                        .status(),
                );
                answers
            }
        }
    };

    let writer = |name: &'static str, step: fn(&reqwest::Client, &str, usize) -> reqwest::RequestBuilder| {
        let (base, statuses, stop) = (base.clone(), statuses.clone(), stop.clone());
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            for round in 0..MAX_REQUESTS_PER_WRITER {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let status = step(&http, &base, round).send().await.expect("an answer").status().as_u16();
                *statuses.lock().unwrap().entry((name.to_owned(), status)).or_default() += 1;
            }
        })
    };
    let writers = vec![
        writer("purchase", |http, base, round| {
            let (user, password) = if round % 2 == 0 { (USERNAME, PASSWORD) } else { ("race-buyer", "pw") };
            http.post(format!("{base}/molpro/credit/purchase")).basic_auth(user, Some(password)).form(&VENDOR_EXAMPLE)
        }),
        writer("save", |http, base, round| {
            let (user, password) = if round % 2 == 0 { ("acme-owner", "Owner-Pass-1") } else { ("race-owner", "pw") };
            let account = if round % 2 == 0 { "1001" } else { "race-1" };
            let mut body = card();
            let numbers = ["4111111111111111", "5555555555554444", "6011111111111117"];
            body["accountNumber"] = json!(numbers[round % 3]);
            body["creditCardType"] = json!(["visa", "mastercard", "discover"][round % 3]);
            http.post(format!("{base}/accounts/{account}/paymentInfo")).basic_auth(user, Some(password)).json(&body)
        }),
        writer("delete", |http, base, round| {
            let (user, password) = if round % 2 == 0 { ("acme-owner", "Owner-Pass-1") } else { ("race-owner", "pw") };
            let account = if round % 2 == 0 { "1001" } else { "race-1" };
            http.delete(format!("{base}/accounts/{account}/paymentInfo/cc-{}", 1 + round % 4))
                .basic_auth(user, Some(password))
        }),
        writer("default", |http, base, round| {
            let (user, password) = if round % 2 == 0 { ("acme-owner", "Owner-Pass-1") } else { ("race-owner", "pw") };
            let account = if round % 2 == 0 { "1001" } else { "race-1" };
            let link = format!("{base}/accounts/{account}/paymentInfo/cc-{}", 1 + round % 4);
            http.put(format!("{base}/accounts/{account}/paymentInfo/default"))
                .basic_auth(user, Some(password))
                .json(&json!({"paymentInfo": link}))
        }),
        writer("pay", |http, base, round| {
            let (user, password) = if round % 2 == 0 { ("acme-owner", "Owner-Pass-1") } else { ("race-owner", "pw") };
            let account = if round % 2 == 0 { "1001" } else { "race-1" };
            http.post(format!("{base}/accounts/{account}/paymentInfo/cc-{}/payment", 1 + round % 4))
                .basic_auth(user, Some(password))
                .json(&json!({"amount": 12.5}))
        }),
    ];

    // The control plane: reset, then seed, again and again while the writers write.
    let http = reqwest::Client::new();
    for round in 0..ROUNDS {
        // Every third round a snapshot taken after an earlier seeding is restored instead.
        let control = if round % 3 == 2 { "snapshots/race/restore" } else { "reset" };
        let answer = http.post(format!("{base}/__admin/{control}")).send().await.unwrap().status();
        assert_eq!(answer, 204, "{control}");
        for status in seed(http.clone()).await {
            assert!(status == 201 || status == 409, "seeding answered {status}");
        }
        if round == 0 {
            let saved = http.post(format!("{base}/__admin/snapshots/race")).send().await.unwrap().status();
            assert_eq!(saved, 201);
        }
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }

    let statuses = statuses.lock().unwrap().clone();
    let server_errors: Vec<_> = statuses.iter().filter(|((_, status), _)| *status >= 500).collect();
    assert!(server_errors.is_empty(), "{server_errors:?} in {statuses:?}");
    // Every kind of writer wrote during the rounds.
    for name in ["purchase", "save", "delete", "default", "pay"] {
        assert!(statuses.keys().any(|(writer, _)| writer == name), "{name} never wrote: {statuses:?}");
    }
    println!("{ROUNDS} resets and seeds raced by: {statuses:?}");

    // What the vendor APIs answer from memory is what SQLite holds, which the state document
    // reads: every balance, and every account's methods and default.
    let state: Value = http.get(format!("{base}/__admin/state")).send().await.unwrap().json().await.unwrap();
    for user in state["click2mail"]["users"].as_array().unwrap() {
        let username = user["username"].as_str().unwrap();
        let password = if username == USERNAME { PASSWORD } else { "pw" };
        let reply =
            http.get(format!("{base}/molpro/credit")).basic_auth(username, Some(password)).send().await.unwrap();
        let expected = format!("<balance>{}</balance>", user["balance"].as_str().unwrap());
        assert!(reply.text().await.unwrap().contains(&expected), "{user}");
    }
    for account in state["hostway"]["accounts"].as_array().unwrap() {
        let id = account["id"].as_str().unwrap();
        let reply = http
            .get(format!("{base}/accounts/{id}/paymentInfo"))
            .basic_auth("sales-agent", Some("Agent-Pass-1"))
            .send()
            .await
            .unwrap();
        let list: Value = reply.json().await.unwrap();
        let served: Vec<(String, bool)> = list["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                let href = item["links"][0]["href"].as_str().unwrap();
                (href.rsplit('/').next().unwrap().to_owned(), item["default"] == 1)
            })
            .collect();
        let stored: Vec<(String, bool)> = account["paymentMethods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|method| (method["id"].as_str().unwrap().to_owned(), account["default"] == method["id"]))
            .collect();
        assert_eq!(served, stored, "{account}");
    }
}

/// Checks what one state document must hold at any instant; returns how many purchases it
/// showed.
#[track_caller]
fn assert_consistent(state: &Value) -> usize {
    let mut purchases = 0;
    for user in state["click2mail"]["users"].as_array().unwrap() {
        let cents = |text: &Value| (text.as_str().unwrap().parse::<f64>().unwrap() * 100.0).round() as i64;
        let bought: Vec<i64> = user["purchases"].as_array().unwrap().iter().map(|p| cents(&p["amount"])).collect();
        purchases += bought.len();
        assert_eq!(cents(&user["balance"]), bought.iter().sum::<i64>(), "{user}");
    }
    for account in state["hostway"]["accounts"].as_array().unwrap() {
        let methods: Vec<&str> =
            account["paymentMethods"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
        match &account["default"] {
            Value::Null => {}
            Value::String(default) if default == "offline" => {}
            Value::String(default) => assert!(methods.contains(&default.as_str()), "{account}"),
            other => panic!("default {other}"),
        }
        for payment in account["payments"].as_array().unwrap() {
            assert!(payment["paymentInfo"].as_str().is_some_and(|id| !id.is_empty()), "{account}");
        }
    }
    purchases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_state_document_is_one_consistent_instant() {
    let directory = tempfile::tempdir().unwrap();
    let app = TestApp::on(&Database::File(directory.path().join("paymock.db")), Fixtures::builtin().unwrap()).await;
    let served = app.serve().await;
    let base = format!("http://{}", served.address);
    let stop = Arc::new(AtomicBool::new(false));

    let buyers: Vec<_> = (0..8)
        .map(|_| {
            let (base, stop) = (base.clone(), stop.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                for _ in 0..MAX_REQUESTS_PER_WRITER {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let reply = http
                        .post(format!("{base}/molpro/credit/purchase"))
                        .basic_auth(USERNAME, Some(PASSWORD))
                        .form(&VENDOR_EXAMPLE)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(reply.status(), 200);
                }
            })
        })
        .collect();
    let hostway = {
        let (base, stop) = (base.clone(), stop.clone());
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            for round in 0..MAX_REQUESTS_PER_WRITER {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let numbers = ["4111111111111111", "5555555555554444"];
                let mut body = card();
                body["accountNumber"] = json!(numbers[round % 2]);
                body["creditCardType"] = json!(["visa", "mastercard"][round % 2]);
                let owner = ("acme-owner", Some("Owner-Pass-1"));
                let methods = format!("{base}/accounts/1001/paymentInfo");
                http.post(&methods).basic_auth(owner.0, owner.1).json(&body).send().await.unwrap();
                let link = format!("{methods}/cc-{}", round + 1);
                http.put(format!("{methods}/default"))
                    .basic_auth(owner.0, owner.1)
                    .json(&json!({"paymentInfo": link}))
                    .send()
                    .await
                    .unwrap();
                http.post(format!("{link}/payment"))
                    .basic_auth(owner.0, owner.1)
                    .json(&json!({"amount": 1}))
                    .send()
                    .await
                    .unwrap();
                http.delete(format!("{methods}/cc-{round}")).basic_auth(owner.0, owner.1).send().await.unwrap();
            }
        })
    };

    let http = reqwest::Client::new();
    let mut most = 0;
    for _ in 0..DOCUMENTS {
        let state: Value = http.get(format!("{base}/__admin/state")).send().await.unwrap().json().await.unwrap();
        most = most.max(assert_consistent(&state));
    }
    stop.store(true, Ordering::Relaxed);
    for buyer in buyers {
        buyer.await.unwrap();
    }
    hostway.await.unwrap();
    assert!(most > 0, "no document showed a purchase");
}

/// Purchases and payments per client in the namespaces race.
const REQUESTS_PER_CLIENT: usize = 40;

/// 16 clients across 8 namespaces write while a ninth namespace, written to as well, is reset,
/// restored from a snapshot, cloned into and finally deleted, again and again. No answer is a
/// 5xx; the eight see every acknowledged write and nothing else; the ninth is consistent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespaces_go_on_untouched_while_another_is_reset_restored_and_deleted() {
    let directory = tempfile::tempdir().unwrap();
    let database = Database::File(directory.path().join("paymock.db"));
    let app = TestApp::on(&database, Fixtures::builtin().unwrap()).await;
    let served = app.serve().await;
    let base = format!("http://{}", served.address);
    let http = reqwest::Client::new();
    let owner = ("acme-owner", Some("Owner-Pass-1"));

    // Each of the eight has a saved card to pay with; the ninth has a snapshot to go back to.
    for namespace in (0..8).map(|n| format!("w{n}")).chain(["ninth".to_owned()]) {
        let saved = http
            .post(format!("{base}/ns/{namespace}/accounts/1001/paymentInfo"))
            .basic_auth(owner.0, owner.1)
            .json(&card())
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), 201);
    }
    let saved = http.post(format!("{base}/__admin/ns/ninth/snapshots/seeded")).send().await.unwrap();
    assert_eq!(saved.status(), 201);

    let statuses: Statuses = Arc::default();
    let client = |namespace: String, kind: &'static str| {
        let (base, statuses) = (base.clone(), statuses.clone());
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut acknowledged = 0;
            for _ in 0..REQUESTS_PER_CLIENT {
                let request = if kind == "purchase" {
                    http.post(format!("{base}/ns/{namespace}/molpro/credit/purchase"))
                        .basic_auth(USERNAME, Some(PASSWORD))
                        .form(&VENDOR_EXAMPLE)
                } else {
                    http.post(format!("{base}/ns/{namespace}/accounts/1001/paymentInfo/cc-1/payment"))
                        .basic_auth("acme-owner", Some("Owner-Pass-1"))
                        .json(&json!({"amount": "2.50"}))
                };
                let reply = request.send().await.expect("an answer");
                let status = reply.status().as_u16();
                let body = reply.text().await.unwrap();
                let ok = status == 204 || (status == 200 && body.contains("<status>0</status>"));
                acknowledged += usize::from(ok);
                *statuses.lock().unwrap().entry((format!("{namespace} {kind}"), status)).or_default() += 1;
            }
            (namespace, kind, acknowledged)
        })
    };
    let mut clients: Vec<_> =
        (0..8).flat_map(|n| [client(format!("w{n}"), "purchase"), client(format!("w{n}"), "payment")]).collect();
    let ninth: Vec<_> = [client("ninth".into(), "purchase"), client("ninth".into(), "payment")].into();

    // The ninth namespace's control plane, in a loop while everyone writes.
    let mut control = BTreeMap::<String, Vec<u16>>::new();
    for round in 0..ROUNDS {
        let (method, path) = match round % 4 {
            0 => (reqwest::Method::POST, "/__admin/ns/ninth/reset".to_owned()),
            1 => (reqwest::Method::POST, "/__admin/ns/ninth/snapshots/seeded/restore".to_owned()),
            2 => (reqwest::Method::POST, "/__admin/ns/ninth/snapshots/seeded/restore?into=ninth-clone".to_owned()),
            _ => (reqwest::Method::DELETE, "/__admin/ns/ninth-clone".to_owned()),
        };
        let status = http.request(method, format!("{base}{path}")).send().await.unwrap().status().as_u16();
        control.entry(path).or_default().push(status);
    }
    let deleted = http.delete(format!("{base}/__admin/ns/ninth")).send().await.unwrap().status().as_u16();
    assert_eq!(deleted, 204);
    for answers in control.values() {
        assert!(answers.iter().all(|status| *status == 204), "{control:?}");
    }
    for client in ninth {
        client.await.unwrap();
    }
    let mut acknowledged = BTreeMap::<(String, &str), usize>::new();
    for client in clients.drain(..) {
        let (namespace, kind, count) = client.await.unwrap();
        acknowledged.insert((namespace, kind), count);
    }

    let statuses = statuses.lock().unwrap().clone();
    let server_errors: Vec<_> = statuses.iter().filter(|((_, status), _)| *status >= 500).collect();
    assert!(server_errors.is_empty(), "{server_errors:?} in {statuses:?}");

    // Each of the eight holds exactly its own acknowledged writes.
    for n in 0..8 {
        let namespace = format!("w{n}");
        let state: Value =
            http.get(format!("{base}/__admin/ns/{namespace}/state")).send().await.unwrap().json().await.unwrap();
        assert_consistent(&state);
        let purchases = state["click2mail"]["users"][0]["purchases"].as_array().unwrap().len();
        assert_eq!(purchases, acknowledged[&(namespace.clone(), "purchase")], "{namespace}");
        assert_eq!(purchases, REQUESTS_PER_CLIENT, "{namespace}: every purchase succeeds");
        let payments = state["hostway"]["accounts"][0]["payments"].as_array().unwrap().len();
        assert_eq!(payments, acknowledged[&(namespace.clone(), "payment")], "{namespace}");
        assert_eq!(payments, REQUESTS_PER_CLIENT, "{namespace}: every payment succeeds");
    }
    // The ninth was deleted; used again, it is consistent and starts from the fixtures.
    let state: Value = http.get(format!("{base}/__admin/ns/ninth/state")).send().await.unwrap().json().await.unwrap();
    assert_consistent(&state);
    println!("namespaces raced: {statuses:?}");
}
