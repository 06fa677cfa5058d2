//! Command-line configuration: one clap struct, every flag with an environment fallback.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "paymock",
    version,
    about = "A stateful local sandbox for the Click2Mail MOL Pro credit API and the Hostway payment-info API"
)]
pub struct Config {
    /// Address and port to listen on (use 0.0.0.0:8080 inside a container)
    #[arg(long, env = "PAYMOCK_LISTEN", value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// SQLite database file, created if missing; `:memory:` for a throw-away store
    #[arg(long, env = "PAYMOCK_DATABASE", value_name = "PATH", default_value = "paymock.db", value_parser = parse_database)]
    pub database: Database,

    /// Directory of fixture files (click2mail.json, hostway.json, test-cards.json) replacing
    /// the built-in defaults one file at a time
    #[arg(long, env = "PAYMOCK_FIXTURES", value_name = "DIR", value_parser = parse_fixtures_dir)]
    pub fixtures: Option<PathBuf>,

    /// Base for absolute URLs in responses, such as http://paymock:8080; by default they are
    /// built from each request's Host header
    #[arg(long, env = "PAYMOCK_PUBLIC_URL", value_name = "URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// Bearer token the control plane (all of /__admin but health) requires; open when unset
    #[arg(long, env = "PAYMOCK_ADMIN_TOKEN", value_name = "TOKEN", value_parser = parse_admin_token)]
    pub admin_token: Option<String>,

    /// How many requests the journal keeps; the oldest are dropped (0 keeps none)
    #[arg(long, env = "PAYMOCK_JOURNAL_SIZE", value_name = "N", default_value_t = 10_000)]
    pub journal_size: usize,

    /// Seconds a client may take to send a request's headers, and again its body; a slower
    /// client's connection is closed, or gets a 408 (idle keep-alive connections close after as long)
    #[arg(long, env = "PAYMOCK_READ_TIMEOUT", value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    pub read_timeout: Duration,

    /// Log line format; the level comes from RUST_LOG (default: info)
    #[arg(long, env = "PAYMOCK_LOG_FORMAT", value_name = "FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Exit 0 when the server at --listen answers GET /__admin/health with 200, 1 otherwise
    /// (for container health checks)
    Healthcheck,
}

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    File(PathBuf),
    /// A private in-memory database, gone when the process ends.
    Memory,
}

impl std::fmt::Display for Database {
    /// As given on the command line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::File(path) => write!(f, "{}", path.display()),
            Database::Memory => f.write_str(":memory:"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// Parses the command line and environment. A bad value ends the process with a
    /// one-line error naming the flag and exit code 2; `--help` and `--version` print and
    /// exit 0.
    pub fn from_args() -> Config {
        match Config::try_parse() {
            Ok(config) => config,
            Err(err) if !err.use_stderr() => err.exit(),
            Err(err) => {
                let rendered = err.render().to_string();
                let first_line = rendered.lines().next().unwrap_or("error: invalid arguments");
                eprintln!("{first_line}");
                std::process::exit(2);
            }
        }
    }
}

fn parse_database(value: &str) -> Result<Database, String> {
    match value {
        "" => Err("must be a file path or :memory:".into()),
        ":memory:" => Ok(Database::Memory),
        path => Ok(Database::File(path.into())),
    }
}

/// A number of seconds from a millisecond to an hour, fractions allowed.
fn parse_seconds(value: &str) -> Result<Duration, String> {
    let seconds: f64 = value.trim().parse().map_err(|_| "must be a number of seconds, such as 30 or 0.5")?;
    if (0.001..=3600.0).contains(&seconds) {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err("must be from 0.001 to 3600 seconds".into())
    }
}

fn parse_admin_token(value: &str) -> Result<String, String> {
    let usable = !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic());
    if usable { Ok(value.to_owned()) } else { Err("must be non-empty printable ASCII without spaces".into()) }
}

fn parse_fixtures_dir(value: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(value);
    if path.is_dir() { Ok(path) } else { Err("no such directory".into()) }
}

/// An `http://` or `https://` URL with a host, kept without a trailing slash so that paths
/// can be appended to it.
fn parse_public_url(value: &str) -> Result<String, String> {
    let rest = value
        .strip_prefix("http://")
        .or_else(|| value.strip_prefix("https://"))
        .ok_or("must start with http:// or https://")?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() {
        return Err("must name a host, as in http://localhost:8080".into());
    }
    if value.contains(|c: char| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '"' | '<' | '>')) {
        return Err("must be a plain base URL without spaces, query or fragment".into());
    }
    Ok(value.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_match_the_readme() {
        let config = Config::try_parse_from(["paymock"]).unwrap();
        assert_eq!(config.listen, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(config.database, Database::File("paymock.db".into()));
        assert_eq!(config.fixtures, None);
        assert_eq!(config.public_url, None);
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(config.read_timeout, Duration::from_secs(30));
    }

    #[test]
    fn values_are_parsed_and_checked() {
        let config = Config::try_parse_from([
            "paymock",
            "--database",
            ":memory:",
            "--public-url",
            "https://pay.test:9/base/",
            "--log-format",
            "json",
            "--read-timeout",
            "0.25",
        ])
        .unwrap();
        assert_eq!(config.database, Database::Memory);
        assert_eq!(config.public_url.as_deref(), Some("https://pay.test:9/base"));
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.read_timeout, Duration::from_millis(250));

        for args in [
            ["--listen", "localhost"],
            ["--public-url", "ftp://x"],
            ["--public-url", "http://"],
            ["--public-url", "http://x/?q"],
            ["--fixtures", "/no/such/dir"],
            ["--log-format", "xml"],
            ["--database", ""],
            ["--read-timeout", "0"],
            ["--read-timeout", "1e-10"],
            ["--read-timeout", "NaN"],
            ["--read-timeout", "5s"],
            ["--read-timeout", "3601"],
        ] {
            let err = Config::try_parse_from(["paymock"].into_iter().chain(args)).unwrap_err();
            let rendered = err.render().to_string();
            assert!(
                rendered.starts_with(&format!("error: invalid value '{}' for '{}", args[1], args[0])),
                "{rendered}"
            );
        }
    }
}
