//! The `paymock` binary: reads the configuration, binds the port, opens the store, loads the
//! fixtures (into a new database, or always) and serves until SIGTERM or Ctrl-C. Then it stops accepting, lets requests in
//! flight finish (for at most [`SHUTDOWN_GRACE`]), commits every write still queued and closes
//! the database. `paymock healthcheck` asks a running server for its health instead.
//!
//! The command line, the health-check command and the log subscriber live here, in the
//! binary, not in the library.

mod config;
mod healthcheck;
mod telemetry;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use paymock::AppState;
use paymock::sandbox::fixtures::Fixtures;
use paymock::sandbox::namespaces::Namespaces;
use paymock::store::{Database, FixtureLoad, FixturesLoaded, Store, Template};
use tokio::net::TcpListener;

use crate::config::{Command, Config, FixtureLoading, Switch};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How long requests in flight may take to finish once a stop is asked for; containers are
/// given 10 seconds before they are killed, CI suites usually less.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1500);

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::from_args();
    if config.command == Some(Command::Healthcheck) {
        let target =
            healthcheck::target(config.listen, config.listen_from_command_line, config.address_file.as_deref());
        return match target.and_then(healthcheck::check) {
            Ok(()) => ExitCode::SUCCESS,
            Err(reason) => {
                eprintln!("unhealthy: {reason}");
                ExitCode::FAILURE
            }
        };
    }
    telemetry::init(config.log_format);
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure { message, exit_code }) => {
            eprintln!("error: {message}");
            ExitCode::from(exit_code)
        }
    }
}

/// A start-up failure, named by the flag whose value could not be used (exit code 2), or a
/// failure while serving (exit code 1).
struct Failure {
    message: String,
    exit_code: u8,
}

fn unusable(flag: &str) -> impl FnOnce(&dyn std::fmt::Display) -> Failure + '_ {
    move |err| Failure { message: format!("{flag}: {err}"), exit_code: 2 }
}

async fn run(config: Config) -> Result<(), Failure> {
    let stop_signal = shutdown_signal();
    let fixtures = Fixtures::load(config.fixtures.as_deref()).map_err(|err| unusable("--fixtures")(&err))?;
    // The port first: a server already running there must not see its database touched.
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|err| unusable("--listen")(&cannot_listen(config.listen, &err)))?;
    let address = listener.local_addr().map_err(|err| unusable("--listen")(&err))?;
    // Before the database: a file that cannot be written leaves nothing behind. The guard
    // removes it again however `run` ends.
    let _address_file = match &config.address_file {
        Some(file) => Some(AddressFile::write(file, address).map_err(|err| unusable("--address-file")(&err))?),
        None => None,
    };
    let fixtures = Arc::new(fixtures);
    let template = Template { fixtures: Arc::clone(&fixtures), max_namespaces: config.max_namespaces };
    let store = Store::open(&config.database, template).await.map_err(|err| unusable("--database")(&err))?;
    let when = match config.load_fixtures {
        FixtureLoading::IfNew => FixtureLoad::IfNew,
        FixtureLoading::Always => FixtureLoad::Always,
    };
    let loaded = store.load_fixtures(when).await.map_err(|err| unusable("--database")(&err))?;
    let database = &config.database;
    if let (FixturesLoaded::NotLoaded, Some(dir)) = (loaded, &config.fixtures) {
        tracing::warn!(
            "--fixtures {dir} was not applied: {database} already holds state, and fixtures load into a new \
             database only. Pass --load-fixtures always to apply them over that state, or delete {database} \
             (or use --database :memory:) to start from them.",
            dir = dir.display()
        );
    }

    let state = AppState {
        store: store.clone(),
        fixtures,
        namespaces: Arc::new(
            Namespaces::new(store.clone(), config.journal_size, None).journal_memory(config.journal_memory << 20),
        ),
        public_url: config.public_url.map(Arc::from),
        admin_token: config.admin_token.map(Arc::from),
        read_timeout: config.read_timeout,
        access_log: config.access_log == Switch::On,
        fault_headers: config.fault_headers == Switch::On,
    };
    let users: Vec<String> = paymock::sandbox::home::fixture_click2mail_users(&state)
        .await
        .into_iter()
        .map(|(user, _)| user.username.clone())
        .collect();
    tracing::info!("{}", start_up_summary(&state, address, database, loaded, &users));
    let (stopping, stop_asked) = tokio::sync::oneshot::channel();
    let shutdown = async {
        stop_signal.await;
        let _ = stopping.send(());
    };
    let serving = paymock::serve(listener, state, shutdown);
    let grace_over = async {
        if stop_asked.await.is_ok() {
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    let served = tokio::select! {
        served = serving => served.map_err(|err| Failure { message: format!("serving: {err}"), exit_code: 1 }),
        () = grace_over => {
            tracing::warn!("requests still in flight after {SHUTDOWN_GRACE:?}; they get no answer");
            Ok(())
        }
    };
    store.close().await;
    served?;
    tracing::info!("stopped");
    Ok(())
}

/// Why the address cannot be listened on, naming it.
fn cannot_listen(address: SocketAddr, err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::AddrInUse => {
            format!(
                "{address} is already in use by another program (another paymock?); stop it, or choose another port"
            )
        }
        std::io::ErrorKind::AddrNotAvailable => format!("{address} is not an address of this machine"),
        std::io::ErrorKind::PermissionDenied => {
            format!("permission denied to listen on {address}; use a port above 1023")
        }
        _ => format!("cannot listen on {address}: {err}"),
    }
}

