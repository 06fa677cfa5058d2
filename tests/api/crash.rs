//! Crash safety: the real binary is killed with SIGKILL while clients are buying credit and
//! saving payment methods. After a restart on the same file, every write that was
//! acknowledged is there, and nothing is there by half: each balance is the sum of its
//! purchases, and every purchase or method present is one a client sent.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use sqlx::Connection;
use tokio::sync::Notify;

use crate::binary::Server;
use crate::helpers::{PASSWORD, USERNAME, VENDOR_EXAMPLE};
use crate::hostway::OWNER;

const BUYERS: usize = 12;
const SAVERS: usize = 4;
const CRASHES: usize = 3;
/// How many writes are acknowledged before the kill, each crash.
const ACKNOWLEDGED_BEFORE_KILL: usize = 200;

/// Every request in a run is distinct: purchase amounts are unique cents, and direct debit
/// account numbers unique too, so each record on disk names the request it came from.
fn purchase_amount(crash: usize, buyer: usize, round: usize) -> String {
    let cents = 1000 + (crash * BUYERS + buyer) * 10_000 + round;
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn debit_account_number(crash: usize, saver: usize, round: usize) -> String {
    format!("9{crash}{saver:02}{round:06}")
}

/// What the clients were told, and what they sent without being told anything.
#[derive(Default)]
struct Outcomes {
    acknowledged_amounts: BTreeSet<String>,
    sent_amounts: BTreeSet<String>,
    acknowledged_methods: BTreeSet<String>,
    methods_sent: usize,
}

/// Counts acknowledged writes, and says when there are enough to kill the server.
#[derive(Default)]
struct Acknowledged {
    count: AtomicUsize,
    enough: Notify,
}

impl Acknowledged {
    fn one_more(&self) {
        if self.count.fetch_add(1, Ordering::SeqCst) + 1 == ACKNOWLEDGED_BEFORE_KILL {
            self.enough.notify_one();
        }
    }
}

async fn run_until_killed(server: &mut Server, crash: usize) -> Outcomes {
    let base = server.base_url.clone();
    let acknowledged = Arc::new(Acknowledged::default());
    let mut buyers = Vec::new();
    for buyer in 0..BUYERS {
        let (base, acknowledged) = (base.clone(), acknowledged.clone());
        buyers.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let (mut sent, mut told) = (BTreeSet::new(), BTreeSet::new());
            for round in 0.. {
                let amount = purchase_amount(crash, buyer, round);
                let form: Vec<(&str, &str)> = VENDOR_EXAMPLE
                    .iter()
                    .map(|&(name, value)| (name, if name == "billingAmount" { amount.as_str() } else { value }))
                    .collect();
                sent.insert(amount.clone());
                let request = http.post(format!("{base}/molpro/credit/purchase")).basic_auth(USERNAME, Some(PASSWORD));
                let Ok(reply) = request.form(&form).send().await else { break };
                let Ok(body) = reply.text().await else { break };
                assert!(body.contains("<status>0</status>"), "{body}");
                told.insert(amount);
                acknowledged.one_more();
            }
            (sent, told)
        }));
    }
    let mut savers = Vec::new();
    for saver in 0..SAVERS {
        let (base, acknowledged) = (base.clone(), acknowledged.clone());
        savers.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let (mut sent, mut told) = (0, BTreeSet::new());
            for round in 0.. {
                let number = debit_account_number(crash, saver, round);
                let body = serde_json::json!({
                    "paymentInfoType": "direct_debit", "routingNumber": "011000015", "accountNumber": number
                });
                sent += 1;
                let request = http.post(format!("{base}/accounts/1002/paymentInfo")).basic_auth(OWNER.0, Some(OWNER.1));
                let request = request.header("content-type", "application/json").body(body.to_string());
                let Ok(reply) = request.send().await else { break };
                assert_eq!(reply.status(), 201);
                told.insert(reply.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().to_owned());
                acknowledged.one_more();
            }
            (sent, told)
        }));
    }

    // Kill it mid-run, with every client still sending.
    acknowledged.enough.notified().await;
    server.kill();

    let mut outcomes = Outcomes::default();
    for buyer in buyers {
        let (sent, told) = buyer.await.unwrap();
        outcomes.sent_amounts.extend(sent);
        outcomes.acknowledged_amounts.extend(told);
    }
    for saver in savers {
        let (sent, told) = saver.await.unwrap();
        outcomes.methods_sent += sent;
        outcomes.acknowledged_methods.extend(told);
    }
    outcomes
}

