//! The first minutes with the real binary: errors at start-up that say what is wrong and
//! where, fixtures that are never silently ignored, the start-up block, the address file the
//! health check follows, and the access log switch.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use crate::binary::{Server, assert_config_error, paymock};
use crate::helpers::{PASSWORD, USERNAME};

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").map(|meta| meta.uid() == 0).unwrap_or(false)
}

/// `paymock` as an unprivileged user: root would be let through any permission.
fn paymock_unprivileged() -> Command {
    let mut command = paymock();
    if running_as_root() {
        command.uid(65534).gid(65534);
    }
    command
}

#[test]
fn a_bad_value_from_the_environment_names_the_variable() {
    let mut command = paymock();
    command.env("PAYMOCK_LISTEN", "nowhere");
    assert_config_error(
        command,
        "error: invalid value 'nowhere' for environment variable PAYMOCK_LISTEN (--listen): must be IP:PORT, \
         localhost:PORT or a bare PORT, such as 0.0.0.0:8080, localhost:8080 or 8080\n",
    );

    let mut command = paymock();
    command.env("PAYMOCK_LOG_FORMAT", "xml");
    let stderr = assert_config_error(
        command,
        "error: invalid value 'xml' for environment variable PAYMOCK_LOG_FORMAT (--log-format)\n",
    );
    assert!(stderr.contains("[possible values: text, json]"), "{stderr}");

    // The same value on the command line names the flag, even with the variable set too.
    let mut command = paymock();
    command.env("PAYMOCK_LISTEN", "127.0.0.1:0").args(["--listen", "nowhere"]);
    assert_config_error(command, "error: invalid value 'nowhere' for '--listen <ADDR>'");
}

#[test]
fn typos_get_a_suggestion_and_enumerations_their_choices() {
    let mut command = paymock();
    command.args(["--listn", "9000"]);
    let stderr = assert_config_error(command, "error: unexpected argument '--listn' found\n");
    assert!(stderr.contains("tip: a similar argument exists: '--listen'"), "{stderr}");
    assert!(stderr.ends_with("For more information, try '--help'.\n"), "{stderr}");

    let mut command = paymock();
    command.args(["--load-fixtures", "sometimes"]);
    let stderr = assert_config_error(command, "error: invalid value 'sometimes' for '--load-fixtures <WHEN>'\n");
    assert!(stderr.contains("[possible values: if-new, always]"), "{stderr}");
}

#[test]
fn a_port_in_use_is_named_before_any_database_is_made() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("paymock.db");
    let mut command = paymock();
    command.args(["--listen", &address.to_string(), "--database"]).arg(&database);
    assert_config_error(
        command,
        &format!(
            "error: --listen: {address} is already in use by another program (another paymock?); stop it, or \
             choose another port\n"
        ),
    );
    assert!(!database.exists(), "no database is made when the port is taken");
}

#[test]
fn a_database_that_cannot_be_opened_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let run = |mut command: Command, database: &Path, reason: &str| {
        command.args(["--listen", "127.0.0.1:0", "--database"]).arg(database);
        let expected = format!("error: --database: cannot open the database {}: {reason}\n", database.display());
        let stderr = assert_config_error(command, &expected);
        assert_eq!(stderr, expected);
    };

    let missing = dir.path().join("no-such-folder");
    run(
        paymock(),
        &missing.join("paymock.db"),
        &format!("the folder {} does not exist; create it first", missing.display()),
    );
    run(paymock(), dir.path(), "it is a folder; give the path of a database file in it, such as paymock.db");

    // An unprivileged user: a folder it may not write in, and a file it may only read.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    run(
        paymock_unprivileged(),
        &locked.join("paymock.db"),
        &format!("permission denied: cannot create a file in {}", locked.display()),
    );
    let read_only = dir.path().join("read-only.db");
    std::fs::write(&read_only, b"").unwrap();
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o444)).unwrap();
    run(paymock_unprivileged(), &read_only, "the file is read-only; paymock needs to write to it");
    // A database it may write, in a folder where it may not make the files WAL mode keeps beside it.
    let in_locked = locked.join("paymock.db");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(&in_locked, b"").unwrap();
    std::fs::set_permissions(&in_locked, std::fs::Permissions::from_mode(0o666)).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    run(
        paymock_unprivileged(),
        &in_locked,
        &format!(
            "permission denied: cannot create the database's -wal and -shm files beside it in {}",
            locked.display()
        ),
    );
    // A file that is something else altogether.
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "these are my notes, not a database").unwrap();
    run(paymock(), &text, "it is not a SQLite database");
}

