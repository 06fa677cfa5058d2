//! The `paymock` binary: reads the configuration, opens the store, loads the fixtures into a
//! new database and serves until SIGTERM or Ctrl-C.

use std::process::ExitCode;
use std::sync::Arc;

use paymock::config::Config;
use paymock::fixtures::Fixtures;
use paymock::{AppState, clock::Clock, store::Store};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::from_args();
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
    };
    paymock::serve(listener, state, shutdown_signal())
        .await
        .map_err(|err| Failure { message: format!("serving: {err}"), exit_code: 1 })?;
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
