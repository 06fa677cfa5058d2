//! The Hostway payment-info API, CONTRACT.md §3, as a client sees it.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use paymock::domain::money::Cents;
use paymock::journal::Filter;
use paymock::store::PaymentRecord;
use serde_json::{Value, json};

use crate::helpers::*;

pub type User = (&'static str, &'static str);
pub const OWNER: User = ("acme-owner", "Owner-Pass-1");
/// A member of 1001 only: may read 1001, may change nothing, and is a stranger to 1002.
pub const MEMBER: User = ("acme-member", "Member-Pass-1");
pub const AGENT: User = ("sales-agent", "Agent-Pass-1");
const BASE: &str = "http://paymock.test:8080";

pub fn request(method: Method, path: &str, user: Option<User>, body: Option<&Value>) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(path).header(header::HOST, HOST);
    if let Some((username, password)) = user {
        builder = builder.header(header::AUTHORIZATION, basic(username, password));
    }
    match body {
        Some(body) => builder.header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .unwrap()
}

async fn call(app: &TestApp, method: Method, path: &str, user: User, body: Option<&Value>) -> Reply {
    app.send(request(method, path, Some(user), body)).await
}

/// A card that saves: the visa test card, good until 2030, with a well-formed address.
pub fn card() -> Value {
    json!({
        "paymentInfoType": "credit_card",
        "accountNumber": "4111111111111111",
        "cardHolderName": "John Smith",
        "verificationNumber": "123",
        "creditCardType": "visa",
        "expirationDate": "2030-4",
        "billingAddress": {"street1": "1 Main St", "city": "Chicago", "postalCode": "60606", "countryCode": "US"}
    })
}

pub fn card_with(changes: Value) -> Value {
    let mut card = card();
    for (key, value) in changes.as_object().unwrap() {
        card[key] = value.clone();
    }
    card
}

fn direct_debit(routing_number: &str, account_number: &str) -> Value {
    json!({"paymentInfoType": "direct_debit", "routingNumber": routing_number, "accountNumber": account_number})
}

async fn save(app: &TestApp, account: &str, body: &Value) -> Reply {
    call(app, Method::POST, &format!("/accounts/{account}/paymentInfo"), OWNER, Some(body)).await
}

