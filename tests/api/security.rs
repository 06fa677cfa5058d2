//! What paymock guarantees about credentials, isolation and card data (SECURITY.md): failed
//! logins say nothing about which users exist, nobody reaches an account they have no role
//! on or another user's balance, the admin token guards the whole control plane but health,
//! and no full card number or CVV is ever written to the database, the journal or the logs.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::binary::Server;
use crate::helpers::*;
use crate::hostway::{AGENT, MEMBER, OWNER, card, card_with, envelope, request};

/// Every `(method, path template)` the OpenAPI document lists under `prefix`. The routing
/// tests check that the document lists exactly the routes the server has.
async fn documented_routes(app: &TestApp, prefix: &str) -> Vec<(Method, String)> {
    let token = app.state.admin_token.as_deref().map(|token| format!("Bearer {token}"));
    let mut request = get("/__admin/openapi.json");
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, token);
    }
    let document: Value = serde_json::from_str(&app.send(request.body(Body::empty()).unwrap()).await.body).unwrap();
    let mut routes = Vec::new();
    for (path, operations) in document["paths"].as_object().unwrap() {
        if !path.starts_with(prefix) {
            continue;
        }
        for method in ["get", "post", "put", "delete", "patch"] {
            if operations.get(method).is_some() {
                routes.push((method.to_uppercase().parse().unwrap(), path.clone()));
            }
        }
    }
    assert!(routes.len() >= 8, "{prefix}: {routes:?}");
    routes
}

#[tokio::test]
async fn unknown_users_and_wrong_passwords_get_byte_identical_replies() {
    let app = TestApp::new().await;
    for (path, known) in [("/molpro/credit", USERNAME), ("/accounts/1001/paymentInfo", OWNER.0)] {
        let mut replies = Vec::new();
        for username in [known, "no-such-user"] {
            let request = get(path).header(header::AUTHORIZATION, basic(username, "not-the-password"));
            let reply = app.send(request.body(Body::empty()).unwrap()).await;
            assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
            let mut headers: Vec<(String, String)> = reply
                .headers
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_owned()))
                .collect();
            headers.sort();
            replies.push((headers, reply.body));
        }
        assert_eq!(replies[0], replies[1], "{path}");
    }
}

