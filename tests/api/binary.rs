//! The real `paymock` binary over a real socket: start-up, configuration errors, graceful
//! shutdown, and state that survives a restart.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

use crate::helpers::{PASSWORD, USERNAME, VENDOR_EXAMPLE, XML_DECLARATION};

/// Long enough for a loaded CI machine; a healthy server needs milliseconds.
const PATIENCE: Duration = Duration::from_secs(30);

pub fn paymock() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_paymock"));
    for variable in [
        "PAYMOCK_LISTEN",
        "PAYMOCK_DATABASE",
        "PAYMOCK_FIXTURES",
        "PAYMOCK_PUBLIC_URL",
        "PAYMOCK_ADMIN_TOKEN",
        "PAYMOCK_LOG_FORMAT",
        "PAYMOCK_READ_TIMEOUT",
        "PAYMOCK_JOURNAL_SIZE",
        "PAYMOCK_JOURNAL_MEMORY",
        "PAYMOCK_ADDRESS_FILE",
        "PAYMOCK_LOAD_FIXTURES",
        "PAYMOCK_ACCESS_LOG",
        "PAYMOCK_FAULT_HEADERS",
    ] {
        command.env_remove(variable);
    }
    command.env("RUST_LOG", "info");
    command
}

/// A running server on an ephemeral loopback port, killed if a test fails before stopping it.
pub struct Server {
    child: Option<Child>,
    pub base_url: String,
    log: Receiver<String>,
    pub log_seen: Vec<String>,
}

impl Server {
    /// Starts the binary and waits for the log line that says it is listening.
    pub fn start(database: &Path) -> Server {
        Server::start_logging(database, "info")
    }

    /// Starts the binary with `RUST_LOG=filter`.
    pub fn start_logging(database: &Path, filter: &str) -> Server {
        Server::start_with(database, filter, &[])
    }

    /// Starts the binary with `RUST_LOG=filter` and more arguments.
    pub fn start_with(database: &Path, filter: &str, args: &[&str]) -> Server {
        let mut child = paymock()
            .env("RUST_LOG", filter)
            .args(["--listen", "127.0.0.1:0", "--log-format", "json", "--database"])
            .arg(database)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, log) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = Server { child: Some(child), base_url: String::new(), log, log_seen: Vec::new() };
        let line = server.wait_for_log("listening on http://");
        let address = line
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split(['"', '\\', ' ', '\n']).next())
            .expect("an address");
        server.base_url = address.to_owned();
        server
    }

    /// The first log line, from here on, that contains `needle`.
    pub fn wait_for_log(&mut self, needle: &str) -> String {
        loop {
            let line = self.log.recv_timeout(PATIENCE).unwrap_or_else(|_| panic!("no log line with {needle:?}"));
            self.log_seen.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// Buys credit with the vendor example's form, as awesomeuser.
    async fn buy_vendor_example(&self, client: &reqwest::Client) -> reqwest::Response {
        client
            .post(format!("{}/molpro/credit/purchase", self.base_url))
            .basic_auth(USERNAME, Some(PASSWORD))
            .form(&VENDOR_EXAMPLE)
            .send()
            .await
            .unwrap()
    }

    /// Sends SIGTERM, as `docker stop` does, and waits for the process to exit.
    pub fn stop(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
        assert!(status.success());
        let (sender, exited) = mpsc::channel();
        thread::spawn(move || sender.send(child.wait()));
        let status = exited.recv_timeout(PATIENCE).expect("the server exits after SIGTERM").expect("wait");
        self.log_seen.extend(self.log.try_iter());
        status
    }

    /// Kills the process with SIGKILL, as a crash or the OOM killer would, and waits for it.
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().expect("SIGKILL is sent");
        child.wait().expect("the process is reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test]
async fn state_survives_a_restart_on_the_same_database() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("paymock.db");
    let client = reqwest::Client::new();

    let mut server = Server::start(&database);
    let status_url = format!("{}/molpro/credit", server.base_url);
    let reply = server.buy_vendor_example(&client).await;
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.headers()["content-type"], "application/xml");
    let expected = format!(
        "{XML_DECLARATION}<credit><allowNegative>false</allowNegative><status>0</status>\
         <description>Success</description><statusUrl>{status_url}</statusUrl></credit>"
    );
    assert_eq!(reply.text().await.unwrap(), expected);
    assert!(server.stop().success());
    assert!(server.log_seen.iter().any(|line| line.contains("new database: fixtures loaded")));
    assert!(server.log_seen.iter().any(|line| line.contains("\"stopped\"")));

    let mut server = Server::start(&database);
    assert!(server.log_seen.iter().any(|line| line.contains("existing database: state kept")));
    let status_url = format!("{}/molpro/credit", server.base_url);
    let reply = client.get(&status_url).basic_auth(USERNAME, Some(PASSWORD)).send().await.unwrap();
    let expected = format!(
        "{XML_DECLARATION}<credit><allowNegative>false</allowNegative><balance>10.00</balance><status>0</status>\
         <description>Success</description><statusUrl>{status_url}</statusUrl></credit>"
    );
    assert_eq!(reply.text().await.unwrap(), expected);
    assert!(server.stop().success());

    // The card number went through the server, but neither the database nor the log kept it.
    for file in ["paymock.db", "paymock.db-wal"] {
        let path = dir.path().join(file);
        if path.exists() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(!bytes.windows(16).any(|window| window == b"4111111111111111"), "{file} holds a card number");
        }
    }
    assert!(!server.log_seen.iter().any(|line| line.contains("4111111111111111")));
}