/// The tables of the SQLite file at `path`, and its journal mode.
async fn tables_and_journal_mode(path: &Path) -> (Vec<String>, String) {
    use sqlx::{ConnectOptions, Connection};
    let mut connection = sqlx::sqlite::SqliteConnectOptions::new().filename(path).connect().await.unwrap();
    let tables = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .fetch_all(&mut connection)
        .await
        .unwrap();
    let mode = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut connection).await.unwrap();
    connection.close().await.unwrap();
    (tables, mode)
}

#[tokio::test]
async fn a_database_of_another_application_is_refused_and_left_as_it_is() {
    use sqlx::{ConnectOptions, Connection};
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("shop.db");
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&database).create_if_missing(true);
    let mut connection = options.connect().await.unwrap();
    let schema = "CREATE TABLE customers (id INTEGER PRIMARY KEY); CREATE TABLE orders (id INTEGER PRIMARY KEY);
        CREATE TABLE invoices (id INTEGER PRIMARY KEY); CREATE TABLE products (id INTEGER PRIMARY KEY);
        CREATE TABLE stock (id INTEGER PRIMARY KEY); CREATE TABLE suppliers (id INTEGER PRIMARY KEY);
        CREATE TABLE _sqlx_migrations (version INTEGER PRIMARY KEY);";
    sqlx::raw_sql(schema).execute(&mut connection).await.unwrap();
    connection.close().await.unwrap();
    let before = tables_and_journal_mode(&database).await;
    let files_before = std::fs::read_dir(dir.path()).unwrap().count();

    let mut command = paymock();
    command.args(["--listen", "127.0.0.1:0", "--database"]).arg(&database);
    let expected = format!(
        "error: --database: cannot use the database {}: it holds another application's tables (customers, \
         invoices, orders, products, stock and 1 more), not paymock's, and paymock leaves it as it is; give \
         --database a new file, such as paymock.db, or :memory:\n",
        database.display()
    );
    assert_eq!(assert_config_error(command, &expected), expected);
    assert_eq!(tables_and_journal_mode(&database).await, before, "no table added, the journal mode kept");
    assert_eq!(before.1, "delete");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), files_before, "no -wal or -shm left beside it");

    // An empty file is a new database, and paymock's own is paymock's.
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    for _ in 0..2 {
        let mut server = Server::start(&empty);
        assert_eq!(balance_reply(&server, USERNAME, PASSWORD).await.0, 200);
        assert!(server.stop().success());
    }
    assert!(tables_and_journal_mode(&empty).await.0.contains(&"paymock_meta".to_owned()));
}

#[test]
fn fixtures_must_be_a_directory_holding_fixture_files() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let mut command = paymock();
    command.arg("--fixtures").arg(file.path());
    assert_config_error(
        command,
        &format!(
            "error: invalid value '{0}' for '--fixtures <DIR>': {0} is a file; --fixtures wants a directory holding \
             any of click2mail.json, hostway.json, test-cards.json\n",
            file.path().display()
        ),
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("users.json"), "{}").unwrap();
    let database = dir.path().join("paymock.db");
    let mut command = paymock();
    command.args(["--listen", "127.0.0.1:0", "--fixtures"]).arg(dir.path()).arg("--database").arg(&database);
    let stderr = assert_config_error(
        command,
        &format!(
            "error: --fixtures: {}: holds none of click2mail.json, hostway.json, test-cards.json; is it the right \
             directory?\n",
            dir.path().display()
        ),
    );
    assert_eq!(stderr.lines().count(), 1);
    assert!(!database.exists());
}

async fn balance_reply(server: &Server, username: &str, password: &str) -> (u16, String) {
    let reply = reqwest::Client::new()
        .get(format!("{}/molpro/credit", server.base_url))
        .basic_auth(username, Some(password))
        .send()
        .await
        .unwrap();
    (reply.status().as_u16(), reply.text().await.unwrap())
}