#[tokio::test]
async fn a_user_with_no_role_on_an_account_gets_403_on_every_route_of_it() {
    let app = TestApp::new().await;
    let saved = app.send(request(Method::POST, "/accounts/1002/paymentInfo", Some(OWNER), Some(&card()))).await;
    assert_eq!(saved.status, StatusCode::CREATED);
    let id = saved.header("location").rsplit('/').next().unwrap().to_owned();
    let before = app.send(request(Method::GET, "/accounts/1002/paymentInfo", Some(OWNER), None)).await.body;

    let routes = documented_routes(&app, "/accounts/").await;
    for (method, template) in &routes {
        let path = template.replace("{accountId}", "1002").replace("{paymentInfoId}", &id);
        let body = match (method.as_str(), template.rsplit('/').next().unwrap()) {
            ("POST", "paymentInfo") => {
                Some(card_with(json!({"accountNumber": "5555555555554444", "creditCardType": "mastercard"})))
            }
            ("PUT", "default") => Some(json!({ "paymentInfo": format!("/accounts/1002/paymentInfo/{id}") })),
            ("POST", "payment") => Some(json!({"amount": "5.00"})),
            _ => None,
        };
        for path in [path.clone(), format!("{path}/")] {
            if path.ends_with("/payment/") || path.ends_with(&format!("{id}/")) {
                continue; // Only the list and the default have a trailing-slash form.
            }
            let reply = app.send(request(method.clone(), &path, Some(MEMBER), body.as_ref())).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {path}: {}", reply.body);
            let refusal = envelope(&reply);
            assert_eq!(refusal["forbidden"]["code"], 403, "{method} {path}");
        }
    }
    // Nor through an account the user does have a role on.
    for method in [Method::GET, Method::DELETE] {
        let path = format!("/accounts/1001/paymentInfo/{id}");
        let reply = app.send(request(method.clone(), &path, Some(OWNER), None)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    let path = format!("/accounts/1001/paymentInfo/{id}/payment");
    let reply = app.send(request(Method::POST, &path, Some(OWNER), Some(&json!({"amount": "5.00"})))).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);

    assert_eq!(app.send(request(Method::GET, "/accounts/1002/paymentInfo", Some(OWNER), None)).await.body, before);
    assert!(app.state.store.namespace("default").payments("1002").await.unwrap().is_empty());
    // The agent, with no role at all, may read it: agents serve every account.
    let reply = app.send(request(Method::GET, "/accounts/1002/paymentInfo", Some(AGENT), None)).await;
    assert_eq!(reply.body, before);
}

#[tokio::test]
async fn a_click2mail_user_sees_only_their_own_balance() {
    let app = TestApp::new().await;
    let seeded = json!({"username": "second-user", "password": "Second-Pass-1", "balance": "25.00"});
    let request = Request::post("/__admin/click2mail/users")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(seeded.to_string()))
        .unwrap();
    assert_eq!(app.send(request).await.status, StatusCode::CREATED);
    assert_eq!(app.purchase(&VENDOR_EXAMPLE).await.body, success_xml());

    // Whatever names the query string or a form adds, the credentials decide whose balance.
    for path in ["/molpro/credit", "/molpro/credit?username=awesomeuser", "/molpro/credit?user=awesomeuser"] {
        let request = get(path).header(header::AUTHORIZATION, basic("second-user", "Second-Pass-1"));
        let reply = app.send(request.body(Body::empty()).unwrap()).await;
        assert_eq!(reply.body, balance_xml("25.00"), "{path}");
        assert!(!reply.body.contains("awesomeuser"));
    }
    assert_eq!(app.balance().await, "10.00");
    let request = get("/molpro/credit").header(header::AUTHORIZATION, basic("second-user", PASSWORD));
    assert_eq!(app.send(request.body(Body::empty()).unwrap()).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_admin_token_guards_every_documented_admin_route_but_health() {
    let app = TestApp::new().await.with_admin_token("s3cret");
    let routes = documented_routes(&app, "/__admin/").await;
    for (method, template) in &routes {
        let path = template.replace("{username}", USERNAME).replace("{id}", "1");
        let request = |authorization: Option<&str>| {
            let mut builder = Request::builder().method(method.clone()).uri(path.as_str()).header(header::HOST, HOST);
            if let Some(value) = authorization {
                builder = builder.header(header::AUTHORIZATION, value);
            }
            builder.header(header::CONTENT_TYPE, "application/json").body(Body::from("{}")).unwrap()
        };
        // Only the status: the stream of events has a body that never ends.
        let (without, _) = app.head_of(request(None)).await;
        let (with, _) = app.head_of(request(Some("Bearer s3cret"))).await;
        if template == "/__admin/health" {
            assert_eq!((without, with), (StatusCode::OK, StatusCode::OK));
        } else {
            assert_eq!(without, StatusCode::UNAUTHORIZED, "{method} {path}");
            assert_ne!(with, StatusCode::UNAUTHORIZED, "{method} {path}");
        }
    }
}

/// The card numbers a session below sends, test cards or not, approved or declined.
const CARD_NUMBERS: [&str; 6] = [
    "4111111111111111",
    "5555555555554444",
    "378282246310005",
    "6011111111111117",
    "4000000000000002",
    "371449635398431",
];
/// Four-digit CVVs (American Express), which no timestamp, port or amount in the session can
/// spell; three-digit ones could not be told apart from the milliseconds of a timestamp.
const CVVS: [&str; 2] = ["7319", "8462"];

/// The maximal runs of ASCII digits in `bytes`.
fn digit_runs(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes.split(|byte| !byte.is_ascii_digit()).filter(|run| !run.is_empty())
}

/// Fails if `what` holds a card number or CVV of the session as a run of digits of its own.
fn assert_no_card_data(what: &str, bytes: &[u8]) {
    for run in digit_runs(bytes) {
        for secret in CARD_NUMBERS.iter().chain(&CVVS) {
            assert!(run != secret.as_bytes(), "{what} holds {secret}");
        }
    }
}

#[tokio::test]
async fn no_card_number_or_cvv_reaches_the_database_the_journal_or_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("paymock.db");
    let mut server = Server::start_logging(&database, "debug");
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", server.base_url);

    let mut purchases = 0;
    for number in CARD_NUMBERS {
        let (brand, code, cvvs) = match number.as_bytes()[0] {
            b'3' => ("amex", "AX", CVVS),
            b'5' => ("mastercard", "MC", ["123", "456"]),
            b'6' => ("discover", "DI", ["123", "456"]),
            _ => ("visa", "VI", ["123", "456"]),
        };
        let form: Vec<(&str, &str)> = VENDOR_EXAMPLE
            .iter()
            .map(|&(name, value)| match name {
                "billingNumber" => (name, number),
                "billingCvv" => (name, cvvs[0]),
                "billingCcType" => (name, code),
                _ => (name, value),
            })
            .collect();
        // In the body, and once in the query string, where a careless client might put it.
        let reply = http.post(url("/molpro/credit/purchase")).basic_auth(USERNAME, Some(PASSWORD)).form(&form);
        assert_eq!(reply.send().await.unwrap().status(), 200);
        let query = serde_urlencoded::to_string(&form).unwrap();
        let reply = http.post(url(&format!("/molpro/credit/purchase?{query}"))).basic_auth(USERNAME, Some(PASSWORD));
        assert_eq!(reply.send().await.unwrap().status(), 200);
        purchases += 2;
        let saved = card_with(json!({"accountNumber": number, "verificationNumber": cvvs[1], "creditCardType": brand}));
        let reply = http
            .post(url("/accounts/1001/paymentInfo"))
            .basic_auth(OWNER.0, Some(OWNER.1))
            .header("content-type", "application/json")
            .body(saved.to_string())
            .send()
            .await
            .unwrap();
        let saves_expected = if ["4000000000000002", "371449635398431"].contains(&number) { 409 } else { 201 };
        assert_eq!(reply.status(), saves_expected, "{number}");
        // And in a path, where no route takes one.
        let reply = http.get(url(&format!("/accounts/1001/paymentInfo/{number}"))).basic_auth(OWNER.0, Some(OWNER.1));
        assert_eq!(reply.send().await.unwrap().status(), 404);
    }
    let methods = http.get(url("/accounts/1001/paymentInfo")).basic_auth(OWNER.0, Some(OWNER.1)).send().await.unwrap();
    let methods: Value = serde_json::from_str(&methods.text().await.unwrap()).unwrap();
    for method in methods["list"].as_array().unwrap() {
        let link = method["links"][0]["href"].as_str().unwrap();
        let reply = http.post(format!("{link}/payment")).basic_auth(OWNER.0, Some(OWNER.1));
        let reply = reply.header("content-type", "application/json").body(r#"{"amount": "12.34"}"#).send().await;
        assert_eq!(reply.unwrap().status(), 204);
    }

    let echoes = send_what_the_server_echoes(&http, &server.base_url).await;

    let journal = http.get(url("/__admin/requests")).send().await.unwrap().text().await.unwrap();
    let journaled: Value = serde_json::from_str(&journal).unwrap();
    assert!(journaled["requests"].as_array().unwrap().len() > purchases, "the journal kept the session");
    assert!(journal.contains("billingCvv=***"), "bodies are there, masked");
    assert_no_card_data("the journal", journal.as_bytes());
    let state = http.get(url("/__admin/state")).send().await.unwrap().text().await.unwrap();
    assert_no_card_data("/__admin/state", state.as_bytes());
    let mut files_read = 0;
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(bytes) = std::fs::read(format!("{}{suffix}", database.display())) {
            assert_no_card_data(&format!("paymock.db{suffix} while serving"), &bytes);
            files_read += 1;
        }
    }
    assert!(files_read >= 2, "the database and its write-ahead log");

    assert!(server.stop().success());
    let logs = server.log_seen.join("\n");
    assert!(logs.contains("/molpro/credit/purchase"), "the logs cover the session at debug level");
    assert!(logs.contains("postal code 411111******1111 is not well formed"), "the logs hold the decline reasons");
    assert_no_card_data("the logs", logs.as_bytes());
    let bytes = std::fs::read(&database).unwrap();
    assert_no_card_data("paymock.db after the stop", &bytes);
    eprintln!(
        "{purchases} purchases, {} saved methods, {echoes} echoing replies: {} log lines, {} KiB of database and \
         {} KiB of journal scanned",
        methods["list"].as_array().unwrap().len(),
        server.log_seen.len(),
        bytes.len() / 1024,
        journal.len() / 1024
    );
}

/// Sends a card number in every field whose value the server names back in a reason,
/// message or hint: a decline reason, a 400 hint, a 404 naming a path or id, a 405 naming a
/// method, a control-plane message, a fault header. Each reply must show it masked, or not
/// at all; the caller then scans the journal and the logs. Returns how many were sent.
async fn send_what_the_server_echoes(http: &reqwest::Client, base_url: &str) -> usize {
    const NUMBER: &str = "4111111111111111";
    let url = |path: &str| format!("{base_url}{path}");
    let custom_method = reqwest::Method::from_bytes(NUMBER.as_bytes()).unwrap();
    let form = |zip: &'static str| serde_urlencoded::to_string(example_with("billingZip", zip)).unwrap();
    let postal_code = card_with(json!({"billingAddress": {"street1": "1 Main St", "city": "Chicago",
        "postalCode": NUMBER, "countryCode": "US"}}));
    let multipart = format!("--b\r\ncontent-disposition: form-data; name=\"{NUMBER}\"\r\n\r\nthe body stops here");
    let c2m = |builder: reqwest::RequestBuilder| builder.basic_auth(USERNAME, Some(PASSWORD));
    let hw = |builder: reqwest::RequestBuilder| builder.basic_auth(OWNER.0, Some(OWNER.1));
    let purchase = || c2m(http.post(url("/molpro/credit/purchase")));
    let cases: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
        (
            "billingZip, named by the AVS decline",
            purchase().header("content-type", "application/x-www-form-urlencoded").body(form(NUMBER)),
            200,
        ),
        ("a Click2Mail path", c2m(http.get(url(&format!("/molpro/{NUMBER}")))), 404),
        ("a Click2Mail method", c2m(http.request(custom_method.clone(), url("/molpro/credit"))), 405),
        (
            "a form's charset",
            purchase()
                .header("content-type", format!("application/x-www-form-urlencoded; charset={NUMBER}"))
                .body(form("34567")),
            400,
        ),
        ("an ignored body's media type", purchase().header("content-type", format!("text/x{NUMBER}")).body("x"), 400),
        (
            "a multipart field name",
            purchase().header("content-type", "multipart/form-data; boundary=b").body(multipart),
            400,
        ),
        ("an account id", hw(http.get(url(&format!("/accounts/{NUMBER}/paymentInfo")))), 404),
        ("a payment info id", hw(http.get(url(&format!("/accounts/1001/paymentInfo/{NUMBER}")))), 404),
        ("a Hostway path", hw(http.get(url(&format!("/accounts/{NUMBER}")))), 404),
        ("a Hostway method", hw(http.request(custom_method.clone(), url("/accounts/1001/paymentInfo"))), 405),
        (
            "a Hostway media type",
            hw(http.post(url("/accounts/1001/paymentInfo")))
                .header("content-type", format!("text/x{NUMBER}"))
                .body("{}"),
            415,
        ),
        (
            "postalCode, named by the AVS decline",
            hw(http.post(url("/accounts/1001/paymentInfo")))
                .header("content-type", "application/json")
                .body(postal_code.to_string()),
            409,
        ),
        (
            "a default link",
            hw(http.put(url("/accounts/1001/paymentInfo/default")))
                .header("content-type", "application/json")
                .body(json!({ "paymentInfo": format!("/accounts/{NUMBER}/paymentInfo/cc-1") }).to_string()),
            400,
        ),
        ("a path no API has", http.get(url(&format!("/{NUMBER}"))), 404),
        ("a username", http.get(url("/molpro/credit")).basic_auth(NUMBER, Some("pw")), 401),
        (
            "a Click2Mail user to top up",
            http.put(url(&format!("/__admin/click2mail/users/{NUMBER}/balance"))).body(r#"{"balance": "1.00"}"#),
            404,
        ),
        ("a journal query parameter", http.get(url(&format!("/__admin/requests?{NUMBER}=1"))), 400),
        ("a fault id", http.delete(url(&format!("/__admin/faults/{NUMBER}"))), 404),
        (
            "an account a role names",
            http.post(url("/__admin/hostway/users"))
                .body(json!({"username": "echo", "password": "pw", "roles": {NUMBER: ["owner"]}}).to_string()),
            400,
        ),
        ("an admin method", http.request(custom_method, url("/__admin/faults")), 405),
        ("a delay header", c2m(http.get(url("/molpro/credit"))).header("x-paymock-delay", NUMBER), 400),
        ("a fault header", hw(http.get(url("/accounts/1001/paymentInfo"))).header("x-paymock-fault", NUMBER), 400),
    ];
    let sent = cases.len();
    for (what, request, status) in cases {
        let reply = request.send().await.unwrap();
        assert_eq!(reply.status(), status, "{what}");
        let body = reply.text().await.unwrap();
        assert_no_card_data(&format!("the reply about {what}"), body.as_bytes());
        let names_it = !["a default link", "a username", "a delay header", "a fault header"].contains(&what);
        assert_eq!(body.contains("411111******1111"), names_it, "{what}: {body}");
    }
    sent
}

/// Every password of the built-in fixtures, with its user and the path that user reads.
fn fixture_logins() -> Vec<(String, String, &'static str)> {
    let fixtures = paymock::sandbox::fixtures::Fixtures::builtin().unwrap();
    let click2mail = fixtures.click2mail.users.iter().map(|user| (user, "/molpro/credit"));
    let mut logins: Vec<_> =
        click2mail.map(|(user, path)| (user.username.clone(), user.password.clone(), path)).collect();
    for user in &fixtures.hostway.users {
        logins.push((user.username.clone(), user.password.clone(), "/accounts/1001/paymentInfo"));
    }
    logins
}

/// Fails if the database file or its write-ahead log holds any of `passwords`.
#[track_caller]
fn assert_no_password_in_the_files(database: &std::path::Path, passwords: &[String], when: &str) {
    for suffix in ["", "-wal"] {
        let Ok(bytes) = std::fs::read(format!("{}{suffix}", database.display())) else { continue };
        for password in passwords {
            let found = bytes.windows(password.len()).any(|window| window == password.as_bytes());
            assert!(!found, "paymock.db{suffix} {when} holds the password {password}");
        }
    }
}

/// Logs in as each user on the path that user may read; each must get a 200.
async fn log_in_as_each(http: &reqwest::Client, base_url: &str, logins: &[(String, String, &str)]) {
    for (username, password, path) in logins {
        let reply = http.get(format!("{base_url}{path}")).basic_auth(username, Some(password)).send().await.unwrap();
        assert_eq!(reply.status(), 200, "{username} on {path}");
    }
}

#[tokio::test]
async fn no_password_reaches_the_database_or_the_state_in_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("paymock.db");
    let http = reqwest::Client::new();
    let mut logins = fixture_logins();
    let mut server = Server::start(&database);
    let url = |path: &str| format!("{}{path}", server.base_url);
    let seeded = [
        ("/__admin/click2mail/users", json!({"username": "seeded-c2m", "password": "Seeded-C2M-Pass-7"})),
        (
            "/__admin/hostway/users",
            json!({"username": "seeded-hw", "password": "Seeded-HW-Pass-8", "roles": {"1001": ["member"]}}),
        ),
    ];
    for (path, user) in &seeded {
        let reply = http.post(url(path)).body(user.to_string()).send().await.unwrap();
        assert_eq!(reply.status(), 201, "{path}");
    }
    logins.push(("seeded-c2m".into(), "Seeded-C2M-Pass-7".into(), "/molpro/credit"));
    logins.push(("seeded-hw".into(), "Seeded-HW-Pass-8".into(), "/accounts/1001/paymentInfo"));
    let passwords: Vec<String> = logins.iter().map(|(_, password, _)| password.clone()).collect();

    log_in_as_each(&http, &server.base_url, &logins).await;
    assert!(std::path::Path::new(&format!("{}-wal", database.display())).exists(), "a write-ahead log to scan");
    assert_no_password_in_the_files(&database, &passwords, "while serving");
    let state = http.get(url("/__admin/state")).send().await.unwrap().text().await.unwrap();
    for password in &passwords {
        assert!(!state.contains(password.as_str()), "/__admin/state holds {password}");
    }
    assert!(server.stop().success());
    assert_no_password_in_the_files(&database, &passwords, "after the stop");

    // Loaded again over the same database, the fixtures' passwords are hashed again, and every
    // user still logs in.
    let mut server = Server::start_with(&database, "info", &["--load-fixtures", "always"]);
    assert!(server.log_seen.iter().any(|line| line.contains("fixtures applied over it")));
    log_in_as_each(&http, &server.base_url, &logins).await;
    assert_no_password_in_the_files(&database, &passwords, "after the fixtures were loaded again");
    assert!(server.stop().success());
    assert_no_password_in_the_files(&database, &passwords, "after the second stop");
}

