//! The `paymock` binary: reads the configuration, opens the store, loads the fixtures into a
//! new database and serves until SIGTERM or Ctrl-C. Then it stops accepting, lets requests in
//! flight finish (for at most [`SHUTDOWN_GRACE`]), commits every write still queued and closes
//! the database. `paymock healthcheck` asks a running server for its health instead.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use paymock::config::{Command, Config};
use paymock::fixtures::Fixtures;
use paymock::{AppState, clock::Clock, store::Store};
use tokio::net::TcpListener;

/// How long requests in flight may take to finish once a stop is asked for; containers are
/// given 10 seconds before they are killed, CI suites usually less.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1500);

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::from_args();
    if config.command == Some(Command::Healthcheck) {
        return match paymock::healthcheck::check(config.listen) {
            Ok(()) => ExitCode::SUCCESS,
            Err(reason) => {
                eprintln!("unhealthy: {reason}");
                ExitCode::FAILURE
            }
        };
    }
    paymock::telemetry::init(config.log_format);
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
    let fixtures = Fixtures::load(config.fixtures.as_deref()).map_err(|err| unusable("--fixtures")(&err))?;
    let store = Store::open(&config.database).await.map_err(|err| unusable("--database")(&err))?;
    let clock = Clock::system();
    let loaded =
        store.load_fixtures_if_new(&fixtures, clock.now()).await.map_err(|err| unusable("--database")(&err))?;
    let database = &config.database;
    if loaded {
        tracing::info!(%database, "new database: fixtures loaded");
    } else {
        tracing::info!(%database, "existing database: state kept, fixtures not reloaded");
    }

    let listener = TcpListener::bind(config.listen).await.map_err(|err| unusable("--listen")(&err))?;
    let address = listener.local_addr().map_err(|err| unusable("--listen")(&err))?;
    tracing::info!("listening on http://{address}");

    let state = AppState {
        store: store.clone(),
        fixtures: Arc::new(fixtures),
        clock: Arc::new(clock),
        public_url: config.public_url.map(Arc::from),
        admin_token: config.admin_token.map(Arc::from),
        journal: Arc::new(paymock::journal::Journal::new(config.journal_size)),
        faults: Arc::default(),
        read_timeout: config.read_timeout,
    };
    let (stopping, stop_asked) = tokio::sync::oneshot::channel();
    let shutdown = async {
        shutdown_signal().await;
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
    tokio::select! {
        served = serving => served.map_err(|err| Failure { message: format!("serving: {err}"), exit_code: 1 })?,
        () = grace_over => tracing::warn!("requests still in flight after {SHUTDOWN_GRACE:?}; they get no answer"),
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on SIGTERM (how containers are stopped) or Ctrl-C.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down");
}