#[tokio::test]
async fn fixtures_not_applied_to_an_existing_database_are_warned_about_and_can_be_applied() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("paymock.db");
    let fixtures = dir.path().join("myfx");
    std::fs::create_dir(&fixtures).unwrap();
    std::fs::write(
        fixtures.join("click2mail.json"),
        r#"{"users": [{"username": "awesomeuser", "password": "gReAt/PaSsWoRd123"},
                      {"username": "newcomer", "password": "pw", "balance": "5.00"}]}"#,
    )
    .unwrap();
    let fixtures_arg = fixtures.to_str().unwrap();

    // The quick start: a database with a purchase in it.
    let mut server = Server::start(&database);
    let reply = reqwest::Client::new()
        .put(format!("{}/__admin/click2mail/users/{USERNAME}/balance", server.base_url))
        .body(r#"{"balance": "12.00"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    assert!(server.stop().success());

    let mut server = Server::start_with(&database, "info", &["--fixtures", fixtures_arg]);
    // Logged before the server listens, so already seen.
    let warning = server.log_seen.iter().find(|line| line.contains("was not applied")).expect("a warning").clone();
    assert!(warning.contains(r#""level":"WARN""#), "{warning}");
    assert!(
        warning.contains(&format!(
            "--fixtures {fixtures_arg} was not applied: {db} already holds state, and fixtures load into a new \
             database only. Pass --load-fixtures always to apply them over that state, or delete {db} (or use \
             --database :memory:) to start from them.",
            db = database.display()
        )),
        "{warning}"
    );
    assert_eq!(balance_reply(&server, "newcomer", "pw").await.0, 401);
    // What the server names for a start are the users it holds, not those of the unused file.
    let home: serde_json::Value = reqwest::get(format!("{}/", server.base_url)).await.unwrap().json().await.unwrap();
    let named: Vec<&str> =
        home["click2mail"]["users"].as_array().unwrap().iter().map(|user| user["username"].as_str().unwrap()).collect();
    assert_eq!(named, ["awesomeuser"]);
    assert!(server.log_seen.iter().any(|line| line.contains("(users: awesomeuser)")), "{:#?}", server.log_seen);
    assert!(server.stop().success());

    let mut server = Server::start_with(&database, "info", &["--fixtures", fixtures_arg, "--load-fixtures", "always"]);
    assert!(
        server.log_seen.iter().any(|line| line.contains("existing database: state kept, fixtures applied over it"))
    );
    let (status, body) = balance_reply(&server, "newcomer", "pw").await;
    assert_eq!(status, 200);
    assert!(body.contains("<balance>5.00</balance>"), "{body}");
    let (_, body) = balance_reply(&server, USERNAME, PASSWORD).await;
    assert!(body.contains("<balance>12.00</balance>"), "the balance is kept: {body}");
    assert!(server.stop().success());
    assert!(!server.log_seen.iter().any(|line| line.contains("was not applied")));
}

#[tokio::test]
async fn the_start_up_block_names_where_everything_is() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("paymock.db");
    std::fs::write(dir.path().join("hostway.json"), r#"{"accounts": [], "users": []}"#).unwrap();
    let fixtures = dir.path().to_str().unwrap();
    let mut server = Server::start_with(&database, "info", &["--fixtures", fixtures]);
    let line = server.log_seen.last().unwrap().clone();
    let block: serde_json::Value = serde_json::from_str(&line).unwrap();
    let base = &server.base_url;
    let expected = format!(
        "paymock {version} listening on {base}\n  database    {database} (new database: fixtures loaded)\n  \
         fixtures    built-in click2mail.json, {fixtures}/hostway.json, built-in test-cards.json\n  \
         Click2Mail  {base}/molpro/credit (users: awesomeuser)\n  \
         Hostway     {base}/accounts/{{id}}/paymentInfo\n  \
         namespaces  1 stored, at most 10000; {base}/ns/{{name}}/… is the namespace {{name}}\n  \
         admin       {base}/__admin/state\n  \
         OpenAPI     {base}/__admin/openapi.json",
        version = env!("CARGO_PKG_VERSION"),
        database = database.display(),
    );
    assert_eq!(block["message"], expected.as_str());
    assert!(server.stop().success());
}

#[tokio::test]
async fn listen_takes_a_bare_port_or_localhost() {
    let dir = tempfile::tempdir().unwrap();
    for listen in ["0", "localhost:0"] {
        let mut child = paymock()
            .args(["--listen", listen, "--database", ":memory:", "--log-format", "json"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut first).unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(first.contains("listening on http://127.0.0.1:"), "{listen}: {first}");
    }
    drop(dir);
}

#[tokio::test]
async fn healthcheck_follows_the_address_file_unless_listen_is_given_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let address_file = dir.path().join("address");
    let file_arg = address_file.to_str().unwrap();
    let mut server = Server::start_with(&dir.path().join("paymock.db"), "info", &["--address-file", file_arg]);
    let bound = server.base_url.trim_start_matches("http://").to_owned();
    assert_eq!(std::fs::read_to_string(&address_file).unwrap(), format!("{bound}\n"));

    // What PAYMOCK_LISTEN says is not where the server is: the file is followed.
    let healthcheck = || {
        let mut command = paymock();
        command.arg("healthcheck").env("PAYMOCK_LISTEN", "127.0.0.1:9").env("PAYMOCK_ADDRESS_FILE", &address_file);
        command
    };
    let output = healthcheck().output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let output = healthcheck().args(["--listen", "127.0.0.1:9"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8(output.stderr).unwrap().starts_with("unhealthy: 127.0.0.1:9: "));

    assert!(server.stop().success());
    assert!(!address_file.exists(), "a clean stop removes the address file");
}

#[tokio::test]
async fn the_access_log_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    for (switch, logged) in [("on", true), ("off", false)] {
        let database = dir.path().join(format!("{switch}.db"));
        let mut server = Server::start_with(&database, "info", &["--access-log", switch]);
        let (status, _) = balance_reply(&server, USERNAME, PASSWORD).await;
        assert_eq!(status, 200);
        assert!(server.stop().success());
        let seen = server
            .log_seen
            .iter()
            .any(|line| line.contains("finished processing request") && line.contains(r#""path":"/molpro/credit""#));
        assert_eq!(seen, logged, "--access-log {switch}: {:#?}", server.log_seen);
    }
}

#[tokio::test]
async fn dropped_connections_and_stalled_clients_are_no_errors_in_the_log() {
    use std::io::Write;

    let dir = tempfile::tempdir().unwrap();
    let mut server =
        Server::start_with(&dir.path().join("paymock.db"), "paymock=debug,info", &["--read-timeout", "0.2"]);
    let address = server.base_url.trim_start_matches("http://").to_owned();
    let client = reqwest::Client::new();
    let dropped = client
        .get(format!("{}/molpro/credit", server.base_url))
        .basic_auth(USERNAME, Some(PASSWORD))
        .header("X-Paymock-Fault", "reset")
        .send()
        .await;
    assert!(dropped.is_err(), "the connection was reset");
    let injected = client
        .get(format!("{}/molpro/credit", server.base_url))
        .basic_auth(USERNAME, Some(PASSWORD))
        .header("X-Paymock-Fault", "503")
        .send()
        .await
        .unwrap();
    assert_eq!(injected.status(), 503);
    // A client that never finishes its headers is cut off after the read timeout.
    let mut stalled = std::net::TcpStream::connect(&address).unwrap();
    stalled.write_all(b"GET /molpro/credit HTTP/1.1\r\nHost: x\r\n").unwrap();
    let mut rest = Vec::new();
    let _ = std::io::Read::read_to_end(&mut stalled, &mut rest);
    assert!(rest.is_empty(), "no reply to a stalled head");
    assert!(server.stop().success());

    let errors: Vec<&String> = server
        .log_seen
        .iter()
        .filter(|line| line.contains(r#""level":"ERROR""#) || line.contains(r#""status":502"#))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let dropped_line = server.log_seen.iter().find(|line| line.contains("connection dropped by a fault")).unwrap();
    assert!(dropped_line.contains(r#""level":"DEBUG""#), "{dropped_line}");
    let injected_line = server.log_seen.iter().find(|line| line.contains(r#""status":503"#)).unwrap();
    assert!(injected_line.contains(r#""level":"INFO""#), "{injected_line}");
}

#[test]
fn an_address_file_that_cannot_be_written_stops_start_up_before_the_database_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("paymock.db");
    let file = dir.path().join("no-such-folder").join("address");
    let mut command = paymock();
    command.args(["--listen", "127.0.0.1:0", "--database"]).arg(&database).arg("--address-file").arg(&file);
    assert_config_error(command, &format!("error: --address-file: cannot write {}: ", file.display()));
    assert!(!database.exists(), "no database is made");
}