/// A database made before passwords were hashed: the schema of the first four migrations,
/// with a user of each vendor and their passwords in plain text, and a balance.
async fn a_database_with_plain_text_passwords(database: &std::path::Path) {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

    let options =
        SqliteConnectOptions::new().filename(database).create_if_missing(true).journal_mode(SqliteJournalMode::Wal);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
    let mut before_hashing = sqlx::migrate!();
    before_hashing.migrations =
        before_hashing.migrations.iter().filter(|migration| migration.version <= 4).cloned().collect::<Vec<_>>().into();
    before_hashing.run(&pool).await.unwrap();
    let at = "2026-11-01T00:00:00.000Z";
    for statement in [
        "INSERT INTO paymock_meta (key, value) VALUES ('fixtures_loaded_at', ?1)",
        "INSERT INTO click2mail_users (username, password, balance_cents, created_at) \
         VALUES ('awesomeuser', 'Old-Plain-Pass-3', 2500, ?1)",
        "INSERT INTO hostway_accounts (id, allow_offline, created_at) VALUES ('1001', 0, ?1)",
        "INSERT INTO hostway_users (username, password, is_sales_agent, created_at) \
         VALUES ('acme-owner', 'Old-Plain-Pass-4', 0, ?1)",
        "INSERT INTO hostway_user_roles (username, account_id, role) \
         VALUES ('acme-owner', '1001', 'sitecontrol_account_owner')",
    ] {
        sqlx::query(statement).bind(at).execute(&pool).await.unwrap();
    }
    pool.close().await;
}