/// `PRAGMA integrity_check` of a copy of the database and its write-ahead log as the kill
/// left them, recovered by SQLite the way a restart would.
async fn integrity_of_a_copy(database: &std::path::Path, copy: std::path::PathBuf) -> String {
    std::fs::create_dir(&copy).unwrap();
    for suffix in ["", "-wal"] {
        let from = format!("{}{suffix}", database.display());
        if std::path::Path::new(&from).exists() {
            std::fs::copy(&from, copy.join(format!("paymock.db{suffix}"))).unwrap();
        }
    }
    let url = format!("sqlite://{}", copy.join("paymock.db").display());
    let mut connection = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut connection).await.unwrap()
}

async fn get_json(http: &reqwest::Client, url: String) -> Value {
    let reply = http.get(url).send().await.unwrap();
    assert_eq!(reply.status(), 200);
    serde_json::from_str(&reply.text().await.unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill_and_nothing_is_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("paymock.db");
    let http = reqwest::Client::new();
    let mut acknowledged_amounts = BTreeSet::new();
    let mut sent_amounts = BTreeSet::new();
    let mut acknowledged_methods = BTreeSet::new();
    let mut methods_sent = 0;
    let mut in_flight_at_kills = 0;

    let mut server = Server::start(&database);
    for crash in 0..CRASHES {
        let outcomes = run_until_killed(&mut server, crash).await;
        in_flight_at_kills += outcomes.sent_amounts.len() - outcomes.acknowledged_amounts.len();
        in_flight_at_kills += outcomes.methods_sent - outcomes.acknowledged_methods.len();
        methods_sent += outcomes.methods_sent;
        acknowledged_amounts.extend(outcomes.acknowledged_amounts);
        sent_amounts.extend(outcomes.sent_amounts);
        acknowledged_methods.extend(outcomes.acknowledged_methods);

        assert_eq!(integrity_of_a_copy(&database, dir.path().join(format!("copy-{crash}"))).await, "ok");
        server = Server::start(&database);
        assert!(server.log_seen.iter().any(|line| line.contains("existing database: state kept")));
        let state = get_json(&http, format!("{}/__admin/state", server.base_url)).await;

        let user = state["click2mail"]["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|user| user["username"] == USERNAME)
            .expect("the fixture user");
        let recorded: Vec<String> =
            user["purchases"].as_array().unwrap().iter().map(|p| p["amount"].as_str().unwrap().to_owned()).collect();
        let recorded_set: BTreeSet<String> = recorded.iter().cloned().collect();
        assert_eq!(recorded.len(), recorded_set.len(), "no purchase is recorded twice");
        let lost: Vec<_> = acknowledged_amounts.difference(&recorded_set).collect();
        assert!(lost.is_empty(), "acknowledged purchases lost in crash {crash}: {lost:?}");
        let unknown: Vec<_> = recorded_set.difference(&sent_amounts).collect();
        assert!(unknown.is_empty(), "purchases nobody sent: {unknown:?}");
        let cents: i64 =
            recorded.iter().map(|amount| paymock::domain::money::Cents::parse(amount).unwrap().get()).sum();
        let balance = paymock::domain::money::Cents::parse(user["balance"].as_str().unwrap()).unwrap();
        assert_eq!(balance.get(), cents, "the balance is the sum of its purchases");

        let account = state["hostway"]["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|account| account["id"] == "1002")
            .expect("account 1002");
        let methods: BTreeSet<String> = account["paymentMethods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|method| method["id"].as_str().unwrap().to_owned())
            .collect();
        let lost: Vec<_> = acknowledged_methods.difference(&methods).collect();
        assert!(lost.is_empty(), "acknowledged payment methods lost in crash {crash}: {lost:?}");
        assert!(methods.len() <= methods_sent, "{} methods on disk, {methods_sent} sent", methods.len());
        let default = &account["default"];
        assert!(default.is_null() || methods.contains(default.as_str().unwrap()), "default {default}");
        for method in account["paymentMethods"].as_array().unwrap() {
            assert_eq!(method["paymentInfoType"], "direct_debit", "{method}");
            assert_eq!(method["routingNumber"], "011000015", "{method}");
            assert!(method["accountNumber"].as_str().unwrap().starts_with("XXXX"), "{method}");
        }
        eprintln!(
            "crash {crash}: {} purchases and {} methods acknowledged so far, all present; {} purchases on disk",
            acknowledged_amounts.len(),
            acknowledged_methods.len(),
            recorded.len()
        );
    }
    assert!(server.stop().success());

    let url = format!("sqlite://{}?mode=ro", database.display());
    let mut connection = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut connection).await.unwrap();
    assert_eq!(integrity, "ok");
    eprintln!(
        "{CRASHES} SIGKILLs survived: {} purchases and {} methods acknowledged, {in_flight_at_kills} requests cut off \
         in flight",
        acknowledged_amounts.len(),
        acknowledged_methods.len()
    );
}