/// Runs the command and checks it failed with exit code 2 and an error starting as expected;
/// returns the whole error.
#[track_caller]
pub fn assert_config_error(mut command: Command, expected_start: &str) -> String {
    let output = command.output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with(expected_start), "{stderr}");
    stderr
}

#[test]
fn bad_flag_values_are_an_error_naming_the_flag_and_exit_code_2() {
    let cases: [(&[&str], &str); 5] = [
        (&["--listen", "nowhere"], "error: invalid value 'nowhere' for '--listen <ADDR>'"),
        (&["--log-format", "xml"], "error: invalid value 'xml' for '--log-format <FORMAT>'"),
        (
            &["--fixtures", "/no/such/dir"],
            "error: invalid value '/no/such/dir' for '--fixtures <DIR>': no such directory; --fixtures wants a \
             directory holding any of click2mail.json, hostway.json, test-cards.json\n",
        ),
        (&["--public-url", "ftp://x"], "error: invalid value 'ftp://x' for '--public-url <URL>'"),
        (&["--no-such-flag"], "error: unexpected argument '--no-such-flag'"),
    ];
    for (args, expected_start) in cases {
        let mut command = paymock();
        command.args(args);
        let stderr = assert_config_error(command, expected_start);
        assert!(stderr.ends_with("For more information, try '--help'.\n"), "{stderr}");
    }
}

#[test]
fn a_bad_fixture_file_is_named_and_nothing_starts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("click2mail.json"), "{\"users\": [\n  {\"username\": \"u\"}\n]}").unwrap();
    let database = dir.path().join("paymock.db");
    let mut command = paymock();
    command.args(["--listen", "127.0.0.1:0", "--fixtures"]).arg(dir.path()).arg("--database").arg(&database);
    let expected = format!(
        "error: --fixtures: {}: missing field `password` at line 2 column 19",
        dir.path().join("click2mail.json").display()
    );
    assert_config_error(command, &expected);
    assert!(!database.exists(), "nothing is written when the fixtures are bad");
}

#[test]
fn help_shows_every_flag_and_its_environment_variable() {
    let output = paymock().arg("--help").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8(output.stdout).unwrap();
    for (flag, variable) in [
        ("--listen <ADDR>", "PAYMOCK_LISTEN"),
        ("--database <PATH>", "PAYMOCK_DATABASE"),
        ("--fixtures <DIR>", "PAYMOCK_FIXTURES"),
        ("--public-url <URL>", "PAYMOCK_PUBLIC_URL"),
        ("--admin-token <TOKEN>", "PAYMOCK_ADMIN_TOKEN"),
        ("--log-format <FORMAT>", "PAYMOCK_LOG_FORMAT"),
        ("--journal-size <N>", "PAYMOCK_JOURNAL_SIZE"),
        ("--journal-memory <MIB>", "PAYMOCK_JOURNAL_MEMORY"),
        ("--read-timeout <SECONDS>", "PAYMOCK_READ_TIMEOUT"),
        ("--address-file <PATH>", "PAYMOCK_ADDRESS_FILE"),
        ("--load-fixtures <WHEN>", "PAYMOCK_LOAD_FIXTURES"),
        ("--access-log <ON_OFF>", "PAYMOCK_ACCESS_LOG"),
        ("--fault-headers <ON_OFF>", "PAYMOCK_FAULT_HEADERS"),
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
        assert!(help.contains(&format!("[env: {variable}=")), "{variable} in {help}");
    }
}

#[tokio::test]
async fn healthcheck_exits_0_when_the_server_answers_and_1_when_none_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(&dir.path().join("paymock.db"));
    let address = server.base_url.trim_start_matches("http://").to_owned();

    let output = paymock().arg("healthcheck").env("PAYMOCK_LISTEN", &address).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.stdout.is_empty() && output.stderr.is_empty());
    // Listening on every address, it checks loopback.
    let port = address.rsplit(':').next().unwrap();
    let output = paymock().args(["--listen", &format!("0.0.0.0:{port}"), "healthcheck"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));

    assert!(server.stop().success());
    let output = paymock().args(["--listen", &address, "healthcheck"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with(&format!("unhealthy: {address}: ")), "{stderr}");
}

/// An idle keep-alive connection, or a request that never finishes arriving, does not hold
/// up a stop: the server exits 0 within two seconds of SIGTERM, with every acknowledged
/// purchase in the database.
#[tokio::test]
async fn sigterm_stops_within_two_seconds_despite_open_connections() {
    use std::io::Write;

    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("paymock.db");
    let mut server = Server::start(&database);
    let client = reqwest::Client::new();
    assert_eq!(server.buy_vendor_example(&client).await.status(), 200);
    // A request whose body never comes.
    let mut stalled = std::net::TcpStream::connect(server.base_url.trim_start_matches("http://")).unwrap();
    stalled
        .write_all(b"POST /molpro/credit/purchase HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nbilling")
        .unwrap();
    // Connections are accepted in order: once a later one is answered, the stalled one is open.
    let later = reqwest::Client::new().get(format!("{}/__admin/health", server.base_url)).send().await.unwrap();
    assert_eq!(later.status(), 200);

    let asked = std::time::Instant::now();
    let status = server.stop();
    let took = asked.elapsed();
    assert!(status.success(), "{status}");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(server.log_seen.iter().any(|line| line.contains("\"stopped\"")));

    let server = Server::start(&database);
    let balance = client
        .get(format!("{}/molpro/credit", server.base_url))
        .basic_auth(USERNAME, Some(PASSWORD))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(balance.contains("<balance>10.00</balance>"), "{balance}");
}
