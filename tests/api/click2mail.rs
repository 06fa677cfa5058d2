//! The Click2Mail credit API, CONTRACT.md §1–§2, as a client sees it.

use axum::body::Body;
use axum::http::{StatusCode, header};
use paymock::domain::cards::{Outcome, TestCardEntry, TestCards};
use paymock::domain::money::Cents;
use paymock::sandbox::fixtures::Fixtures;
use paymock::store::PurchaseRecord;
use paymock::vendors::click2mail::REQUIRED;

use crate::helpers::*;

#[tokio::test]
async fn the_vendor_example_succeeds_and_the_balance_grows() {
    let app = TestApp::new().await;
    assert_eq!(app.balance().await, "0.00");

    let reply = app.purchase(&VENDOR_EXAMPLE).await;

    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "application/xml");
    assert_eq!(reply.header("x-paymock-version"), env!("CARGO_PKG_VERSION"));
    assert_eq!(reply.body, success_xml());
    assert_eq!(app.balance().await, "10.00");
}

#[tokio::test]
async fn each_purchase_is_recorded_with_the_card_masked() {
    let app = TestApp::new().await;
    app.purchase(&example_with("billingAmount", "10.55")).await;
    app.freeze_clock("2026-11-23T08:30:00Z");
    let amex = [
        ("billingAmount", "12.5"),
        ("billingNumber", "378282246310005"),
        ("billingCcType", "AX"),
        ("billingCvv", "1234"),
    ];
    assert_eq!(app.purchase(&example_with_all(&amex)).await.body, success_xml());

    assert_eq!(app.balance().await, "23.05");
    let record = |cents, brand: &str, last_four: &str, at: &str| PurchaseRecord {
        amount: Cents::new(cents),
        card_brand: brand.into(),
        card_last_four: last_four.into(),
        purchased_at: at.into(),
    };
    assert_eq!(
        app.state.store.namespace("default").click2mail_purchases(USERNAME).await.unwrap(),
        [
            record(1055, "visa", "1111", "2026-11-22T12:00:00.000Z"),
            record(1250, "amex", "0005", "2026-11-23T08:30:00.000Z")
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_purchases_are_all_counted() {
    let dir = tempfile::tempdir().unwrap();
    let database = paymock::store::Database::File(dir.path().join("paymock.db"));
    let app = std::sync::Arc::new(TestApp::on(&database, Fixtures::builtin().unwrap()).await);
    let mut purchases = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let app = app.clone();
        purchases.spawn(async move { app.purchase(&example_with("billingAmount", "10.01")).await.body });
    }
    while let Some(body) = purchases.join_next().await {
        assert_eq!(body.unwrap(), success_xml());
    }
    assert_eq!(app.balance().await, "400.40");
    assert_eq!(app.state.store.namespace("default").click2mail_purchases(USERNAME).await.unwrap().len(), 40);
}

#[tokio::test]
async fn parameters_may_come_in_the_query_string() {
    let app = TestApp::new().await;
    let request = purchase_post_with_query(&VENDOR_EXAMPLE).body(Body::empty()).unwrap();

    let reply = app.send(request).await;

    assert_eq!((reply.status, reply.body), (StatusCode::OK, success_xml()));
    assert_eq!(app.balance().await, "10.00");
}

#[tokio::test]
async fn each_missing_or_empty_parameter_is_named() {
    let app = TestApp::new().await;
    for (name, _) in VENDOR_EXAMPLE {
        for params in [example_without(name), example_with(name, ""), example_with(name, "   ")] {
            let reply = app.purchase(&params).await;
            assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{name}");
            assert_eq!(reply.body, error_xml(9, "One of the required parameters is missing.", &[name]), "{name}");
        }
    }
    assert_eq!(app.balance().await, "0.00");
}

#[tokio::test]
async fn all_missing_parameters_are_named_at_once() {
    let app = TestApp::new().await;
    let reply = app.purchase(&[("billingName", "A"), ("billingCity", "B")]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let missing = [
        "billingAddress1",
        "billingState",
        "billingZip",
        "billingAmount",
        "billingNumber",
        "billingMonth",
        "billingYear",
        "billingCvv",
        "billingCcType",
    ];
    assert_eq!(reply.body, error_xml(9, "One of the required parameters is missing.", &missing));
}

#[tokio::test]
async fn each_malformed_parameter_is_named() {
    let cases = [
        ("billingAmount", "9.99", "billingAmount must be at least 10.00."),
        ("billingAmount", "0", "billingAmount must be at least 10.00."),
        ("billingAmount", "10.001", "billingAmount must have at most two decimal places."),
        ("billingAmount", "ten", "billingAmount must be a decimal number such as 10 or 10.50."),
        ("billingAmount", "-10", "billingAmount must be a decimal number such as 10 or 10.50."),
        ("billingAmount", "-0", "billingAmount must be a decimal number such as 10 or 10.50."),
        ("billingAmount", "1e9", "billingAmount must be a decimal number such as 10 or 10.50."),
        ("billingAmount", "NaN", "billingAmount must be a decimal number such as 10 or 10.50."),
        ("billingAmount", "10,00", "billingAmount must be a decimal number such as 10 or 10.50."),
        ("billingAmount", "10000000000000", "billingAmount must be at most 9999999999999.99."),
        ("billingNumber", "4111-1111-1111-1111", "billingNumber must be 12 to 19 digits."),
        ("billingNumber", "41111111111", "billingNumber must be 12 to 19 digits."),
        ("billingMonth", "13", "billingMonth must be two digits, 01 to 12."),
        ("billingMonth", "00", "billingMonth must be two digits, 01 to 12."),
        ("billingMonth", "1", "billingMonth must be two digits, 01 to 12."),
        ("billingMonth", "December", "billingMonth must be two digits, 01 to 12."),
        ("billingYear", "203", "billingYear must be 2 or 4 digits, such as 30 or 2030."),
        ("billingYear", "20300", "billingYear must be 2 or 4 digits, such as 30 or 2030."),
        ("billingYear", "0000", "billingYear must be 2 or 4 digits, such as 30 or 2030."),
        ("billingCvv", "12", "billingCvv must be 3 digits (4 for AX)."),
        ("billingCvv", "1234", "billingCvv must be 3 digits (4 for AX)."),
        ("billingCvv", "12a", "billingCvv must be 3 digits (4 for AX)."),
        ("billingCcType", "VISA", "billingCcType must be one of VI, MC, AX, DI."),
        ("billingCcType", "vi", "billingCcType must be one of VI, MC, AX, DI."),
    ];
    let app = TestApp::new().await;
    for (name, value, description) in cases {
        let reply = app.purchase(&example_with(name, value)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{name}={value}");
        assert_eq!(reply.body, error_xml(9, description, &[name]), "{name}={value}");
    }
    // The CVV length follows the declared card type, not the number.
    let cvv_error = error_xml(9, "billingCvv must be 3 digits (4 for AX).", &["billingCvv"]);
    let amex_with_three = example_with_all(&[("billingCcType", "AX"), ("billingCvv", "123")]);
    assert_eq!(app.purchase(&amex_with_three).await.body, cvv_error);
    let amex_number_as_visa = example_with_all(&[("billingNumber", "378282246310005"), ("billingCvv", "1234")]);
    assert_eq!(app.purchase(&amex_number_as_visa).await.body, cvv_error);
    assert_eq!(app.balance().await, "0.00");
}

#[tokio::test]
async fn a_parameter_given_twice_counts_once_unless_the_values_differ() {
    let app = TestApp::new().await;
    let mut params = VENDOR_EXAMPLE.to_vec();
    params.push(("billingAmount", "10"));
    assert_eq!(app.purchase(&params).await.body, success_xml());

    params.push(("billingAmount", "1000"));
    let reply = app.purchase(&params).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let description = "billingAmount is given more than once with different values.";
    assert_eq!(reply.body, error_xml(9, description, &["billingAmount"]));

    // Missing parameters are named before a conflict.
    let reply = app.purchase(&[("billingCcType", "VI"), ("billingCcType", "MC")]).await;
    assert!(
        reply.body.contains("<description>One of the required parameters is missing.</description>"),
        "{}",
        reply.body
    );
    assert_eq!(app.balance().await, "10.00");
}

#[tokio::test]
async fn parameters_may_be_split_between_query_string_and_body() {
    let app = TestApp::new().await;
    let (in_query, in_body) = VENDOR_EXAMPLE.split_at(5);
    let request = purchase_post_with_query(in_query).body(form(in_body)).unwrap();
    assert_eq!(app.send(request).await.body, success_xml());

    // Everything in both places, as some clients send it, is one purchase.
    let request = purchase_post_with_query(&VENDOR_EXAMPLE).body(form(&VENDOR_EXAMPLE)).unwrap();
    assert_eq!(app.send(request).await.body, success_xml());
    assert_eq!(app.balance().await, "20.00");
}

#[tokio::test]
async fn each_test_card_has_its_outcome() {
    // (number, card type, CVV, None for success or the reason it is not authorized)
    let cases = [
        ("4111111111111111", "VI", "123", None),
        ("5555555555554444", "MC", "123", None),
        ("378282246310005", "AX", "1234", None),
        ("6011111111111117", "DI", "123", None),
        ("4000000000000002", "VI", "123", Some("card declined")),
        ("4000000000000069", "VI", "123", Some("expired card")),
        ("4000000000000127", "VI", "123", Some("incorrect CVV")),
        ("4000000000000010", "VI", "123", Some("billing address does not match the card's address (AVS)")),
        ("4000000000009995", "VI", "123", Some("credit limit reached")),
        ("4100000000000019", "VI", "123", Some("card is black-listed")),
    ];
    let app = TestApp::new().await;
    let mut expected_balance = 0;
    for (number, card_type, cvv, refusal) in cases {
        let request = example_with_all(&[("billingNumber", number), ("billingCcType", card_type), ("billingCvv", cvv)]);

        let reply = app.purchase(&request).await;

        assert_eq!(reply.status, StatusCode::OK, "{number}");
        match refusal {
            None => {
                expected_balance += 10;
                assert_eq!(reply.body, success_xml(), "{number}");
            }
            Some(reason) => assert_eq!(reply.body, not_authorized_xml(reason), "{number}"),
        }
        assert_eq!(app.balance().await, format!("{expected_balance}.00"), "{number}");
    }
}

#[tokio::test]
async fn card_rule_failures_are_not_authorized_and_leave_the_balance() {
    let cases = [
        (example_with("billingNumber", "4111111111111112"), "card number fails the Luhn check"),
        (
            example_with("billingNumber", "9111111111111110"),
            "card number is not a visa, mastercard, amex or discover number",
        ),
        (example_with("billingCcType", "MC"), "card type mastercard does not match the card number, which is visa"),
        (example_with("billingYear", "2025"), "card expired at the end of 2025-12"),
        (
            example_with("billingNumber", "4242424242424242"),
            "not a test card: the sandbox accepts only the test cards listed in its README",
        ),
        (example_with("billingAddress1", "Baker St"), "billing street address must start with a house number (AVS)"),
        (example_with("billingZip", "ABCDE"), "postal code ABCDE is not well formed for US (AVS)"),
        (example_with("billingZip", "1234"), "postal code 1234 is not well formed for US (AVS)"),
    ];
    let app = TestApp::new().await;
    for (params, reason) in cases {
        let reply = app.purchase(&params).await;
        assert_eq!((reply.status, reply.body), (StatusCode::OK, not_authorized_xml(reason)));
    }
    assert_eq!(app.balance().await, "0.00");
    assert_eq!(app.state.store.namespace("default").click2mail_purchases(USERNAME).await.unwrap(), []);
}

#[tokio::test]
async fn a_card_is_good_until_the_end_of_its_month() {
    let app = TestApp::new().await;
    let params = example_with_all(&[("billingMonth", "12"), ("billingYear", "30")]);

    app.freeze_clock("2030-12-31T23:59:59Z");
    assert_eq!(app.purchase(&params).await.body, success_xml());

    app.freeze_clock("2031-01-01T00:00:00Z");
    assert_eq!(app.purchase(&params).await.body, not_authorized_xml("card expired at the end of 2030-12"));
    assert_eq!(app.balance().await, "10.00");
}

#[tokio::test]
async fn a_registered_postal_code_must_match() {
    let mut fixtures = Fixtures::builtin().unwrap();
    fixtures.test_cards = TestCards::new([TestCardEntry {
        number: "4111111111111111".into(),
        brand: paymock::domain::cards::Brand::Visa,
        outcome: Outcome::Approved,
        postal_code: Some("34567".into()),
    }])
    .unwrap();
    let app = TestApp::with_fixtures(fixtures).await;

    assert_eq!(app.purchase(&example_with("billingZip", "34567-0001")).await.body, success_xml());
    assert_eq!(
        app.purchase(&example_with("billingZip", "34568")).await.body,
        not_authorized_xml("billing address does not match the card's address (AVS)")
    );
    assert_eq!(app.balance().await, "10.00");
}

#[tokio::test]
async fn the_balance_stops_at_the_sandbox_limit() {
    let mut fixtures = Fixtures::builtin().unwrap();
    fixtures.click2mail.users[0].balance = Cents::parse("9999999999990.00").unwrap();
    let app = TestApp::with_fixtures(fixtures).await;

    let too_little = error_xml(9, "billingAmount must be at least 10.00.", &["billingAmount"]);
    assert_eq!(app.purchase(&example_with("billingAmount", "9.99")).await.body, too_little);
    let reply = app.purchase(&example_with("billingAmount", "10.00")).await;
    assert_eq!(reply.body, not_authorized_xml("the balance would pass the sandbox's limit of 9999999999999.99"));
    assert_eq!(app.balance().await, "9999999999990.00");
}

#[tokio::test]
async fn bad_credentials_get_401_with_a_challenge() {
    let app = TestApp::new().await;
    let cases = [
        (None, "the Authorization header is missing"),
        (Some(basic(USERNAME, "wrong")), "the username or password is wrong"),
        (Some(basic("nobody", PASSWORD)), "the username or password is wrong"),
        (Some(basic(USERNAME, "")), "the username or password is wrong"),
        (Some("Bearer abc".to_owned()), "the Authorization header must use the Basic scheme"),
        (Some("Basic not-base64!".to_owned()), "the Basic credentials are not valid base64"),
        (
            Some("Basic YXdlc29tZXVzZXI=".to_owned()),
            "the Basic credentials must be UTF-8 text of the form username:password",
        ),
    ];
    for (authorization, reason) in cases {
        for request in [get("/molpro/credit"), purchase_post()] {
            let request = match &authorization {
                Some(value) => request.header(header::AUTHORIZATION, value),
                None => request,
            };
            let reply = app.send(request.body(form(&VENDOR_EXAMPLE)).unwrap()).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reason}");
            assert_eq!(reply.header("www-authenticate"), r#"Basic realm="molpro""#);
            assert_eq!(reply.body, error_xml(1, &format!("Authentication failed: {reason}."), &[]));
        }
    }
    assert_eq!(app.balance().await, "0.00");
}

#[tokio::test]
async fn json_is_answered_to_clients_that_ask_for_it() {
    let app = TestApp::new().await;
    let json = |request: axum::http::request::Builder| request.header(header::ACCEPT, "application/json");
    let authorized =
        |request: axum::http::request::Builder| request.header(header::AUTHORIZATION, basic(USERNAME, PASSWORD));

    let reply = app.send(json(authorized(purchase_post())).body(form(&VENDOR_EXAMPLE)).unwrap()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), "application/json");
    assert_eq!(reply.header("vary"), "accept");
    assert_eq!(
        reply.body,
        format!(r#"{{"allowNegative":false,"status":0,"description":"Success","statusUrl":"{STATUS_URL}"}}"#)
    );

    let reply = app.send(json(authorized(get("/molpro/credit"))).body(Body::empty()).unwrap()).await;
    assert_eq!(
        reply.body,
        format!(
            r#"{{"allowNegative":false,"balance":"10.00","status":0,"description":"Success","statusUrl":"{STATUS_URL}"}}"#
        )
    );

    let declined = example_with("billingNumber", "4000000000000002");
    let reply = app.send(json(authorized(purchase_post())).body(form(&declined)).unwrap()).await;
    assert_eq!(
        reply.body,
        format!(
            r#"{{"allowNegative":false,"status":2,"description":"payment not authorized: card declined","statusUrl":"{STATUS_URL}"}}"#
        )
    );

    let reply = app.send(json(authorized(purchase_post())).body(form(&example_without("billingCvv"))).unwrap()).await;
    assert_eq!((reply.status, reply.header("content-type")), (StatusCode::BAD_REQUEST, "application/json"));
    assert_eq!(
        reply.body,
        r#"{"status":9,"description":"One of the required parameters is missing.","parameter":["billingCvv"]}"#
    );

    let reply = app.send(json(get("/molpro/credit")).body(Body::empty()).unwrap()).await;
    assert_eq!((reply.status, reply.header("www-authenticate")), (StatusCode::UNAUTHORIZED, r#"Basic realm="molpro""#));
    assert_eq!(
        reply.body,
        r#"{"status":1,"description":"Authentication failed: the Authorization header is missing."}"#
    );

    let reply = app.send(json(get("/molpro/credit/purchase")).body(Body::empty()).unwrap()).await;
    assert_eq!((reply.status, reply.header("allow")), (StatusCode::METHOD_NOT_ALLOWED, "POST,OPTIONS"));
    assert_eq!(reply.body, r#"{"status":9,"description":"Method GET is not allowed on this endpoint."}"#);

    let not_a_form = json(authorized(purchase_post())).header(header::CONTENT_TYPE, "text/plain");
    let reply = app.send(not_a_form.body(Body::from("hello")).unwrap()).await;
    assert_eq!((reply.status, reply.header("content-type")), (StatusCode::BAD_REQUEST, "application/json"));

    let huge = Body::from(format!("padding={}", "x".repeat(64 * 1024)));
    let reply = app.send(json(authorized(purchase_post())).body(huge).unwrap()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.body, r#"{"status":9,"description":"The request body is larger than 64 KiB."}"#);

    // XML stays the answer for everyone else.
    for accept in ["*/*", "application/xml", "text/xml, application/json;q=0.5"] {
        let reply = app
            .send(authorized(get("/molpro/credit")).header(header::ACCEPT, accept).body(Body::empty()).unwrap())
            .await;
        assert_eq!(reply.header("content-type"), "application/xml", "{accept}");
        assert_eq!(reply.body, balance_xml("10.00"), "{accept}");
    }
}

#[tokio::test]
async fn status_url_follows_the_host_or_the_public_url() {
    let mut app = TestApp::new().await;
    let authorized = |host: &str| {
        axum::http::Request::get("/molpro/credit")
            .header(header::HOST, host)
            .header(header::AUTHORIZATION, basic(USERNAME, PASSWORD))
    };
    let status_url =
        |body: &str| body.split("<statusUrl>").nth(1).unwrap().split("</statusUrl>").next().unwrap().to_owned();

    let reply = app.send(authorized("localhost:9999").body(Body::empty()).unwrap()).await;
    assert_eq!(status_url(&reply.body), "http://localhost:9999/molpro/credit");
    let reply = app
        .send(authorized("sandbox.internal").header("x-forwarded-proto", "https").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status_url(&reply.body), "https://sandbox.internal/molpro/credit");
    let reply = app.send(authorized("evil.test\"><x").body(Body::empty()).unwrap()).await;
    assert_eq!(status_url(&reply.body), "http://localhost/molpro/credit");

    app = app.with_public_url("https://pay.example.test/sandbox");
    let reply = app.send(authorized("localhost:9999").body(Body::empty()).unwrap()).await;
    assert_eq!(status_url(&reply.body), "https://pay.example.test/sandbox/molpro/credit");
}

#[tokio::test]
async fn bodies_that_carry_no_form_fields_are_ignored_and_missing_parameters_named() {
    let app = TestApp::new().await;
    let authorized = || {
        axum::http::Request::post("/molpro/credit/purchase")
            .header(header::HOST, HOST)
            .header(header::AUTHORIZATION, basic(USERNAME, PASSWORD))
    };
    let ignored = |media_type: &str| {
        format!(
            "One of the required parameters is missing. The {media_type} body was ignored: parameters are read from \
             the query string and from form bodies (application/x-www-form-urlencoded or multipart/form-data)."
        )
    };

    let reply = app
        .send(authorized().header(header::CONTENT_TYPE, "application/json").body(Body::from(r#"{"a": 1}"#)).unwrap())
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, error_xml(9, &ignored("application/json"), &REQUIRED));

    let reply = app.send(authorized().body(Body::from("billingName=x")).unwrap()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, error_xml(9, &ignored("(none)"), &REQUIRED));

    let request = authorized().header(header::CONTENT_TYPE, "text/plain; charset=utf-8");
    let reply = app.send(request.body(Body::from("hello")).unwrap()).await;
    assert_eq!(reply.body, error_xml(9, &ignored("text/plain"), &REQUIRED));

    // A malformed multipart body is named, its boundary not echoed.
    let multipart = "multipart/form-data; boundary=------------------------d74496d66958873e";
    let reply = app.send(authorized().header(header::CONTENT_TYPE, multipart).body(Body::from("--x")).unwrap()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("<description>The multipart/form-data body is malformed: "), "{}", reply.body);
    assert!(!reply.body.contains("d74496d66958873e"), "{}", reply.body);

    // A charset paymock cannot read is named.
    let request = authorized().header(header::CONTENT_TYPE, "application/x-www-form-urlencoded; charset=Shift_JIS");
    let reply = app.send(request.body(Body::from(serde_urlencoded::to_string(VENDOR_EXAMPLE).unwrap())).unwrap()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let description = "charset Shift_JIS is not supported: send the form as UTF-8, ISO-8859-1 or windows-1252.";
    assert_eq!(reply.body, error_xml(9, description, &[]));

    // JSON text sent as a form is told so, not handed the list of all eleven parameters; the
    // parameters it lacks are still named.
    let description = "The request body is JSON, not a form: send the parameters as application/x-www-form-urlencoded \
                       name=value pairs, such as billingName=Jane+Doe&amp;billingAmount=10.00.";
    for json_body in [r#"{"billingName": "Awesome User", "billingAmount": "10"}"#, "  [1, 2]"] {
        let request = authorized().header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        let reply = app.send(request.body(Body::from(json_body)).unwrap()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{json_body}");
        assert_eq!(reply.body, error_xml(9, description, &REQUIRED), "{json_body}");
    }
    // With every parameter in the query string, such a body changes nothing.
    let query = serde_urlencoded::to_string(VENDOR_EXAMPLE).unwrap();
    let request = axum::http::Request::post(format!("/molpro/credit/purchase?{query}"))
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, basic(USERNAME, PASSWORD))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    assert_eq!(app.send(request.body(Body::from("{}")).unwrap()).await.body, success_xml());

    let mut body = serde_urlencoded::to_string(VENDOR_EXAMPLE).unwrap();
    body.push_str("&billingName=%FF");
    let request = authorized().header(header::CONTENT_TYPE, "application/x-www-form-urlencoded; charset=UTF-8");
    let reply = app.send(request.body(Body::from(body)).unwrap()).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.body, error_xml(9, "billingName is not valid UTF-8 text.", &["billingName"]));

    // Parameters that are not among the eleven are ignored, whatever their bytes.
    let body = format!("{}&note=%FF&%FF=1", serde_urlencoded::to_string(VENDOR_EXAMPLE).unwrap());
    let request = authorized().header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    assert_eq!(app.send(request.body(Body::from(body)).unwrap()).await.body, success_xml());

    let huge = format!("{}&padding={}", serde_urlencoded::to_string(VENDOR_EXAMPLE).unwrap(), "x".repeat(64 * 1024));
    let request = authorized().header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    let reply = app.send(request.body(Body::from(huge)).unwrap()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.body, error_xml(9, "The request body is larger than 64 KiB.", &[]));

    assert_eq!(app.balance().await, "20.00");
}
