//! The checkout against paymock in-process: each test has a namespace of its own.

use paymock::{Cents, Sandbox};

#[tokio::test]
async fn the_checkout_buys_credit_and_paymock_saw_one_purchase() {
    let sandbox = Sandbox::start().await;
    let ns = sandbox.namespace("buy-credit");

    let reply = checkout::buy_credit(&ns.url(), "awesomeuser", "gReAt/PaSsWoRd123", "25.00").await.unwrap();
    assert!(reply.contains("<status>0</status>"), "{reply}");

    assert_eq!(ns.received("POST", "/molpro/credit/purchase"), 1);
    let state = ns.state().await;
    let buyer = state.click2mail.users.iter().find(|user| user.username == "awesomeuser").unwrap();
    assert_eq!(buyer.balance, Cents::new(25_00));
    assert_eq!(buyer.purchases[0].card_last_four, "1111");
    // Nothing reached the namespace `default`.
    assert_eq!(sandbox.received("POST", "/molpro/credit/purchase"), 0);
}

#[tokio::test]
async fn a_seeded_buyer_tops_up_from_its_seeded_balance() {
    let sandbox = Sandbox::start().await;
    let ns = sandbox.namespace("top-up");
    ns.seed_click2mail_user("shop", "pw", Cents::new(40_00)).await.unwrap();

    checkout::buy_credit(&ns.url(), "shop", "pw", "10.00").await.unwrap();

    let state = ns.state().await;
    let shop = state.click2mail.users.iter().find(|user| user.username == "shop").unwrap();
    assert_eq!(shop.balance, Cents::new(50_00));
}