/// The error envelope with its random guid checked and taken out, so the rest compares
/// exactly. Also checks the envelope's key order as the vendor writes it.
pub fn envelope(reply: &Reply) -> Value {
    assert_eq!(reply.header("content-type"), "application/json", "{}", reply.body);
    let mut value: Value = serde_json::from_str(&reply.body).unwrap();
    let (kind, inner) = value.as_object_mut().unwrap().iter_mut().next().unwrap();
    let guid = inner.as_object_mut().unwrap().remove("guid").expect("a guid");
    assert!(uuid::Uuid::parse_str(guid.as_str().unwrap()).is_ok(), "{guid}");
    assert!(
        reply.body.starts_with(&format!(r#"{{"{kind}":{{"guid":"{}","message":"#, guid.as_str().unwrap())),
        "{}",
        reply.body
    );
    value
}

pub fn error(kind: &str, code: u16, message: &str, details: Value) -> Value {
    json!({ kind: {"message": message, "code": code, "details": details} })
}

fn conflict(message: &str) -> Value {
    error("conflict", 409, message, json!({}))
}

pub fn bad_request(details: Value) -> Value {
    let fields: Vec<&String> = details.as_object().unwrap().keys().collect();
    let fields: Vec<&str> = fields.into_iter().map(String::as_str).collect();
    let message = format!("The request body has missing or malformed fields: {}.", fields.join(", "));
    error("badRequest", 400, &message, details)
}

fn card_item(account: &str, id: &str, brand: &str, masked: &str, expiration: &str, default: u8) -> Value {
    json!({
        "paymentInfoType": "credit_card",
        "creditCardType": brand,
        "accountNumber": masked,
        "expirationDate": expiration,
        "default": default,
        "links": [{"href": format!("{BASE}/accounts/{account}/paymentInfo/{id}"), "rel": "self"}]
    })
}

fn debit_item(account: &str, id: &str, routing: &str, masked: &str, default: u8) -> Value {
    json!({
        "paymentInfoType": "direct_debit",
        "routingNumber": routing,
        "accountNumber": masked,
        "default": default,
        "links": [{"href": format!("{BASE}/accounts/{account}/paymentInfo/{id}"), "rel": "self"}]
    })
}

fn list_body(account: &str, items: Vec<Value>) -> Value {
    json!({
        "list": items,
        "default": [{"href": format!("{BASE}/accounts/{account}/paymentInfo/default/"), "rel": "related"}],
        "links": [{"href": format!("{BASE}/accounts/{account}/paymentInfo/"), "rel": "self"}]
    })
}

fn json_of(reply: &Reply) -> Value {
    assert_eq!(reply.header("content-type"), "application/json", "{}", reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

#[tokio::test]
async fn saving_a_card_answers_201_with_its_location_and_lists_it() {
    let app = TestApp::new().await;

    let reply = save(&app, "1001", &card()).await;

    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.header("location"), format!("{BASE}/accounts/1001/paymentInfo/cc-1"));
    assert_eq!(reply.header("x-paymock-version"), env!("CARGO_PKG_VERSION"));
    assert_eq!(reply.body, "");

    let reply = call(&app, Method::GET, "/accounts/1001/paymentInfo", OWNER, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let item = card_item("1001", "cc-1", "visa", "XXXXXXXXXXXX1111", "2030-04", 1);
    assert_eq!(json_of(&reply), list_body("1001", vec![item.clone()]));
    // Field order as the vendor documents it.
    assert!(reply.body.starts_with(r#"{"list":[{"paymentInfoType":"credit_card","creditCardType":"visa","accountNumber":"XXXXXXXXXXXX1111","expirationDate":"2030-04","default":1,"links":"#));

    let reply = call(&app, Method::GET, "/accounts/1001/paymentInfo/cc-1", OWNER, None).await;
    assert_eq!((reply.status, json_of(&reply)), (StatusCode::OK, item));
}

#[tokio::test]
async fn the_vendor_card_example_is_rejected_as_written() {
    let app = TestApp::new().await;
    let example = json!({
        "paymentInfoType": "credit_card",
        "accountNumber": "111111111111111111",
        "cardHolderName": "John Smith",
        "verificationNumber": "555",
        "creditCardType": "amex",
        "expirationDate": "2015-06",
        "billingAddress": {
            "street1": "Address Line 1",
            "street2": "Address Line 2",
            "countryCode": "US",
            "city": "Chicago",
            "postalCode": "60606",
            "stateOrProvince": "IL"
        }
    });
    let reply = save(&app, "1001", &example).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(envelope(&reply), conflict("Credit card rejected: card number fails the Luhn check."));

    // With a future date and the amex test card, each remaining rule of the contract speaks
    // in turn: the amex CVV has four digits, and the street line starts with a number.
    let mut example = example;
    example["expirationDate"] = json!("2030-06");
    example["accountNumber"] = json!("378282246310005");
    let reply = save(&app, "1001", &example).await;
    assert_eq!(envelope(&reply), conflict("Credit card rejected: CVV must be 4 digits for amex."));
    example["verificationNumber"] = json!("5555");
    let reply = save(&app, "1001", &example).await;
    assert_eq!(
        envelope(&reply),
        conflict("Credit card rejected: billing street address must start with a house number (AVS).")
    );
    example["billingAddress"]["street1"] = json!("1 Address Line");
    let reply = save(&app, "1001", &example).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.header("location"), format!("{BASE}/accounts/1001/paymentInfo/cc-1"));
}

#[tokio::test]
async fn the_vendor_direct_debit_example_needs_a_valid_routing_number() {
    let app = TestApp::new().await;
    let mut example = json!({
        "paymentInfoType": "direct_debit",
        "routingNumber": "123456789",
        "accountNumber": "1234",
        "accountName": "My Account Name",
        "accountOwner": "John Smith",
        "bankName": "My Bank",
        "bankCity": "Chicago",
        "bankCountry": "US"
    });
    let reply = save(&app, "1001", &example).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(envelope(&reply), bad_request(json!({"routingNumber": "must be 9 digits with a valid ABA checksum"})));

    example["routingNumber"] = json!("011000015");
    let reply = save(&app, "1001", &example).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.header("location"), format!("{BASE}/accounts/1001/paymentInfo/dd-1"));
    let reply = call(&app, Method::GET, "/accounts/1001/paymentInfo/dd-1", OWNER, None).await;
    assert_eq!(json_of(&reply), debit_item("1001", "dd-1", "011000015", "X234", 1));
    // Even a four-digit account number is never shown whole; field order as documented.
    let expected = format!(
        r#"{{"paymentInfoType":"direct_debit","routingNumber":"011000015","accountNumber":"X234","default":1,"links":[{{"href":"{BASE}/accounts/1001/paymentInfo/dd-1","rel":"self"}}]}}"#
    );
    assert_eq!(reply.body, expected);
}

/// All zeros passes the ABA checksum (its sum is 0), but no bank has it; nor has any bank an
/// account number of zeros.
#[tokio::test]
async fn all_zero_routing_and_account_numbers_are_refused() {
    let app = TestApp::new().await;
    let routing = "must not be all zeros: no bank has that routing number";
    let account = "must not be all zeros: no bank has that account number";
    for (routing_number, account_number, details) in [
        ("000000000", "123456782332", json!({ "routingNumber": routing })),
        ("011000015", "0000", json!({ "accountNumber": account })),
        ("011000015", "00000000000000000", json!({ "accountNumber": account })),
        ("000000000", "0000000", json!({ "routingNumber": routing, "accountNumber": account })),
    ] {
        let reply = save(&app, "1001", &direct_debit(routing_number, account_number)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{routing_number} {account_number}");
        assert_eq!(envelope(&reply), bad_request(details));
    }
    assert!(app.state.store.namespace("default").payment_methods("1001").await.unwrap().is_empty());
    // A number that starts with zeros is a number like any other.
    assert_eq!(save(&app, "1001", &direct_debit("011000015", "0000000000000001")).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn every_missing_or_malformed_field_is_named_at_once() {
    let app = TestApp::new().await;
    let cases = [
        (json!({}), json!({"accountNumber": "is required", "paymentInfoType": "is required"})),
        (
            json!({"paymentInfoType": 1, "accountNumber": 4111111111111111u64, "cardHolderName": [], "routingNumber": {}, "billingAddress": "x"}),
            json!({
                "accountNumber": "must be a string",
                "billingAddress": "must be an object",
                "cardHolderName": "must be a string",
                "paymentInfoType": "must be a string",
                "routingNumber": "must be a string"
            }),
        ),
        (
            json!({"paymentInfoType": "paypal", "accountNumber": "12 34"}),
            json!({"accountNumber": "must be digits only", "paymentInfoType": "must be credit_card or direct_debit"}),
        ),
        (
            json!({"paymentInfoType": "credit_card", "accountNumber": 4111111111111111u64, "billingAddress": "1 Main St"}),
            json!({
                "accountNumber": "must be a string",
                "billingAddress": "must be an object",
                "cardHolderName": "is required",
                "expirationDate": "is required",
                "verificationNumber": "is required"
            }),
        ),
        (
            card_with(json!({
                "accountNumber": "41111111111",
                "cardHolderName": " ",
                "expirationDate": "04/2030",
                "verificationNumber": "12",
                "creditCardType": "diners",
                "billingAddress": {"street1": 1, "countryCode": "XX", "postalCode": null}
            })),
            json!({
                "accountNumber": "must be 12 to 19 digits for a credit card",
                "billingAddress.city": "is required",
                "billingAddress.countryCode": "must be an ISO 3166-1 alpha-2 code such as US",
                "billingAddress.street1": "must be a string",
                "cardHolderName": "is required",
                "creditCardType": "must be visa, mastercard, amex or discover",
                "expirationDate": "must be yyyy-m or yyyy-mm, such as 2030-04",
                "verificationNumber": "must be 3 or 4 digits"
            }),
        ),
        (
            json!({"paymentInfoType": "direct_debit", "accountNumber": "123", "bankName": 7}),
            json!({
                "accountNumber": "must be 4 to 17 digits for a bank account",
                "bankName": "must be a string",
                "routingNumber": "is required"
            }),
        ),
    ];
    for (body, details) in cases {
        let reply = save(&app, "1001", &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(envelope(&reply), bad_request(details), "{body}");
    }
    let reply = call(&app, Method::GET, "/accounts/1001/paymentInfo", OWNER, None).await;
    assert_eq!(json_of(&reply)["list"], json!([]));
}

#[tokio::test]
async fn bodies_that_are_not_a_json_object_get_400_and_other_types_415() {
    let app = TestApp::new().await;
    let raw = |content_type: Option<&str>, body: &str| {
        let mut builder = Request::post("/accounts/1001/paymentInfo")
            .header(header::HOST, HOST)
            .header(header::AUTHORIZATION, basic(OWNER.0, OWNER.1));
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        builder.body(Body::from(body.to_owned())).unwrap()
    };

    let reply = app.send(raw(Some("application/json"), "{not json")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        envelope(&reply),
        bad_request(json!({"body": "is not valid JSON: key must be a string at line 1 column 2"}))
    );
    let reply = app.send(raw(Some("application/json; charset=utf-8"), "[1, 2]")).await;
    assert_eq!(envelope(&reply), bad_request(json!({"body": "must be a JSON object"})));
    let reply = app.send(raw(Some("application/json"), "")).await;
    assert_eq!(
        envelope(&reply),
        bad_request(json!({"body": "is not valid JSON: EOF while parsing a value at line 1 column 0"}))
    );
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let reply = app.send(raw(Some("application/json"), &deep)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    for (content_type, shown) in
        [(Some("text/plain"), "text/plain"), (None, "(none)"), (Some("application/xml"), "application/xml")]
    {
        let reply = app.send(raw(content_type, "{}")).await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let message = format!("Content-Type {shown} is not supported: send application/json.");
        assert_eq!(envelope(&reply), error("unsupportedMediaType", 415, &message, json!({})));
    }

    let huge = format!(r#"{{"pad": "{}"}}"#, "x".repeat(64 * 1024));
    let reply = app.send(raw(Some("application/json"), &huge)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        envelope(&reply),
        error("requestEntityTooLarge", 413, "The request body is larger than 64 KiB.", json!({}))
    );
}

#[tokio::test]
async fn each_card_rule_has_its_own_conflict() {
    let app = TestApp::new().await;
    let cases = [
        (json!({"accountNumber": "4111111111111112"}), "card number fails the Luhn check"),
        (json!({"expirationDate": "2026-10"}), "card expired at the end of 2026-10"),
        (json!({"creditCardType": "mastercard"}), "card type mastercard does not match the card number, which is visa"),
        (json!({"verificationNumber": "1234"}), "CVV must be 3 digits for visa"),
        (json!({"accountNumber": "4000000000000127"}), "incorrect CVV"),
        (json!({"accountNumber": "4000000000000010"}), "billing address does not match the card's address (AVS)"),
        (json!({"accountNumber": "4100000000000019"}), "card is black-listed"),
        (json!({"accountNumber": "4000000000000002"}), "card declined"),
        (json!({"accountNumber": "4000000000000069"}), "expired card"),
        (
            json!({"accountNumber": "4242424242424242"}),
            "not a test card: the sandbox accepts only the test cards listed in its README",
        ),
        (
            json!({"billingAddress": {"street1": "1 Main St", "city": "Chicago", "postalCode": "6060"}}),
            "postal code 6060 is not well formed for US (AVS)",
        ),
    ];
    for (changes, reason) in cases {
        let reply = save(&app, "1001", &card_with(changes.clone())).await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{changes}");
        assert_eq!(envelope(&reply), conflict(&format!("Credit card rejected: {reason}.")), "{changes}");
    }
    // A card good until the end of this month still saves.
    assert_eq!(save(&app, "1001", &card_with(json!({"expirationDate": "2026-11"}))).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_method_already_active_on_the_account_is_a_duplicate() {
    let app = TestApp::new().await;
    assert_eq!(save(&app, "1001", &card()).await.status, StatusCode::CREATED);
    let reply =
        save(&app, "1001", &card_with(json!({"expirationDate": "2031-01", "cardHolderName": "J. Smith"}))).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(envelope(&reply), conflict("A credit card with the same number is already active on this account."));

    assert_eq!(save(&app, "1001", &direct_debit("011000015", "123456782332")).await.status, StatusCode::CREATED);
    let reply = save(&app, "1001", &direct_debit("011000015", "123456782332")).await;
    assert_eq!(
        envelope(&reply),
        conflict("A direct debit with the same routing and account number is already active on this account.")
    );
    // The journal names the method each duplicated.
    let reasons: Vec<String> = app
        .default_namespace()
        .journal
        .find(&Filter { status: Some(409), ..Filter::default() }, 10)
        .into_iter()
        .map(|entry| entry.reason)
        .collect();
    assert_eq!(reasons, ["409: duplicate of dd-2", "409: duplicate of cc-1"]);
    // The same account number at another bank, and the same card on another account, are not duplicates.
    assert_eq!(save(&app, "1001", &direct_debit("021000021", "123456782332")).await.status, StatusCode::CREATED);
    assert_eq!(save(&app, "1002", &card()).await.status, StatusCode::CREATED);

    // Once deleted, the card may be saved again.
    call(
        &app,
        Method::PUT,
        "/accounts/1001/paymentInfo/default",
        OWNER,
        Some(&json!({"paymentInfo": "/accounts/1001/paymentInfo/dd-2"})),
    )
    .await;
    assert_eq!(
        call(&app, Method::DELETE, "/accounts/1001/paymentInfo/cc-1", OWNER, None).await.status,
        StatusCode::NO_CONTENT
    );
    let reply = save(&app, "1001", &card()).await;
    assert_eq!(reply.header("location"), format!("{BASE}/accounts/1001/paymentInfo/cc-5"));
}

#[tokio::test]
async fn the_first_method_is_the_default_and_the_default_can_move() {
    let app = TestApp::new().await;
    save(&app, "1001", &card()).await;
    save(&app, "1001", &direct_debit("011000015", "123456782332")).await;
    let list = |app| async move { json_of(&call(app, Method::GET, "/accounts/1001/paymentInfo/", OWNER, None).await) };
    let card_item = |default| card_item("1001", "cc-1", "visa", "XXXXXXXXXXXX1111", "2030-04", default);
    let debit_item = |default| debit_item("1001", "dd-2", "011000015", "XXXXXXXX2332", default);
    assert_eq!(list(&app).await, list_body("1001", vec![card_item(1), debit_item(0)]));

    let link = json!({"paymentInfo": format!("{BASE}/accounts/1001/paymentInfo/dd-2")});
    let reply = call(&app, Method::PUT, "/accounts/1001/paymentInfo/default/", OWNER, Some(&link)).await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::NO_CONTENT, ""));
    assert_eq!(list(&app).await, list_body("1001", vec![card_item(0), debit_item(1)]));
    let reply = call(&app, Method::GET, "/accounts/1001/paymentInfo/default/", OWNER, None).await;
    assert_eq!(json_of(&reply), debit_item(1));

    // The default cannot be deleted; another method can, and is no longer listed or found.
    let reply = call(&app, Method::DELETE, "/accounts/1001/paymentInfo/dd-2", OWNER, None).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(
        envelope(&reply),
        conflict("Payment info dd-2 is the account's default: make another method the default first.")
    );
    let reply = call(&app, Method::DELETE, "/accounts/1001/paymentInfo/cc-1", OWNER, None).await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::NO_CONTENT, ""));
    assert_eq!(list(&app).await, list_body("1001", vec![debit_item(1)]));
    for (method, path) in
        [(Method::GET, "/accounts/1001/paymentInfo/cc-1"), (Method::DELETE, "/accounts/1001/paymentInfo/cc-1")]
    {
        let reply = call(&app, method, path, OWNER, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(
            envelope(&reply),
            error("itemNotFound", 404, "Payment info cc-1 does not exist on this account.", json!({}))
        );
    }
}

#[tokio::test]
async fn the_default_link_must_name_a_method_of_this_account() {
    let app = TestApp::new().await;
    save(&app, "1001", &card()).await;
    save(&app, "1002", &direct_debit("011000015", "9876")).await;
    let app = &app;
    let put = |body: Value| async move {
        call(app, Method::PUT, "/accounts/1001/paymentInfo/default", OWNER, Some(&body)).await
    };
    let not_a_method = bad_request(json!({"paymentInfo": "is not a payment method of account 1001"}));

    assert_eq!(envelope(&put(json!({})).await), bad_request(json!({"paymentInfo": "is required"})));
    assert_eq!(
        envelope(&put(json!({"paymentInfo": 1})).await),
        bad_request(json!({"paymentInfo": "must be a string"}))
    );
    assert_eq!(envelope(&put(json!("cc-1")).await), bad_request(json!({"body": "must be a JSON object"})));
    for link in [
        format!("{BASE}/accounts/1002/paymentInfo/dd-2"),
        format!("{BASE}/accounts/1001/paymentInfo/cc-9"),
        format!("{BASE}/accounts/1001/paymentInfo/dd-1"),
    ] {
        let reply = put(json!({"paymentInfo": link})).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{link}");
        assert_eq!(envelope(&reply), not_a_method, "{link}");
    }
    // A bare id is told the link it stands for, on this account and this host, when the
    // account has such a method; otherwise that it has none.
    let reply = put(json!({"paymentInfo": " cc-1 "})).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let hint = format!("must be the link of a payment method, not its id: send {BASE}/accounts/1001/paymentInfo/cc-1");
    assert_eq!(envelope(&reply), bad_request(json!({"paymentInfo": hint})));
    for id in ["dd-7", "cc-9"] {
        let reply = put(json!({"paymentInfo": id})).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{id}");
        let hint =
            format!("must be the link of a payment method, not its id; and account 1001 has no payment info {id}");
        assert_eq!(envelope(&reply), bad_request(json!({"paymentInfo": hint})), "{id}");
    }
    assert_eq!(put(json!({"paymentInfo": "/accounts/1001/paymentInfo/cc-1"})).await.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn only_agents_remove_the_default_and_only_where_offline_is_allowed() {
    let app = TestApp::new().await;
    save(&app, "1002", &card()).await;
    save(&app, "1001", &card()).await;

    let reply = call(&app, Method::DELETE, "/accounts/1002/paymentInfo/default", OWNER, None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let message = AGENT_REFUSAL;
    assert_eq!(envelope(&reply), error("forbidden", 403, message, json!({})));

    let reply = call(&app, Method::DELETE, "/accounts/1002/paymentInfo/default", AGENT, None).await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::NO_CONTENT, ""));
    let reply = call(&app, Method::GET, "/accounts/1002/paymentInfo/default", OWNER, None).await;
    let offline = json!({
        "paymentInfoType": "offline",
        "default": 1,
        "links": [{"href": format!("{BASE}/accounts/1002/paymentInfo/default/"), "rel": "self"}]
    });
    assert_eq!(json_of(&reply), offline);
    let expected = format!(
        r#"{{"paymentInfoType":"offline","default":1,"links":[{{"href":"{BASE}/accounts/1002/paymentInfo/default/","rel":"self"}}]}}"#
    );
    assert_eq!(reply.body, expected);
    let reply = call(&app, Method::GET, "/accounts/1002/paymentInfo", OWNER, None).await;
    assert_eq!(json_of(&reply)["list"][0]["default"], json!(0));
    // While another method is active, a new one does not take over from offline...
    let mastercard = card_with(json!({"accountNumber": "5555555555554444", "creditCardType": "mastercard"}));
    save(&app, "1002", &mastercard).await;
    assert_eq!(json_of(&call(&app, Method::GET, "/accounts/1002/paymentInfo/default", OWNER, None).await), offline);
    // ...but once none is left, the next one saved is the first, and the default.
    for method in ["cc-1", "cc-3"] {
        let path = format!("/accounts/1002/paymentInfo/{method}");
        assert_eq!(call(&app, Method::DELETE, &path, OWNER, None).await.status, StatusCode::NO_CONTENT);
    }
    save(&app, "1002", &card()).await;
    let reply = call(&app, Method::GET, "/accounts/1002/paymentInfo/default", OWNER, None).await;
    assert_eq!(json_of(&reply), card_item("1002", "cc-4", "visa", "XXXXXXXXXXXX1111", "2030-04", 1));

    let reply = call(&app, Method::DELETE, "/accounts/1001/paymentInfo/default", AGENT, None).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(
        envelope(&reply),
        conflict("Account 1001 does not allow the offline payment method, so its default cannot be removed.")
    );

    let reply = call(&app, Method::GET, "/accounts/1002/paymentInfo/default", AGENT, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let fresh = TestApp::new().await;
    let reply = call(&fresh, Method::GET, "/accounts/1001/paymentInfo/default", OWNER, None).await;
    assert_eq!(
        envelope(&reply),
        error(
            "itemNotFound",
            404,
            "Account 1001 has no default payment info yet: save a payment method, or choose one with PUT \
             …/paymentInfo/default.",
            json!({})
        )
    );
}

#[tokio::test]
async fn payments_are_recorded_pending_or_refused() {
    let app = TestApp::new().await;
    save(&app, "1001", &card()).await;
    save(&app, "1001", &direct_debit("011000015", "123456782332")).await;
    save(&app, "1001", &card_with(json!({"accountNumber": "4000000000009995"}))).await;
    save(
        &app,
        "1001",
        &card_with(
            json!({"accountNumber": "5555555555554444", "creditCardType": "mastercard", "expirationDate": "2026-11"}),
        ),
    )
    .await;
    let app = &app;
    let pay = |path: &'static str, body: Value| async move { call(app, Method::POST, path, OWNER, Some(&body)).await };

    let reply = pay("/accounts/1001/paymentInfo/cc-1/payment", json!({"amount": 25.5})).await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::NO_CONTENT, ""));
    assert_eq!(
        pay("/accounts/1001/paymentInfo/dd-2/payment", json!({"amount": "0.01"})).await.status,
        StatusCode::NO_CONTENT
    );

    let hint = "must be a number greater than 0 with at most two decimals, such as 25.50";
    for amount in [json!(0), json!(-5), json!("1e9"), json!(10.001), json!(null), json!("ten")] {
        let reply = pay("/accounts/1001/paymentInfo/cc-1/payment", json!({"amount": amount})).await;
        assert_eq!(envelope(&reply), bad_request(json!({"amount": hint})), "{amount}");
    }
    let reply = pay("/accounts/1001/paymentInfo/cc-1/payment", json!({})).await;
    assert_eq!(envelope(&reply), bad_request(json!({"amount": "is required"})));
    // A bad body is named before a missing method; a good one on a missing method is 404.
    assert_eq!(pay("/accounts/1001/paymentInfo/cc-99/payment", json!({})).await.status, StatusCode::BAD_REQUEST);
    let reply = pay("/accounts/1001/paymentInfo/cc-99/payment", json!({"amount": 5})).await;
    assert_eq!(
        envelope(&reply),
        error("itemNotFound", 404, "Payment info cc-99 does not exist on this account.", json!({}))
    );

    let reply = pay("/accounts/1001/paymentInfo/cc-3/payment", json!({"amount": 5})).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(envelope(&reply), conflict("Payment declined: credit limit reached."));

    assert_eq!(
        pay("/accounts/1001/paymentInfo/cc-4/payment", json!({"amount": 5})).await.status,
        StatusCode::NO_CONTENT
    );
    app.freeze_clock("2026-12-01T00:00:00Z");
    let reply = pay("/accounts/1001/paymentInfo/cc-4/payment", json!({"amount": 5})).await;
    assert_eq!(envelope(&reply), conflict("Payment declined: card expired at the end of 2026-11."));

    let pending = |payment_method_id, cents| PaymentRecord {
        payment_method_id,
        amount: Cents::new(cents),
        status: "pending".to_owned(),
    };
    assert_eq!(
        app.state.store.namespace("default").payments("1001").await.unwrap(),
        [pending(1, 2550), pending(2, 1), pending(4, 500)]
    );
}

const READ_REFUSAL: &str = "Only sales agents and users with a role on this account may read its payment info.";
const CHANGE_REFUSAL: &str = "Only sales agents and account owners may change this account's payment info.";
const AGENT_REFUSAL: &str = "Only sales agents may remove an account's default payment method.";

/// A request, what a refused caller is told, and the status the owner, the member and the
/// agent get for it.
struct RoleCase<'a> {
    method: Method,
    path: &'a str,
    body: Option<&'a Value>,
    refusal: &'a str,
    statuses: [u16; 3],
}

#[tokio::test]
async fn roles_decide_who_may_read_and_change() {
    let app = TestApp::new().await;
    save(&app, "1001", &card()).await;
    save(&app, "1002", &card()).await;
    let card_2 = card_with(json!({"accountNumber": "6011111111111117", "creditCardType": "discover"}));
    let link = json!({"paymentInfo": "/accounts/1001/paymentInfo/cc-1"});
    let amount = json!({"amount": 1});
    let case = |method, path, body, refusal, statuses| RoleCase { method, path, body, refusal, statuses };
    // The member has a role on 1001 only; the agent's 409s and 404 follow from the owner's
    // changes just before.
    let cases = [
        case(Method::GET, "/accounts/1001/paymentInfo", None, READ_REFUSAL, [200, 200, 200]),
        case(Method::GET, "/accounts/1002/paymentInfo", None, READ_REFUSAL, [200, 403, 200]),
        case(Method::GET, "/accounts/1001/paymentInfo/cc-1", None, READ_REFUSAL, [200, 200, 200]),
        case(Method::GET, "/accounts/1002/paymentInfo/cc-2", None, READ_REFUSAL, [200, 403, 200]),
        case(Method::GET, "/accounts/1001/paymentInfo/default", None, READ_REFUSAL, [200, 200, 200]),
        case(Method::POST, "/accounts/1001/paymentInfo", Some(&card_2), CHANGE_REFUSAL, [201, 403, 409]),
        case(Method::PUT, "/accounts/1001/paymentInfo/default", Some(&link), CHANGE_REFUSAL, [204, 403, 204]),
        case(Method::POST, "/accounts/1001/paymentInfo/cc-1/payment", Some(&amount), CHANGE_REFUSAL, [204, 403, 204]),
        case(Method::DELETE, "/accounts/1001/paymentInfo/cc-3", None, CHANGE_REFUSAL, [204, 403, 404]),
        case(Method::DELETE, "/accounts/1001/paymentInfo/default", None, AGENT_REFUSAL, [403, 403, 409]),
    ];
    for RoleCase { method, path, body, refusal, statuses } in cases {
        for (user, expected) in [OWNER, MEMBER, AGENT].into_iter().zip(statuses) {
            let reply = call(&app, method.clone(), path, user, body).await;
            assert_eq!(reply.status.as_u16(), expected, "{} {method} {path}: {}", user.0, reply.body);
            if expected == 403 {
                assert_eq!(envelope(&reply), error("forbidden", 403, refusal, json!({})), "{} {method} {path}", user.0);
            }
        }
        for (user, reason) in [
            (Some(("acme-owner", "wrong")), "the username or password is wrong"),
            (Some(("nobody", "x")), "the username or password is wrong"),
            (None, "the Authorization header is missing"),
        ] {
            let reply = app.send(request(method.clone(), path, user, body)).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{user:?} {method} {path}");
            assert_eq!(
                reply.body,
                format!("401 Unauthorized\n\nThis server could not verify your credentials: {reason}.\n")
            );
        }
    }
}

#[tokio::test]
async fn a_missing_account_is_404_on_every_route_after_credentials() {
    let app = TestApp::new().await;
    let amount = json!({"amount": 1});
    let link = json!({"paymentInfo": "/accounts/9999/paymentInfo/cc-1"});
    let routes = [
        (Method::GET, "/accounts/9999/paymentInfo", None),
        (Method::POST, "/accounts/9999/paymentInfo", Some(card())),
        (Method::GET, "/accounts/9999/paymentInfo/cc-1", None),
        (Method::DELETE, "/accounts/9999/paymentInfo/cc-1", None),
        (Method::GET, "/accounts/9999/paymentInfo/default", None),
        (Method::PUT, "/accounts/9999/paymentInfo/default", Some(link)),
        (Method::DELETE, "/accounts/9999/paymentInfo/default", None),
        (Method::POST, "/accounts/9999/paymentInfo/cc-1/payment", Some(amount)),
    ];
    for (method, path, body) in routes {
        for user in [AGENT, MEMBER] {
            let reply = call(&app, method.clone(), path, user, body.as_ref()).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}");
            assert_eq!(envelope(&reply), error("itemNotFound", 404, "Account 9999 does not exist.", json!({})));
        }
        let reply = app.send(request(method.clone(), path, None, body.as_ref())).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {path}");
    }
}

#[tokio::test]
async fn unauthenticated_requests_get_the_plain_text_401() {
    let app = TestApp::new().await;
    let cases = [
        (None, "the Authorization header is missing"),
        (Some(OWNER.0), "the username or password is wrong"),
        (Some("nobody"), "the username or password is wrong"),
    ];
    for (username, reason) in cases {
        let reply = app
            .send(request(Method::GET, "/accounts/1001/paymentInfo", username.map(|name| (name, "wrong")), None))
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.header("content-type"), "text/plain; charset=utf-8");
        assert_eq!(reply.header("www-authenticate"), r#"Basic realm="hostway""#);
        assert_eq!(
            reply.body,
            format!("401 Unauthorized\n\nThis server could not verify your credentials: {reason}.\n")
        );
    }
    // A Click2Mail user is not a Hostway user.
    let reply = app.send(request(Method::GET, "/accounts/1001/paymentInfo", Some((USERNAME, PASSWORD)), None)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn checks_run_in_the_contract_order() {
    let app = TestApp::new().await;
    let not_json = |user: User, path: &str| {
        Request::post(path)
            .header(header::HOST, HOST)
            .header(header::AUTHORIZATION, basic(user.0, user.1))
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from("{"))
            .unwrap()
    };
    // 403 before 415; 415 before 400; 400 before a missing payment info.
    let reply = app.send(not_json(MEMBER, "/accounts/1001/paymentInfo")).await;
    assert_eq!(envelope(&reply), error("forbidden", 403, CHANGE_REFUSAL, json!({})));
    let unsupported = error(
        "unsupportedMediaType",
        415,
        "Content-Type text/plain is not supported: send application/json.",
        json!({}),
    );
    assert_eq!(envelope(&app.send(not_json(OWNER, "/accounts/1001/paymentInfo")).await), unsupported);
    assert_eq!(envelope(&app.send(not_json(OWNER, "/accounts/1001/paymentInfo/cc-7/payment")).await), unsupported);
    let bad_amount = json!({"amount": "x"});
    let reply = call(&app, Method::POST, "/accounts/1001/paymentInfo/cc-7/payment", OWNER, Some(&bad_amount)).await;
    let hint = "must be a number greater than 0 with at most two decimals, such as 25.50";
    assert_eq!(envelope(&reply), bad_request(json!({"amount": hint})));
    // A saved method that would be refused (409) is still 404 under another id.
    save(&app, "1001", &card_with(json!({"accountNumber": "4000000000009995"}))).await;
    let reply =
        call(&app, Method::POST, "/accounts/1001/paymentInfo/dd-1/payment", OWNER, Some(&json!({"amount": 1}))).await;
    assert_eq!(
        envelope(&reply),
        error("itemNotFound", 404, "Payment info dd-1 does not exist on this account.", json!({}))
    );
    // A declined card never gets saved, so the one refusal a saved card meets at payment time
    // is its expiry or the credit limit (see payments_are_recorded_pending_or_refused).
}

#[tokio::test]
async fn unknown_resources_and_methods_answer_in_the_envelope() {
    let app = TestApp::new().await;
    for path in ["/accounts/1001", "/accounts/1001/paymentInfo/cc-1/refund", "/accounts/"] {
        let reply = call(&app, Method::GET, path, OWNER, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(envelope(&reply), error("itemNotFound", 404, &format!("There is no {path} resource."), json!({})));
    }
    for path in ["/accounts/1001/paymentInfo/xx-1", "/accounts/1001/paymentInfo/cc-abc"] {
        let reply = call(&app, Method::GET, path, OWNER, None).await;
        let pid = path.rsplit('/').next().unwrap();
        let message = format!("Payment info {pid} does not exist on this account.");
        assert_eq!(envelope(&reply), error("itemNotFound", 404, &message, json!({})));
    }
    let reply = call(&app, Method::PATCH, "/accounts/1001/paymentInfo", OWNER, None).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.header("allow"), "GET,HEAD,POST,OPTIONS");
    assert_eq!(envelope(&reply), error("badMethod", 405, "Method PATCH is not allowed on this resource.", json!({})));
}

#[tokio::test]
async fn nothing_stored_holds_a_full_card_number() {
    let dir = tempfile::tempdir().unwrap();
    let database = paymock::store::Database::File(dir.path().join("paymock.db"));
    let app = TestApp::on(&database, paymock::sandbox::fixtures::Fixtures::builtin().unwrap()).await;
    assert_eq!(save(&app, "1001", &card()).await.status, StatusCode::CREATED);
    assert_eq!(save(&app, "1001", &direct_debit("011000015", "123456782332")).await.status, StatusCode::CREATED);
    app.state.store.close().await;
    for file in ["paymock.db", "paymock.db-wal"] {
        let path = dir.path().join(file);
        if path.exists() {
            let bytes = std::fs::read(&path).unwrap();
            for secret in [&b"4111111111111111"[..], b"123456782332"] {
                assert!(!bytes.windows(secret.len()).any(|window| window == secret), "{file}");
            }
        }
    }
}