/// The file holding the bound address, where `paymock healthcheck` and harnesses look for it;
/// removed when dropped.
struct AddressFile(PathBuf);

impl AddressFile {
    /// Writes the address whole or not at all.
    fn write(file: &Path, address: SocketAddr) -> Result<AddressFile, String> {
        let partial = file.with_extension("partial");
        std::fs::write(&partial, format!("{address}\n"))
            .and_then(|()| std::fs::rename(&partial, file))
            .map_err(|err| format!("cannot write {}: {err}", file.display()))?;
        Ok(AddressFile(file.to_owned()))
    }
}

impl Drop for AddressFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The start-up block: where the server listens, what it started from, and where to look.
fn start_up_summary(
    state: &AppState,
    address: SocketAddr,
    database: &Database,
    loaded: FixturesLoaded,
    users: &[String],
) -> String {
    let base = match &state.public_url {
        Some(url) => url.to_string(),
        None => format!("http://{}", healthcheck::reachable(address)),
    };
    let database_state = match loaded {
        FixturesLoaded::IntoNewDatabase => "new database: fixtures loaded",
        FixturesLoaded::OverExistingState => "existing database: state kept, fixtures applied over it",
        FixturesLoaded::NotLoaded => "existing database: state kept, fixtures not reloaded",
    };
    let users: Vec<&str> = users.iter().map(String::as_str).collect();
    [
        format!("paymock {} listening on http://{address}", env!("CARGO_PKG_VERSION")),
        format!("  database    {database} ({database_state})"),
        format!("  fixtures    {}", state.fixtures.sources.join(", ")),
        format!("  Click2Mail  {base}/molpro/credit (users: {})", users.join(", ")),
        format!("  Hostway     {base}/accounts/{{id}}/paymentInfo"),
        format!(
            "  namespaces  {} stored, at most {}; {base}/ns/{{name}}/… is the namespace {{name}}",
            state.store.namespace_count().0,
            state.store.namespace_count().1
        ),
        format!("  admin       {base}/__admin/state"),
        format!("  OpenAPI     {base}/__admin/openapi.json"),
    ]
    .join("\n")
}

/// Completes on SIGTERM (how containers are stopped) or SIGINT (Ctrl-C). The handlers are
/// installed when this is called, not when it is first awaited, so a stop asked for while the
/// server is still starting is not lost (and does not kill it the default way).
#[cfg(unix)]
fn shutdown_signal() -> impl Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).ok();
    let mut interrupt = signal(SignalKind::interrupt()).ok();
    async move {
        tokio::select! {
            () = received(terminate.as_mut()) => {}
            () = received(interrupt.as_mut()) => {}
        }
        tracing::info!("shutting down");
    }
}

/// Completes when `signal` arrives; never when it could not be listened for.
#[cfg(unix)]
async fn received(signal: Option<&mut tokio::signal::unix::Signal>) {
    match signal {
        Some(signal) => {
            signal.recv().await;
        }
        None => std::future::pending().await,
    }
}

#[cfg(not(unix))]
fn shutdown_signal() -> impl Future<Output = ()> {
    async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    }
}
