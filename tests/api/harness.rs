//! `paymock::Sandbox`, in-process, as a downstream crate's tests use it: real sockets, a
//! namespace per test, typed controls, and nothing left behind once it is dropped.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use paymock::journal::{Filter, Outcome};
use paymock::{Cents, Sandbox};

use crate::helpers::*;

fn address_of(url: &str) -> SocketAddr {
    url.trim_start_matches("http://").parse().unwrap()
}

/// Threads of this process, from the kernel's own count.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

/// Waits, for at most 10 s, until `done` holds; false if it never did.
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    done()
}

/// Under the default current-thread runtime of `#[tokio::test]`.
#[tokio::test]
async fn a_test_buys_credit_through_its_namespace_and_checks_what_was_received() {
    let sandbox = Sandbox::start().await;
    let ns = sandbox.namespace("case-42");
    assert_eq!(ns.url(), format!("{}/ns/case-42", sandbox.url()));

    let http = reqwest::Client::new();
    let reply = http
        .post(format!("{}/molpro/credit/purchase", ns.url()))
        .basic_auth(USERNAME, Some(PASSWORD))
        .form(&VENDOR_EXAMPLE)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let status_url = format!("{}/molpro/credit", ns.url());
    assert!(reply.text().await.unwrap().contains(&format!("<statusUrl>{status_url}</statusUrl>")));

    assert_eq!(ns.received("POST", "/molpro/credit/purchase"), 1);
    assert_eq!(ns.received("GET", "/molpro/credit"), 0);
    assert_eq!(sandbox.received("POST", "/molpro/credit/purchase"), 0, "default saw nothing");
    let state = ns.state().await;
    let buyer = &state.click2mail.users[0];
    assert_eq!((buyer.username.as_str(), buyer.balance), ("awesomeuser", Cents::new(10_00)));
    assert_eq!(buyer.purchases.len(), 1);
    assert_eq!(sandbox.state().await.click2mail.users[0].balance, Cents::ZERO);

    let entries = ns.journal(&Filter { outcome: Some(Outcome::Ok), ..Filter::default() });
    assert_eq!(entries.len(), 1);
    assert_eq!(
        (entries[0].method.as_str(), entries[0].path.as_str(), entries[0].status),
        ("POST", "/molpro/credit/purchase", 200)
    );
    assert!(entries[0].request_body.contains("billingCvv=***"), "{}", entries[0].request_body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_controls_act_as_the_control_plane_does() {
    let sandbox = Sandbox::builder().frozen_clock(instant(NOW)).start().await;
    let ns = sandbox.namespace("controls");
    assert_eq!(ns.clock().now, "2026-11-22T12:00:00.000Z");
    ns.set_clock(instant("2040-06-01T00:00:00Z"));
    assert!(ns.clock().now.starts_with("2040-06-01T00:00:0"), "{:?}", ns.clock());
    assert!(!ns.clock().frozen);
    ns.freeze_clock(instant("2031-01-01T00:00:00Z"));
    assert_eq!((ns.clock().now.as_str(), ns.clock().frozen), ("2031-01-01T00:00:00.000Z", true));
    assert_eq!(sandbox.clock().now, "2026-11-22T12:00:00.000Z");

    ns.seed_click2mail_user("buyer", "pw", Cents::new(25_00)).await.unwrap();
    let taken = ns.seed_click2mail_user("buyer", "pw", Cents::ZERO).await.unwrap_err();
    assert_eq!(taken.to_string(), "Click2Mail user buyer already exists.");
    ns.seed_hostway_account("42", true).await.unwrap();
    let roles = [("42".to_owned(), "sitecontrol_account_owner".to_owned())];
    ns.seed_hostway_user("owner", "pw", false, &roles).await.unwrap();
    let unknown = [("43".to_owned(), "x".to_owned())];
    let refused = ns.seed_hostway_user("other", "pw", false, &unknown).await.unwrap_err();
    assert_eq!(refused.to_string(), "The request body has missing or malformed fields: roles.");

    let saved = ns.save_snapshot("seeded").await.unwrap();
    assert_eq!((saved.name.as_str(), saved.created_at.as_str()), ("seeded", "2031-01-01T00:00:00.000Z"));
    let seeded = ns.state().await;
    ns.reset().await.unwrap();
    assert_eq!(ns.state().await.click2mail.users.len(), 1);
    ns.restore_snapshot("seeded").await.unwrap();
    assert_eq!(ns.state().await, seeded);
    assert!(ns.restore_snapshot("missing").await.is_err());

    let http = reqwest::Client::new();
    let rule = paymock::FaultRule {
        matches: paymock::faults::Match { path: Some("/molpro/credit".into()), ..Default::default() },
        action: paymock::faults::Action { status: Some(503), ..Default::default() },
        times: Some(1),
    };
    ns.add_fault(rule).unwrap();
    let balance = || http.get(format!("{}/molpro/credit", ns.url())).basic_auth("buyer", Some("pw")).send();
    assert_eq!(balance().await.unwrap().status(), 503);
    assert_eq!(balance().await.unwrap().status(), 200);
    let bad = paymock::FaultRule {
        action: paymock::faults::Action { body: Some("x".into()), ..Default::default() },
        ..Default::default()
    };
    assert_eq!(
        ns.add_fault(bad).unwrap_err().to_string(),
        "The request body has missing or malformed fields: action, action.body."
    );
    ns.clear_faults();
    assert_eq!(ns.received("GET", "/molpro/credit"), 2);
}

/// 100 sandboxes started and dropped leave no port listening and no thread behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandboxes_dropped_free_their_ports_and_threads() {
    // One first, so that the runtime's and the SQLite library's own threads exist already.
    Sandbox::start().await.shutdown().await;
    let before = threads();
    let mut addresses = Vec::new();
    for _ in 0..100 {
        let sandbox = Sandbox::start().await;
        let ns = sandbox.namespace("used");
        ns.seed_hostway_account("7", false).await.unwrap();
        addresses.push(address_of(&sandbox.url()));
    }
    let refused = |address: &SocketAddr| std::net::TcpStream::connect_timeout(address, Duration::from_secs(1)).is_err();
    assert!(eventually(|| addresses.iter().all(refused)).await, "a dropped sandbox still listens");
    assert!(eventually(|| threads() <= before).await, "{} threads, {before} before", threads());

    // shutdown() waits: the port is free when it returns.
    let sandbox = Sandbox::start().await;
    let address = address_of(&sandbox.url());
    sandbox.shutdown().await;
    assert!(refused(&address));
}

#[tokio::test]
#[should_panic(expected = "the namespace name \"a b\" must be 1 to 64 of A-Z")]
async fn a_bad_namespace_name_is_a_programming_error() {
    let sandbox = Sandbox::start().await;
    let _ = sandbox.namespace("a b");
}