#[tokio::test]
async fn a_database_with_plain_text_passwords_has_them_hashed_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("paymock.db");
    a_database_with_plain_text_passwords(&database).await;
    let passwords = ["Old-Plain-Pass-3".to_owned(), "Old-Plain-Pass-4".to_owned()];
    let before = std::fs::read(&database).unwrap();
    assert!(before.windows(16).any(|window| window == b"Old-Plain-Pass-3"), "the old file holds the password");

    let http = reqwest::Client::new();
    let mut server = Server::start(&database);
    assert!(server.log_seen.iter().any(|line| line.contains("existing database: state kept")));
    assert!(server.log_seen.iter().any(|line| line.contains("are now hashed")), "{:?}", server.log_seen);
    let logins = [
        ("awesomeuser".to_owned(), passwords[0].clone(), "/molpro/credit"),
        ("acme-owner".to_owned(), passwords[1].clone(), "/accounts/1001/paymentInfo"),
    ];
    log_in_as_each(&http, &server.base_url, &logins).await;
    let balance = http.get(format!("{}/molpro/credit", server.base_url)).basic_auth("awesomeuser", Some(&passwords[0]));
    assert!(balance.send().await.unwrap().text().await.unwrap().contains("<balance>25.00</balance>"));
    let wrong =
        http.get(format!("{}/molpro/credit", server.base_url)).basic_auth("awesomeuser", Some("gReAt/PaSsWoRd123"));
    assert_eq!(wrong.send().await.unwrap().status(), 401, "the old password, not the fixture's, is the one kept");
    assert_no_password_in_the_files(&database, &passwords, "once opened");
    assert!(server.stop().success());
    assert_no_password_in_the_files(&database, &passwords, "after the stop");

    // Opened again, there is nothing left to hash.
    let mut server = Server::start(&database);
    assert!(!server.log_seen.iter().any(|line| line.contains("are now hashed")));
    log_in_as_each(&http, &server.base_url, &logins).await;
    assert!(server.stop().success());
}
