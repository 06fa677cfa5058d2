//! Many clients at once, over real sockets: every acknowledged purchase is counted exactly
//! once, a card can be saved only once however many race to save it, and a default never
//! points at a method that is gone.

use std::sync::Arc;

use paymock::sandbox::fixtures::Fixtures;
use paymock::store::Database;
use serde_json::{Value, json};
use tokio::sync::Barrier;

use crate::helpers::*;
use crate::hostway::{OWNER, card};

const CLIENTS: usize = 64;
const PURCHASES_PER_CLIENT: usize = 50;

/// What one purchase asks for: whole dollars from 10 to 16, and every fifth on the test card
/// that is always declined.
fn purchase_params(client: usize, round: usize) -> (Vec<(&'static str, String)>, bool) {
    let declined = (client + round).is_multiple_of(5);
    let amount = 10 + (client * PURCHASES_PER_CLIENT + round) % 7;
    let params = VENDOR_EXAMPLE
        .iter()
        .map(|&(name, value)| {
            let value = match name {
                "billingAmount" => amount.to_string(),
                "billingNumber" if declined => "4000000000000002".to_owned(),
                _ => value.to_owned(),
            };
            (name, value)
        })
        .collect();
    (params, declined)
}

fn amount_of(params: &[(&str, String)]) -> i64 {
    let (_, amount) = params.iter().find(|(name, _)| *name == "billingAmount").expect("an amount");
    amount.parse().expect("whole dollars")
}

fn balance_in(body: &str) -> &str {
    body.split("<balance>").nth(1).and_then(|rest| rest.split("</balance>").next()).expect("a <balance>")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_clients_buying_at_once_lose_no_purchase() {
    let directory = tempfile::tempdir().unwrap();
    let database = Database::File(directory.path().join("paymock.db"));
    let app = TestApp::on(&database, Fixtures::builtin().unwrap()).await;
    let served = app.serve().await;
    let url = format!("http://{}/molpro/credit/purchase", served.address);
    let start = Arc::new(Barrier::new(CLIENTS));

    let clients = (0..CLIENTS).map(|client| {
        let (url, start) = (url.clone(), start.clone());
        tokio::spawn(async move {
            // Each client its own connection pool, as separate test processes would have.
            let http = reqwest::Client::new();
            start.wait().await;
            let mut acknowledged_cents = 0;
            let mut declined = 0;
            for round in 0..PURCHASES_PER_CLIENT {
                let (params, expect_decline) = purchase_params(client, round);
                let reply = http.post(&url).basic_auth(USERNAME, Some(PASSWORD)).form(&params).send().await.unwrap();
                assert_eq!(reply.status(), 200);
                let body = reply.text().await.unwrap();
                if body.contains("<status>0</status>") {
                    assert!(!expect_decline, "{body}");
                    acknowledged_cents += amount_of(&params) * 100;
                } else {
                    assert!(expect_decline && body.contains("<status>2</status>"), "{body}");
                    declined += 1;
                }
            }
            (acknowledged_cents, declined)
        })
    });
    let mut acknowledged_cents = 0;
    let mut declined = 0;
    for client in clients.collect::<Vec<_>>() {
        let (cents, refusals) = client.await.unwrap();
        acknowledged_cents += cents;
        declined += refusals;
    }

    let total = CLIENTS * PURCHASES_PER_CLIENT;
    let balance = app.balance().await;
    assert_eq!(balance, format!("{}.00", acknowledged_cents / 100));
    let reply = reqwest::Client::new()
        .get(format!("http://{}/molpro/credit", served.address))
        .basic_auth(USERNAME, Some(PASSWORD))
        .send()
        .await
        .unwrap();
    assert_eq!(balance_in(&reply.text().await.unwrap()), balance);
    let recorded = app.state.store.namespace("default").click2mail_purchases(USERNAME).await.unwrap();
    assert_eq!(recorded.len(), total - declined);
    assert_eq!(recorded.iter().map(|purchase| purchase.amount.get()).sum::<i64>(), acknowledged_cents);
    eprintln!("{total} purchases from {CLIENTS} clients: {} acknowledged, {declined} declined", recorded.len());
}

fn hostway_client_request(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Option<&Value>,
) -> reqwest::RequestBuilder {
    let request = http.request(method, url).basic_auth(OWNER.0, Some(OWNER.1));
    match body {
        Some(body) => request.header("content-type", "application/json").body(body.to_string()),
        None => request,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_two_clients_saving_one_card_get_one_201_and_thirty_one_409s() {
    let app = TestApp::new().await;
    let served = app.serve().await;
    let url = format!("http://{}/accounts/1001/paymentInfo", served.address);
    let start = Arc::new(Barrier::new(32));
    let racers = (0..32).map(|_| {
        let (url, start) = (url.clone(), start.clone());
        tokio::spawn(async move {
            let http = reqwest::Client::new();
            let request = hostway_client_request(&http, reqwest::Method::POST, url, Some(&card()));
            start.wait().await;
            let reply = request.send().await.unwrap();
            (reply.status().as_u16(), reply.text().await.unwrap())
        })
    });
    let mut statuses = Vec::new();
    for racer in racers.collect::<Vec<_>>() {
        let (status, body) = racer.await.unwrap();
        if status == 409 {
            let value: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(
                value["conflict"]["message"],
                "A credit card with the same number is already active on this account."
            );
        }
        statuses.push(status);
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [[201].as_slice(), &[409; 31]].concat());
    assert_eq!(app.state.store.namespace("default").payment_methods("1001").await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_default_never_points_at_a_deleted_method() {
    let app = TestApp::new().await;
    let served = app.serve().await;
    let base = format!("http://{}/accounts/1001/paymentInfo", served.address);
    let http = reqwest::Client::new();
    let first = hostway_client_request(&http, reqwest::Method::POST, base.clone(), Some(&card())).send().await.unwrap();
    assert_eq!(first.status(), 201);
    let first = first.headers()["location"].to_str().unwrap().to_owned();

    let mut outcomes = std::collections::BTreeMap::new();
    for round in 0..40 {
        // A second card, then at once: delete it, and make it the default.
        let second = json!({"paymentInfoType": "direct_debit", "routingNumber": "011000015", "accountNumber": format!("12345{round:04}")});
        let saved =
            hostway_client_request(&http, reqwest::Method::POST, base.clone(), Some(&second)).send().await.unwrap();
        assert_eq!(saved.status(), 201);
        let second = saved.headers()["location"].to_str().unwrap().to_owned();
        let delete = hostway_client_request(&reqwest::Client::new(), reqwest::Method::DELETE, second.clone(), None);
        let make_default = hostway_client_request(
            &reqwest::Client::new(),
            reqwest::Method::PUT,
            format!("{base}/default"),
            Some(&json!({ "paymentInfo": second })),
        );
        let (deleted, defaulted) = tokio::join!(delete.send(), make_default.send());
        let outcome = (deleted.unwrap().status().as_u16(), defaulted.unwrap().status().as_u16());
        *outcomes.entry(outcome).or_insert(0) += 1;

        // Whatever the order, the default is a method the account still has.
        let list = hostway_client_request(&http, reqwest::Method::GET, base.clone(), None).send().await.unwrap();
        let list: Value = serde_json::from_str(&list.text().await.unwrap()).unwrap();
        let defaults: Vec<&Value> =
            list["list"].as_array().unwrap().iter().filter(|item| item["default"] == 1).collect();
        assert_eq!(defaults.len(), 1, "{list}");
        let default_href = defaults[0]["links"][0]["href"].as_str().unwrap();
        let shown =
            hostway_client_request(&http, reqwest::Method::GET, format!("{base}/default"), None).send().await.unwrap();
        assert_eq!(shown.status(), 200);
        let shown: Value = serde_json::from_str(&shown.text().await.unwrap()).unwrap();
        assert_eq!(shown["links"][0]["href"], default_href);
        let fetched =
            hostway_client_request(&http, reqwest::Method::GET, default_href.to_owned(), None).send().await.unwrap();
        assert_eq!(fetched.status(), 200, "the default {default_href} exists");
        match outcome {
            // Deleted first: the default could not move to it.
            (204, 400) => assert_eq!(default_href, first),
            // Made the default first: it could not be deleted.
            (409, 204) => assert_eq!(default_href, second),
            other => panic!("round {round}: DELETE and PUT answered {other:?}"),
        }
        // Put things back for the next round.
        let reset = hostway_client_request(
            &http,
            reqwest::Method::PUT,
            format!("{base}/default"),
            Some(&json!({ "paymentInfo": first })),
        );
        assert_eq!(reset.send().await.unwrap().status(), 204);
    }
    eprintln!("40 rounds of DELETE racing PUT default: {outcomes:?}");
}
