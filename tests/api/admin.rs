//! The control plane: token, seeding, clock, state and reset, as a test suite uses them.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::*;

fn admin(method: Method, path: &str, body: Option<Value>) -> Request<Body> {
    let builder = Request::builder().method(method).uri(format!("/__admin{path}")).header(header::HOST, HOST);
    match body {
        Some(body) => builder.header(header::CONTENT_TYPE, "application/json").body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .unwrap()
}

fn json_of(reply: &Reply) -> Value {
    assert_eq!(reply.header("content-type"), "application/json", "{}", reply.body);
    serde_json::from_str(&reply.body).unwrap()
}

fn bad_request(details: Value) -> Value {
    let fields: Vec<String> = details.as_object().unwrap().keys().cloned().collect();
    json!({"error": format!("The request body has missing or malformed fields: {}.", fields.join(", ")), "details": details})
}

async fn balance_of(app: &TestApp, username: &str, password: &str) -> Reply {
    app.send(
        get("/molpro/credit").header(header::AUTHORIZATION, basic(username, password)).body(Body::empty()).unwrap(),
    )
    .await
}

#[tokio::test]
async fn the_token_guards_every_route_but_health() {
    let app = TestApp::new().await.with_admin_token("s3cret");
    let routes = [
        (Method::GET, "/state"),
        (Method::POST, "/reset"),
        (Method::GET, "/clock"),
        (Method::PUT, "/clock"),
        (Method::DELETE, "/clock"),
        (Method::POST, "/click2mail/users"),
        (Method::PUT, "/click2mail/users/awesomeuser/balance"),
        (Method::POST, "/hostway/accounts"),
        (Method::POST, "/hostway/users"),
        (Method::GET, "/requests"),
        (Method::DELETE, "/requests"),
        (Method::GET, "/requests/count"),
        (Method::GET, "/faults"),
        (Method::POST, "/faults"),
        (Method::DELETE, "/faults"),
        (Method::DELETE, "/faults/1"),
        (Method::GET, "/openapi.json"),
    ];
    for (method, path) in routes {
        for authorization in [None, Some("Bearer wrong"), Some("s3cret"), Some("Basic czNjcmV0")] {
            let mut request = admin(method.clone(), path, Some(json!({})));
            if let Some(value) = authorization {
                request.headers_mut().insert(header::AUTHORIZATION, value.parse().unwrap());
            }
            let reply = app.send(request).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {path} {authorization:?}");
            assert_eq!(reply.header("www-authenticate"), r#"Bearer realm="paymock""#);
            assert_eq!(
                reply.body,
                r#"{"error":"The control plane needs Authorization: Bearer <the --admin-token>.","details":{}}"#
            );
        }
    }
    let reply = app.send(admin(Method::GET, "/health", None)).await;
    assert_eq!(reply.body, format!(r#"{{"status":"ok","version":"{}"}}"#, env!("CARGO_PKG_VERSION")));
    for authorization in ["Bearer s3cret", "bearer s3cret", "BEARER  s3cret "] {
        let mut request = admin(Method::GET, "/requests/count", None);
        request.headers_mut().insert(header::AUTHORIZATION, authorization.parse().unwrap());
        assert_eq!(app.send(request).await.body, r#"{"count":0}"#, "{authorization}");
    }
}

#[tokio::test]
async fn a_suite_seeds_its_own_click2mail_user() {
    let app = TestApp::new().await;
    let reply = app
        .send(admin(
            Method::POST,
            "/click2mail/users",
            Some(json!({"username": "suite-42", "password": "pw", "balance": 12.5})),
        ))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.body, r#"{"balance":"12.50","username":"suite-42"}"#);
    let reply = balance_of(&app, "suite-42", "pw").await;
    assert!(reply.body.contains("<balance>12.50</balance>"), "{}", reply.body);

    let reply =
        app.send(admin(Method::PUT, "/click2mail/users/suite-42/balance", Some(json!({"balance": "99.99"})))).await;
    assert_eq!((reply.status, json_of(&reply)), (StatusCode::OK, json!({"username": "suite-42", "balance": "99.99"})));
    assert!(balance_of(&app, "suite-42", "pw").await.body.contains("<balance>99.99</balance>"));
    // The fixture user is untouched.
    assert_eq!(app.balance().await, "0.00");

    let reply = app
        .send(admin(Method::POST, "/click2mail/users", Some(json!({"username": "suite-42", "password": "x"}))))
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(json_of(&reply), json!({"error": "Click2Mail user suite-42 already exists.", "details": {}}));

    let reply = app.send(admin(Method::PUT, "/click2mail/users/ghost/balance", Some(json!({"balance": 1})))).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(json_of(&reply), json!({"error": "Click2Mail user ghost does not exist.", "details": {}}));

    let cases = [
        (
            json!({"username": "a:b", "balance": 10.001}),
            json!({
                "balance": "must have at most two decimal places (a JSON number or a decimal string such as \"25.00\")",
                "password": "is required",
                "username": "must be 1 to 64 of A-Z, a-z, 0-9, '.', '_', '@' and '-', and not '.' or '..'"
            }),
        ),
        (
            json!({"username": 7.5, "password": true, "balance": -1}),
            json!({
                "balance": "must be a decimal number such as 10 or 10.50 (a JSON number or a decimal string such as \"25.00\")",
                "password": "must be a string",
                "username": "must be a string"
            }),
        ),
    ];
    for (body, details) in cases {
        let reply = app.send(admin(Method::POST, "/click2mail/users", Some(body.clone()))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(json_of(&reply), bad_request(details), "{body}");
    }
    let reply =
        app.send(admin(Method::POST, "/click2mail/users", Some(json!({"username": "  ", "password": "p"})))).await;
    assert_eq!(json_of(&reply), bad_request(json!({"username": "is required"})));
    let reply = app.send(admin(Method::PUT, "/click2mail/users/suite-42/balance", Some(json!({})))).await;
    assert_eq!(json_of(&reply), bad_request(json!({"balance": "is required"})));
    let reply = app.send(Request::post("/__admin/click2mail/users").body(Body::from("{oops")).unwrap()).await;
    assert_eq!(
        json_of(&reply),
        bad_request(json!({"body": "is not valid JSON: key must be a string at line 1 column 2"}))
    );
}

#[tokio::test]
async fn a_suite_seeds_its_own_hostway_account_and_user() {
    let app = TestApp::new().await;
    let reply =
        app.send(admin(Method::POST, "/hostway/accounts", Some(json!({"id": 2001, "allowOffline": true})))).await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::CREATED, r#"{"allowOffline":true,"id":"2001"}"#));
    let user = json!({"username": "suite-owner", "password": "pw", "roles": {"2001": ["sitecontrol_account_owner"]}});
    let reply = app.send(admin(Method::POST, "/hostway/users", Some(user.clone()))).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(
        json_of(&reply),
        json!({"username": "suite-owner", "salesAgent": false, "roles": {"2001": ["sitecontrol_account_owner"]}})
    );

    let list = Request::get("/accounts/2001/paymentInfo")
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, basic("suite-owner", "pw"))
        .body(Body::empty())
        .unwrap();
    let reply = app.send(list).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(json_of(&reply)["list"], json!([]));

    let reply = app.send(admin(Method::POST, "/hostway/accounts", Some(json!({"id": "2001"})))).await;
    assert_eq!(json_of(&reply), json!({"error": "Hostway account 2001 already exists.", "details": {}}));
    let reply = app.send(admin(Method::POST, "/hostway/users", Some(user))).await;
    assert_eq!(json_of(&reply), json!({"error": "Hostway user suite-owner already exists.", "details": {}}));
    let stranger = json!({"username": "x", "password": "y", "roles": {"9999": ["sitecontrol_account_owner"]}});
    let reply = app.send(admin(Method::POST, "/hostway/users", Some(stranger))).await;
    assert_eq!(json_of(&reply), bad_request(json!({"roles": "account 9999 does not exist"})));
    let reply = app
        .send(admin(
            Method::POST,
            "/hostway/users",
            Some(json!({"username": "x", "password": "y", "salesAgent": "yes", "roles": [1]})),
        ))
        .await;
    assert_eq!(
        json_of(&reply),
        bad_request(
            json!({"salesAgent": "must be true or false", "roles": "must be an object of account ids to arrays of role names"})
        )
    );
    let reply = app.send(admin(Method::POST, "/hostway/accounts", Some(json!({"allowOffline": 1})))).await;
    assert_eq!(json_of(&reply), bad_request(json!({"allowOffline": "must be true or false", "id": "is required"})));
}

#[tokio::test]
async fn the_clock_freezes_and_resumes() {
    let app = TestApp::new().await;
    let reply = app.send(admin(Method::PUT, "/clock", Some(json!({"now": "2031-01-01T00:00:00Z"})))).await;
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, r#"{"now":"2031-01-01T00:00:00.000Z","frozen":true}"#)
    );
    // The vendor example's card (12/2030) has now expired.
    assert_eq!(app.purchase(&VENDOR_EXAMPLE).await.body, not_authorized_xml("card expired at the end of 2030-12"));
    let reply = app.send(admin(Method::PUT, "/clock", Some(json!({"now": "2030-12-31T23:59:59+00:00"})))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(app.purchase(&VENDOR_EXAMPLE).await.body, success_xml());

    for now in ["next tuesday", "9999-12-31T23:59:59-23:59", "0000-01-01T00:00:00+00:00"] {
        let reply = app.send(admin(Method::PUT, "/clock", Some(json!({ "now": now })))).await;
        assert_eq!(
            json_of(&reply),
            bad_request(
                json!({"now": "must be an RFC 3339 time that can happen, with seconds 00 to 59, such as 2030-12-31T23:59:59Z"})
            )
        );
    }
    let reply = app.send(admin(Method::GET, "/clock", None)).await;
    assert_eq!(reply.body, r#"{"now":"2030-12-31T23:59:59.000Z","frozen":true}"#);

    let reply = app.send(admin(Method::DELETE, "/clock", None)).await;
    assert_eq!(json_of(&reply)["frozen"], json!(false));
    let reply = app.send(admin(Method::GET, "/clock", None)).await;
    let now = instant(json_of(&reply)["now"].as_str().unwrap());
    assert!((chrono::Utc::now() - now).num_seconds().abs() < 60, "{now} is real time again");
}

#[tokio::test]
async fn state_shows_everything_masked_and_reset_restores_the_fixtures() {
    let app = TestApp::new().await;
    app.purchase(&VENDOR_EXAMPLE).await;
    let card = json!({
        "paymentInfoType": "credit_card", "accountNumber": "4111111111111111", "cardHolderName": "J",
        "verificationNumber": "123", "expirationDate": "2030-4", "billingAddress": {"street1": "1 Main", "city": "X"}
    });
    let owner = |request: axum::http::request::Builder| {
        request.header(header::HOST, HOST).header(header::AUTHORIZATION, basic("acme-owner", "Owner-Pass-1"))
    };
    let save = owner(Request::post("/accounts/1001/paymentInfo")).header(header::CONTENT_TYPE, "application/json");
    assert_eq!(app.send(save.body(Body::from(card.to_string())).unwrap()).await.status, StatusCode::CREATED);
    let pay = owner(Request::post("/accounts/1001/paymentInfo/cc-1/payment"))
        .header(header::CONTENT_TYPE, "application/json");
    assert_eq!(app.send(pay.body(Body::from(r#"{"amount": 7}"#)).unwrap()).await.status, StatusCode::NO_CONTENT);

    let reply = app.send(admin(Method::GET, "/state", None)).await;
    let state = json_of(&reply);
    assert_eq!(state["clock"], json!({"now": "2026-11-22T12:00:00.000Z", "frozen": true}));
    assert_eq!(
        state["click2mail"],
        json!({"users": [{"username": "awesomeuser", "balance": "10.00", "purchases": [
            {"amount": "10.00", "cardBrand": "visa", "cardLastFour": "1111", "purchasedAt": "2026-11-22T12:00:00.000Z"}
        ]}]})
    );
    assert_eq!(
        state["hostway"]["accounts"][0],
        json!({
            "id": "1001", "allowOffline": false, "default": "cc-1",
            "paymentMethods": [{"id": "cc-1", "paymentInfoType": "credit_card", "accountNumber": "XXXXXXXXXXXX1111",
                "creditCardType": "visa", "expirationDate": "2030-04", "routingNumber": null}],
            "payments": [{"paymentInfo": "cc-1", "amount": "7.00", "status": "pending", "createdAt": "2026-11-22T12:00:00.000Z"}]
        })
    );
    assert_eq!(
        state["hostway"]["users"],
        json!([
            {"username": "acme-member", "salesAgent": false, "roles": {"1001": ["sitecontrol_account_member"]}},
            {"username": "acme-owner", "salesAgent": false, "roles": {"1001": ["sitecontrol_account_owner"], "1002": ["sitecontrol_account_owner"]}},
            {"username": "sales-agent", "salesAgent": true, "roles": {}}
        ])
    );
    for secret in ["4111111111111111", "Owner-Pass-1", "gReAt/PaSsWoRd123"] {
        assert!(!reply.body.contains(secret), "{secret}");
    }
    let pay = owner(Request::post("/accounts/1001/paymentInfo/cc-1/payment"))
        .header(header::CONTENT_TYPE, "application/json");
    assert_eq!(app.send(pay.body(Body::from(r#"{"amount": 8}"#)).unwrap()).await.status, StatusCode::NO_CONTENT);
    let newest = json_of(&app.send(admin(Method::GET, "/state?newest=1", None)).await);
    assert_eq!(
        newest["hostway"]["accounts"][0]["payments"],
        json!([{"paymentInfo": "cc-1", "amount": "8.00", "status": "pending", "createdAt": "2026-11-22T12:00:00.000Z"}])
    );

    app.send(admin(Method::POST, "/click2mail/users", Some(json!({"username": "extra", "password": "p"})))).await;
    let reply = app.send(admin(Method::POST, "/reset", None)).await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::NO_CONTENT, ""));
    let state = json_of(&app.send(admin(Method::GET, "/state", None)).await);
    assert_eq!(state["clock"]["frozen"], json!(false));
    assert_eq!(
        state["click2mail"],
        json!({"users": [{"username": "awesomeuser", "balance": "0.00", "purchases": []}]})
    );
    assert_eq!(state["hostway"]["accounts"][0]["paymentMethods"], json!([]));
    assert_eq!(state["hostway"]["accounts"][0]["default"], json!(null));
    // Ids start again, so a suite sees the same Location after every reset.
    let save = owner(Request::post("/accounts/1001/paymentInfo")).header(header::CONTENT_TYPE, "application/json");
    let reply = app.send(save.body(Body::from(card.to_string())).unwrap()).await;
    assert_eq!(reply.header("location"), "http://paymock.test:8080/accounts/1001/paymentInfo/cc-1");
}

#[tokio::test]
async fn the_journal_shows_what_the_client_sent_masked() {
    let app = TestApp::new().await;
    app.purchase(&VENDOR_EXAMPLE).await;
    app.purchase(&example_with("billingAmount", "5")).await;
    app.send(admin(Method::GET, "/health", None)).await;

    let reply = app.send(admin(Method::GET, "/requests?method=POST&path=/molpro/*&limit=1", None)).await;
    let requests = json_of(&reply)["requests"].clone();
    let entry = &requests[0];
    assert_eq!(requests.as_array().unwrap().len(), 1);
    assert_eq!(entry["id"], json!(2));
    assert_eq!(entry["time"], json!(NOW.replace('Z', ".000Z")));
    assert_eq!((entry["method"].as_str(), entry["path"].as_str()), (Some("POST"), Some("/molpro/credit/purchase")));
    assert_eq!((entry["user"].as_str(), entry["status"].as_u64()), (Some(USERNAME), Some(400)));
    assert_eq!(entry["query"], json!(null));
    assert!(entry["durationMs"].is_f64(), "{entry}");
    let sent: Vec<String> =
        example_with("billingAmount", "5").iter().map(|(name, value)| format!("{name}={value}")).collect();
    let sent =
        sent.join("&").replace("4111111111111111", "411111******1111").replace("billingCvv=123", "billingCvv=***");
    assert_eq!(entry["requestBody"], json!(sent));
    assert_eq!(entry["responseBody"], json!(error_xml(9, "billingAmount must be at least 10.00.", &["billingAmount"])));
    // Headers in the order sent, the credentials hidden.
    assert_eq!(
        entry["requestHeaders"],
        json!([
            ["host", "paymock.test:8080"],
            ["content-type", "application/x-www-form-urlencoded"],
            ["authorization", "Basic ***"]
        ])
    );
    assert_eq!(entry["responseHeaders"], json!([["content-type", "application/xml"], ["vary", "accept"]]));

    // The two purchases are journaled; the control plane is not.
    let count = |query: &str| {
        let app = &app;
        let query = query.to_owned();
        async move {
            json_of(&app.send(admin(Method::GET, &format!("/requests/count{query}"), None)).await)["count"].clone()
        }
    };
    assert_eq!(count("").await, json!(2));
    assert_eq!(count("?status=200").await, json!(1));
    assert_eq!(count(&format!("?user={USERNAME}&method=post")).await, json!(2));
    assert_eq!(count("?user=nobody").await, json!(0));
    assert_eq!(count("?since=2030-01-01T00:00:00Z").await, json!(0));
    assert_eq!(count("?path=/accounts/*").await, json!(0));
    let reply = app.send(admin(Method::GET, "/requests/count?status=abc&since=yesterday", None)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(&reply),
        json!({
            "error": "The query string has unknown, repeated or malformed parameters: since, status.",
            "details": {
                "since": "must be an RFC 3339 time that can happen, with seconds 00 to 59, such as 2030-12-31T23:59:59Z",
                "status": "must be an HTTP status such as 409, or 0 for requests no response was sent for"
            }
        })
    );

    let reply = app.send(admin(Method::DELETE, "/requests", None)).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(count("").await, json!(0));
    let reply = app.send(admin(Method::GET, "/requests", None)).await;
    assert_eq!(reply.body, r#"{"requests":[]}"#);
}

#[tokio::test]
async fn a_username_that_is_a_card_number_is_masked_in_the_journal() {
    let app = TestApp::new().await;
    let seeded = json!({"username": "4242424242424242", "password": "pw", "balance": "1.00"});
    assert_eq!(app.send(admin(Method::POST, "/click2mail/users", Some(seeded))).await.status, StatusCode::CREATED);
    // Whether or not it authenticates, however it is grouped, and inside a longer name.
    for (username, status) in [
        ("4242424242424242", StatusCode::OK),
        ("4111111111111111", StatusCode::UNAUTHORIZED),
        ("4111 1111 1111 1111", StatusCode::UNAUTHORIZED),
        ("card-5555555555554444", StatusCode::UNAUTHORIZED),
    ] {
        let reply = app
            .send(
                get("/molpro/credit").header(header::AUTHORIZATION, basic(username, "pw")).body(Body::empty()).unwrap(),
            )
            .await;
        assert_eq!(reply.status, status, "{username}");
    }
    let journal = app.send(admin(Method::GET, "/requests", None)).await;
    let users: Vec<Value> =
        json_of(&journal)["requests"].as_array().unwrap().iter().map(|entry| entry["user"].clone()).collect();
    assert_eq!(
        users,
        [
            json!("card-555555******4444"),
            json!("411111******1111"),
            json!("411111******1111"),
            json!("424242******4242")
        ]
    );
    // A filter may name the user as the client sent it, or as the journal shows it.
    for (user, found) in [("4242424242424242", 1), ("424242******4242", 1), ("4111111111111111", 2), ("4111", 0)] {
        let reply = app.send(admin(Method::GET, &format!("/requests/count?user={user}"), None)).await;
        assert_eq!(json_of(&reply)["count"], json!(found), "{user}");
    }
}

/// Names clients use for a CVV besides the vendors' own, as they are written in forms, query
/// strings, multipart fields and JSON.
const CVV_NAMES: [&str; 11] = [
    "cvv",
    "CVV",
    "cvc",
    "CVC2",
    "securityCode",
    "security_code",
    "card[cvc]",
    "card[CVV]",
    "cardCvv",
    "card.cvc",
    "billingcvv",
];

#[tokio::test]
async fn cvvs_under_common_names_are_masked_in_the_journal_wherever_they_are_sent() {
    let app = TestApp::new().await;
    let cvv = "7319";
    let fields: Vec<(&str, &str)> = CVV_NAMES.iter().map(|name| (*name, cvv)).collect();
    let query = serde_urlencoded::to_string(&fields).unwrap();
    let authorized =
        |builder: axum::http::request::Builder| builder.header(header::AUTHORIZATION, basic(USERNAME, PASSWORD));
    // A form body, a query string, multipart fields, and JSON (ignored by Click2Mail, read by Hostway).
    app.send(authorized(purchase_post()).body(Body::from(query.clone())).unwrap()).await;
    app.send(authorized(get(&format!("/molpro/credit?{query}"))).body(Body::empty()).unwrap()).await;
    let boundary = "b0undary";
    let mut multipart = String::new();
    for (name, value) in &fields {
        multipart
            .push_str(&format!("--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    multipart.push_str(&format!("--{boundary}--\r\n"));
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let request = authorized(Request::post("/molpro/credit/purchase").header(header::HOST, HOST));
    app.send(request.header(header::CONTENT_TYPE, content_type).body(Body::from(multipart)).unwrap()).await;
    let mut json = serde_json::Map::new();
    for name in CVV_NAMES {
        json.insert(name.to_owned(), json!(cvv));
    }
    json.insert("card".to_owned(), json!({"cvc": 7319, "Cvv2": "7319", "number": "x"}));
    let json = Value::Object(json).to_string();
    let request = authorized(Request::post("/molpro/credit/purchase").header(header::HOST, HOST));
    app.send(request.header(header::CONTENT_TYPE, "application/json").body(Body::from(json.clone())).unwrap()).await;
    let save = Request::post("/accounts/1001/paymentInfo")
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, basic("acme-owner", "Owner-Pass-1"))
        .header(header::CONTENT_TYPE, "application/json");
    app.send(save.body(Body::from(json)).unwrap()).await;

    let reply = app.send(admin(Method::GET, "/requests", None)).await;
    assert!(!reply.body.contains(cvv), "{}", reply.body);
    let requests = json_of(&reply)["requests"].as_array().unwrap().clone();
    assert_eq!(requests.len(), 5);
    let hidden: Vec<String> = CVV_NAMES.iter().map(|name| format!("{name}=***")).collect();
    let hidden = hidden.join("&");
    for (entry, field) in [(4, "requestBody"), (3, "query"), (2, "requestBody")] {
        assert_eq!(requests[entry][field], json!(hidden), "{entry} {field}");
    }
    for entry in [1, 0] {
        let sent: Value = serde_json::from_str(requests[entry]["requestBody"].as_str().unwrap()).unwrap();
        for name in CVV_NAMES {
            assert_eq!(sent[name], json!("***"), "{entry} {name}");
        }
        assert_eq!(sent["card"], json!({"cvc": "***", "Cvv2": "***", "number": "x"}), "{entry}");
    }
}

#[tokio::test]
async fn hostway_bodies_and_query_strings_are_masked_in_the_journal() {
    let app = TestApp::new().await;
    let card = json!({
        "paymentInfoType": "credit_card", "accountNumber": "378282246310005", "cardHolderName": "J",
        "verificationNumber": "1234", "expirationDate": "2030-4", "billingAddress": {"street1": "1 Main", "city": "X"}
    });
    let save = Request::post("/accounts/1001/paymentInfo")
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, basic("acme-owner", "Owner-Pass-1"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(card.to_string()))
        .unwrap();
    assert_eq!(app.send(save).await.status, StatusCode::CREATED);
    let request = purchase_post_with_query(&VENDOR_EXAMPLE).body(Body::empty()).unwrap();
    app.send(request).await;

    let reply = app.send(admin(Method::GET, "/requests", None)).await;
    for secret in ["378282246310005", "4111111111111111", "\"1234\"", "billingCvv=123"] {
        assert!(!reply.body.contains(secret), "{secret} in {}", reply.body);
    }
    let requests = json_of(&reply)["requests"].clone();
    assert!(requests[0]["query"].as_str().unwrap().contains("billingNumber=411111******1111&billingMonth=12"));
    let saved: Value = serde_json::from_str(requests[1]["requestBody"].as_str().unwrap()).unwrap();
    assert_eq!(
        (saved["accountNumber"].as_str(), saved["verificationNumber"].as_str()),
        (Some("378282*****0005"), Some("***"))
    );
    assert_eq!((requests[1]["user"].as_str(), requests[1]["status"].as_u64()), (Some("acme-owner"), Some(201)));
}

#[tokio::test]
async fn the_journal_is_bounded_and_reset_empties_it() {
    let app = TestApp::new().await.with_journal_size(5);
    for _ in 0..12 {
        app.balance().await;
    }
    let reply = app.send(admin(Method::GET, "/requests?limit=100", None)).await;
    let ids: Vec<u64> =
        json_of(&reply)["requests"].as_array().unwrap().iter().map(|entry| entry["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [12, 11, 10, 9, 8]);
    app.send(admin(Method::POST, "/reset", None)).await;
    assert_eq!(json_of(&app.send(admin(Method::GET, "/requests/count", None)).await), json!({"count": 0}));
}

#[tokio::test]
async fn escapes_and_long_queries_hide_nothing_and_grow_nothing() {
    let app = TestApp::new().await;
    let body = serde_urlencoded::to_string(VENDOR_EXAMPLE)
        .unwrap()
        .replace("billingNumber=4111111111111111", "billingNumber=%34%31%31%31111111111111")
        .replace("billingCvv=123", "billing%43vv=123");
    let request =
        purchase_post().header(header::AUTHORIZATION, basic(USERNAME, PASSWORD)).body(Body::from(body)).unwrap();
    assert_eq!(app.send(request).await.body, success_xml());
    let long_query = format!("/molpro/credit?pad={}", "x".repeat(60_000));
    app.send(get(&long_query).header(header::AUTHORIZATION, basic(USERNAME, PASSWORD)).body(Body::empty()).unwrap())
        .await;

    let reply = app.send(admin(Method::GET, "/requests", None)).await;
    for secret in ["4111111111111111", "%34%31%31%31", "billing%43vv=123", "billingCvv=123"] {
        assert!(!reply.body.contains(secret), "{secret}");
    }
    let requests = json_of(&reply)["requests"].clone();
    assert!(requests[1]["requestBody"].as_str().unwrap().contains("billingNumber=411111******1111&billingMonth=12"));
    assert!(requests[1]["requestBody"].as_str().unwrap().contains("billingCvv=***"));
    let query = requests[0]["query"].as_str().unwrap();
    assert!(query.len() < 2100 && query.ends_with("…(60004 bytes)"), "{} bytes", query.len());
}

#[tokio::test]
async fn journal_queries_refuse_unknown_and_repeated_parameters() {
    let app = TestApp::new().await;
    for (query, details) in [
        (
            "/requests?usr=awesomeuser",
            json!({"usr": "is not a parameter of this route; use method, path, user, status, since, after, outcome, namespace, limit or view"}),
        ),
        (
            "/requests/count?limit=5",
            json!({"limit": "is not a parameter of this route; use method, path, user, status, since, after, outcome or namespace"}),
        ),
        ("/requests?status=200&status=401", json!({"status": "is given more than once"})),
        (
            "/requests?status=200&status=200&Path=/x",
            json!({"Path": "is not a parameter of this route; use method, path, user, status, since, after, outcome, namespace, limit or view",
                   "status": "is given more than once"}),
        ),
    ] {
        let reply = app.send(admin(Method::GET, query, None)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}");
        let names: Vec<&str> = details.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            json_of(&reply),
            json!({
                "error": format!("The query string has unknown, repeated or malformed parameters: {}.", names.join(", ")),
                "details": details
            }),
            "{query}"
        );
    }
    let reply = app.send(admin(Method::GET, "/requests?limit=1&user=nobody", None)).await;
    assert_eq!((reply.status, json_of(&reply)), (StatusCode::OK, json!({"requests": []})));
}

#[tokio::test]
async fn state_can_be_narrowed_to_a_user_an_account_and_a_page_of_history() {
    let app = TestApp::new().await;
    for (amount, at) in
        [("10.00", "2026-11-22T12:00:00Z"), ("11.00", "2026-11-23T12:00:00Z"), ("12.00", "2026-11-24T12:00:00Z")]
    {
        app.freeze_clock(at);
        assert_eq!(app.purchase(&example_with("billingAmount", amount)).await.status, StatusCode::OK);
    }
    let state = |query: &'static str| {
        let app = &app;
        async move { json_of(&app.send(admin(Method::GET, &format!("/state{query}"), None)).await) }
    };
    let amounts = |user: &Value| -> Vec<String> {
        user["purchases"].as_array().unwrap().iter().map(|p| p["amount"].as_str().unwrap().to_owned()).collect()
    };

    let narrowed = state("?user=awesomeuser&account=1002").await;
    assert_eq!(narrowed["click2mail"]["users"].as_array().unwrap().len(), 1);
    assert_eq!(
        narrowed["hostway"]["accounts"],
        json!([{"id": "1002", "allowOffline": true, "default": null,
                                                        "paymentMethods": [], "payments": []}])
    );
    assert_eq!(narrowed["hostway"]["users"], json!([]));
    let owner = state("?user=acme-owner").await;
    assert_eq!(owner["click2mail"]["users"], json!([]));
    assert_eq!(owner["hostway"]["users"].as_array().unwrap().len(), 1);

    let since = state("?since=2026-11-23T00:00:00Z").await;
    assert_eq!(amounts(&since["click2mail"]["users"][0]), ["11.00", "12.00"]);
    // The balance is the whole balance, whatever part of the history is shown.
    assert_eq!(since["click2mail"]["users"][0]["balance"], "33.00");

    let first = state("?limit=2").await;
    let user = &first["click2mail"]["users"][0];
    assert_eq!(
        (amounts(user), &user["nextSince"]),
        (vec!["10.00".to_owned(), "11.00".to_owned()], &json!("2026-11-24T12:00:00.000Z"))
    );
    let next = state("?limit=2&since=2026-11-24T12:00:00.000Z").await;
    assert_eq!(amounts(&next["click2mail"]["users"][0]), ["12.00"]);
    assert_eq!(next["click2mail"]["users"][0].get("nextSince"), None);

    // The newest, listed oldest first, as the dashboard shows them; with since, of those since.
    let newest = state("?newest=2").await;
    assert_eq!(amounts(&newest["click2mail"]["users"][0]), ["11.00", "12.00"]);
    assert_eq!(newest["click2mail"]["users"][0].get("nextSince"), None);
    assert_eq!(amounts(&state("?newest=5").await["click2mail"]["users"][0]), ["10.00", "11.00", "12.00"]);
    assert_eq!(amounts(&state("?newest=1&since=2026-11-23T00:00:00Z").await["click2mail"]["users"][0]), ["12.00"]);
    let reply = app.send(admin(Method::GET, "/state?newest=2&limit=2", None)).await;
    assert_eq!(
        (reply.status, json_of(&reply)),
        (
            StatusCode::BAD_REQUEST,
            json!({
                "error": "The query string has unknown, repeated or malformed parameters: newest.",
                "details": {"newest": "cannot be given with limit: limit pages from the oldest, newest keeps the newest"}
            })
        )
    );

    let reply = app.send(admin(Method::GET, "/state?usr=x&limit=0&since=soon&user=a&user=b", None)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        json_of(&reply),
        json!({
            "error": "The query string has unknown, repeated or malformed parameters: limit, since, user, usr.",
            "details": {
                "limit": "must be a whole number from 1 to 10000",
                "since": "must be an RFC 3339 time that can happen, with seconds 00 to 59, such as 2030-12-31T23:59:59Z",
                "user": "is given more than once",
                "usr": "is not a parameter of this route; use user, account, since, limit or newest"
            }
        })
    );
}

#[tokio::test]
async fn a_path_that_is_not_text_is_refused_in_the_control_planes_envelope() {
    let app = TestApp::new().await;
    for (method, path) in [(Method::PUT, "/click2mail/users/%FF/balance"), (Method::DELETE, "/faults/%FF")] {
        let reply = app.send(admin(method, path, Some(json!({"balance": "1.00"})))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(
            json_of(&reply),
            json!({"error": "The path must be UTF-8 text once percent-decoded.", "details": {}}),
            "{path}"
        );
    }
}

#[tokio::test]
async fn state_pages_never_split_a_millisecond_so_a_frozen_clock_cannot_trap_a_pager() {
    let app = TestApp::new().await;
    for amount in ["10.00", "11.00", "12.00"] {
        assert_eq!(app.purchase(&example_with("billingAmount", amount)).await.status, StatusCode::OK);
    }
    let reply = json_of(&app.send(admin(Method::GET, "/state?user=awesomeuser&limit=2", None)).await);
    let user = &reply["click2mail"]["users"][0];
    assert_eq!(user["purchases"].as_array().unwrap().len(), 3, "{user}");
    assert_eq!(user.get("nextSince"), None);
}

#[tokio::test]
async fn after_reads_what_was_journaled_since_an_entry() {
    let app = TestApp::new().await;
    for _ in 0..3 {
        app.balance().await;
    }
    let ids = |query: &'static str| {
        let app = &app;
        async move {
            let reply = app.send(admin(Method::GET, query, None)).await;
            let requests = json_of(&reply)["requests"].clone();
            requests.as_array().unwrap().iter().map(|entry| entry["id"].as_u64().unwrap()).collect::<Vec<_>>()
        }
    };
    assert_eq!(ids("/requests?after=1").await, [3, 2]);
    assert_eq!(ids("/requests?after=3").await, Vec::<u64>::new());
    let reply = app.send(admin(Method::GET, "/requests?after=-1", None)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
}

#[tokio::test]
async fn a_summary_leaves_out_headers_and_bodies_and_one_entry_reads_in_full() {
    let app = TestApp::new().await;
    app.purchase(&example_with("billingAmount", "5")).await;

    let reply = app.send(admin(Method::GET, "/requests?view=summary", None)).await;
    let entry = json_of(&reply)["requests"][0].clone();
    let duration = entry["durationMs"].clone();
    assert!(duration.is_f64(), "{entry}");
    assert_eq!(
        entry,
        json!({
            "id": 1,
            "namespace": "default",
            "time": NOW.replace('Z', ".000Z"),
            "method": "POST",
            "path": "/molpro/credit/purchase",
            "query": null,
            "user": USERNAME,
            "status": 400,
            "dropped": null,
            "outcome": "invalid",
            "reason": "400: billingAmount must be at least 10.00: billingAmount",
            "durationMs": duration
        })
    );

    // The entry in full is the one the list shows.
    let full = json_of(&app.send(admin(Method::GET, "/requests", None)).await)["requests"][0].clone();
    let reply = app.send(admin(Method::GET, "/requests/1", None)).await;
    assert_eq!((reply.status, json_of(&reply)), (StatusCode::OK, full.clone()));
    assert_eq!(full["requestBody"].as_str().map(|body| body.contains("411111******1111")), Some(true));

    for id in ["2", "abc"] {
        let reply = app.send(admin(Method::GET, &format!("/requests/{id}"), None)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{id}");
        assert_eq!(
            json_of(&reply),
            json!({"error": format!("There is no journal entry {id} in this namespace."), "details": {}})
        );
    }
    // Another namespace's entry is not this one's.
    let reply = app.send(admin(Method::GET, "/ns/other/requests/1", None)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    let reply = app.send(admin(Method::GET, "/requests?view=brief", None)).await;
    assert_eq!(
        (reply.status, json_of(&reply)),
        (
            StatusCode::BAD_REQUEST,
            json!({
                "error": "The query string has unknown, repeated or malformed parameters: view.",
                "details": {"view": "must be full (each entry with its headers and bodies) or summary (without them)"}
            })
        )
    );
}
