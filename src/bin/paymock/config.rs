//! Command-line configuration: one clap struct, every flag with an environment fallback.

use std::ffi::OsString;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use paymock::sandbox::fixtures::FILE_NAMES;
pub use paymock::store::Database;

#[derive(Debug, Clone, Parser)]
#[command(
    name = "paymock",
    version,
    about = "A stateful local sandbox for the Click2Mail MOL Pro credit API and the Hostway payment-info API"
)]
pub struct Config {
    /// Address and port to listen on: IP:PORT, localhost:PORT, or a bare PORT on 127.0.0.1
    /// (use 0.0.0.0:8080 inside a container; port 0 picks a free one)
    #[arg(long, env = "PAYMOCK_LISTEN", value_name = "ADDR", default_value = "127.0.0.1:8080", value_parser = parse_listen, global = true)]
    pub listen: SocketAddr,

    /// Whether `--listen` was given on the command line rather than by the environment or
    /// the default: `healthcheck` then probes it, whatever the address file says.
    #[arg(skip)]
    pub listen_from_command_line: bool,

    /// File the server writes the address it listens on to (and removes when it stops), so
    /// that `paymock healthcheck` and test harnesses find the port actually bound
    #[arg(long, env = "PAYMOCK_ADDRESS_FILE", value_name = "PATH", global = true)]
    pub address_file: Option<PathBuf>,

    /// SQLite database file, created if missing; `:memory:` for a throw-away store
    #[arg(long, env = "PAYMOCK_DATABASE", value_name = "PATH", default_value = "paymock.db", value_parser = parse_database)]
    pub database: Database,

    /// Directory of fixture files (click2mail.json, hostway.json, test-cards.json) replacing
    /// the built-in defaults one file at a time
    #[arg(long, env = "PAYMOCK_FIXTURES", value_name = "DIR", value_parser = parse_fixtures_dir)]
    pub fixtures: Option<PathBuf>,

    /// When the fixtures are written into the database: only into a new one (if-new), or at
    /// every start (always: users and accounts are added or updated; balances, purchases and
    /// payment methods are kept)
    #[arg(long, env = "PAYMOCK_LOAD_FIXTURES", value_name = "WHEN", value_enum, default_value_t = FixtureLoading::IfNew)]
    pub load_fixtures: FixtureLoading,

    /// Base for absolute URLs in responses, such as http://paymock:8080; by default they are
    /// built from each request's Host header
    #[arg(long, env = "PAYMOCK_PUBLIC_URL", value_name = "URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,

    /// Bearer token the control plane (all of /__admin but health) requires; open when unset
    #[arg(long, env = "PAYMOCK_ADMIN_TOKEN", value_name = "TOKEN", value_parser = parse_admin_token)]
    pub admin_token: Option<String>,

    /// How many requests the journal of each namespace keeps; the oldest are dropped (0 keeps none)
    #[arg(long, env = "PAYMOCK_JOURNAL_SIZE", value_name = "N", default_value_t = 10_000)]
    pub journal_size: usize,

    /// MiB of memory the journals of all namespaces keep together; past it the oldest entries
    /// are dropped, whichever namespace's they are
    #[arg(long, env = "PAYMOCK_JOURNAL_MEMORY", value_name = "MIB", default_value_t = paymock::journal::DEFAULT_JOURNAL_MEMORY >> 20, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1 << 20))]
    pub journal_memory: usize,

    /// How many namespaces there may be; a request for a new one past this gets a 503
    #[arg(long, env = "PAYMOCK_MAX_NAMESPACES", value_name = "N", default_value_t = paymock::store::DEFAULT_MAX_NAMESPACES, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_namespaces: usize,

    /// Seconds a client may take to send a request's headers, and again its body; a slower
    /// client's connection is closed, or gets a 408 (idle keep-alive connections close after as long)
    #[arg(long, env = "PAYMOCK_READ_TIMEOUT", value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    pub read_timeout: Duration,

    /// Log line format; the level comes from RUST_LOG (default: info)
    #[arg(long, env = "PAYMOCK_LOG_FORMAT", value_name = "FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// One INFO line per request (method, path, status, latency); off moves them to DEBUG.
    /// Errors are logged either way
    #[arg(long, env = "PAYMOCK_ACCESS_LOG", value_name = "ON_OFF", value_enum, default_value_t = Switch::On)]
    pub access_log: Switch,

    /// Whether a request's own X-Paymock-Delay and X-Paymock-Fault headers inject faults
    /// without the admin token; off ignores them, serving the request as if it had none.
    /// Fault rules set through the control plane apply either way
    #[arg(long, env = "PAYMOCK_FAULT_HEADERS", value_name = "ON_OFF", value_enum, default_value_t = Switch::On)]
    pub fault_headers: Switch,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Exit 0 when the server answers GET /__admin/health with 200, 1 otherwise (for container
    /// health checks). It asks the address given by --listen after this word; otherwise the
    /// one in the address file, when PAYMOCK_ADDRESS_FILE names one that exists; otherwise
    /// PAYMOCK_LISTEN or the default
    Healthcheck,
}

/// When `--fixtures` are written into the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FixtureLoading {
    /// Into a new database only; an existing one keeps its state as it is.
    IfNew,
    /// At every start: users and accounts are added or updated, state is kept.
    Always,
}

/// `on` or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    /// Parses the command line and environment. A bad value ends the process with clap's
    /// error (naming the flag, or the environment variable the value came from, with the
    /// choices or a "did you mean") and exit code 2; `--help` and `--version` print and
    /// exit 0.
    pub fn from_args() -> Config {
        let args: Vec<OsString> = std::env::args_os().collect();
        match Config::try_parse_args(&args) {
            Ok(config) => config,
            Err(err) if !err.use_stderr() => err.exit(),
            Err(err) => {
                eprint!("{}", name_the_variable(&err, &args));
                std::process::exit(2);
            }
        }
    }

    /// [`Config::from_args`] without the exiting, for tests.
    pub fn try_parse_args(args: &[OsString]) -> Result<Config, clap::Error> {
        let matches = Config::command().try_get_matches_from(args)?;
        let mut config = Config::from_arg_matches(&matches)?;
        let listen_source = match matches.subcommand() {
            Some((_, sub)) => sub.value_source("listen"),
            None => matches.value_source("listen"),
        };
        config.listen_from_command_line = listen_source == Some(ValueSource::CommandLine);
        Ok(config)
    }
}

/// clap's rendered error, with the flag replaced by its environment variable when the bad
/// value came from there rather than from the command line.
fn name_the_variable(err: &clap::Error, args: &[OsString]) -> String {
    let rendered = err.render().to_string();
    let Some(clap::error::ContextValue::String(arg)) = err.get(clap::error::ContextKind::InvalidArg) else {
        return rendered;
    };
    let flag = arg.split(' ').next().unwrap_or(arg);
    let on_command_line = args
        .iter()
        .filter_map(|arg| arg.to_str())
        .any(|given| given == flag || given.strip_prefix(flag).is_some_and(|rest| rest.starts_with('=')));
    let variable = Config::command()
        .get_arguments()
        .find(|known| known.get_long().is_some_and(|long| flag.strip_prefix("--") == Some(long)))
        .and_then(|known| known.get_env().map(|env| env.to_string_lossy().into_owned()));
    match variable {
        Some(variable) if !on_command_line => {
            rendered.replacen(&format!("'{arg}'"), &format!("environment variable {variable} (--{})", &flag[2..]), 1)
        }
        _ => rendered,
    }
}

/// `IP:PORT`, `localhost:PORT` or a bare `PORT`; the last two listen on 127.0.0.1.
fn parse_listen(value: &str) -> Result<SocketAddr, String> {
    if let Ok(address) = value.parse() {
        return Ok(address);
    }
    let port = value.strip_prefix("localhost:").unwrap_or(value);
    match port.parse::<u16>() {
        Ok(port) => Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port))),
        Err(_) => {
            Err("must be IP:PORT, localhost:PORT or a bare PORT, such as 0.0.0.0:8080, localhost:8080 or 8080".into())
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
    let wanted = FILE_NAMES.join(", ");
    if path.is_dir() {
        Ok(path)
    } else if path.exists() {
        Err(format!("{value} is a file; --fixtures wants a directory holding any of {wanted}"))
    } else {
        Err(format!("no such directory; --fixtures wants a directory holding any of {wanted}"))
    }
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

    fn parse(args: &[&str]) -> Result<Config, clap::Error> {
        let args: Vec<OsString> = ["paymock"].iter().chain(args).map(OsString::from).collect();
        Config::try_parse_args(&args)
    }

    #[test]
    fn the_defaults_match_the_readme() {
        let config = parse(&[]).unwrap();
        assert_eq!(config.listen, "127.0.0.1:8080".parse().unwrap());
        assert!(!config.listen_from_command_line);
        assert_eq!(config.address_file, None);
        assert_eq!(config.database, Database::File("paymock.db".into()));
        assert_eq!(config.fixtures, None);
        assert_eq!(config.load_fixtures, FixtureLoading::IfNew);
        assert_eq!(config.public_url, None);
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(config.access_log, Switch::On);
        assert_eq!(config.fault_headers, Switch::On);
        assert_eq!(config.read_timeout, Duration::from_secs(30));
    }

    #[test]
    fn values_are_parsed_and_checked() {
        let config = parse(&[
            "--database",
            ":memory:",
            "--public-url",
            "https://pay.test:9/base/",
            "--log-format",
            "json",
            "--read-timeout",
            "0.25",
            "--load-fixtures",
            "always",
            "--access-log",
            "off",
            "--fault-headers",
            "off",
        ])
        .unwrap();
        assert_eq!(config.database, Database::Memory);
        assert_eq!(config.public_url.as_deref(), Some("https://pay.test:9/base"));
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(config.read_timeout, Duration::from_millis(250));
        assert_eq!(config.load_fixtures, FixtureLoading::Always);
        assert_eq!(config.access_log, Switch::Off);
        assert_eq!(config.fault_headers, Switch::Off);

        for args in [
            ["--listen", "localhost"],
            ["--listen", "example.com:80"],
            ["--listen", "65536"],
            ["--public-url", "ftp://x"],
            ["--public-url", "http://"],
            ["--public-url", "http://x/?q"],
            ["--fixtures", "/no/such/dir"],
            ["--log-format", "xml"],
            ["--fault-headers", "no"],
            ["--database", ""],
            ["--read-timeout", "0"],
            ["--read-timeout", "1e-10"],
            ["--read-timeout", "NaN"],
            ["--read-timeout", "5s"],
            ["--read-timeout", "3601"],
        ] {
            let rendered = parse(&args).unwrap_err().render().to_string();
            assert!(
                rendered.starts_with(&format!("error: invalid value '{}' for '{}", args[1], args[0])),
                "{rendered}"
            );
        }
    }

    #[test]
    fn listen_takes_an_address_localhost_or_a_bare_port() {
        for (given, expected) in [
            ("0.0.0.0:9000", "0.0.0.0:9000"),
            ("[::1]:9000", "[::1]:9000"),
            ("localhost:9000", "127.0.0.1:9000"),
            ("9000", "127.0.0.1:9000"),
            ("0", "127.0.0.1:0"),
        ] {
            let config = parse(&["--listen", given]).unwrap();
            assert_eq!(config.listen, expected.parse().unwrap(), "{given}");
            assert!(config.listen_from_command_line);
        }
    }

    #[test]
    fn healthcheck_takes_listen_after_the_subcommand() {
        let config = parse(&["healthcheck", "--listen", "9000"]).unwrap();
        assert_eq!(config.command, Some(Command::Healthcheck));
        assert_eq!(config.listen, "127.0.0.1:9000".parse().unwrap());
        assert!(config.listen_from_command_line);

        let config = parse(&["--listen", "9001", "healthcheck"]).unwrap();
        assert_eq!(config.listen, "127.0.0.1:9001".parse().unwrap());
        assert!(config.listen_from_command_line);

        let config = parse(&["healthcheck"]).unwrap();
        assert!(!config.listen_from_command_line);

        let mut command = Config::command();
        command.build();
        let help = command.find_subcommand_mut("healthcheck").unwrap().render_long_help().to_string();
        assert!(help.contains("--listen <ADDR>"), "{help}");
        assert!(help.contains("--address-file <PATH>"), "{help}");
    }

    #[test]
    fn errors_say_what_to_do() {
        let typo = parse(&["--listn", "9000"]).unwrap_err().render().to_string();
        assert!(typo.contains("tip: a similar argument exists: '--listen'"), "{typo}");
        assert!(typo.contains("For more information, try '--help'."), "{typo}");

        let choices = parse(&["--load-fixtures", "sometimes"]).unwrap_err().render().to_string();
        assert!(choices.contains("[possible values: if-new, always]"), "{choices}");

        let file = tempfile::NamedTempFile::new().unwrap();
        let path = file.path().to_str().unwrap();
        let rendered = parse(&["--fixtures", path]).unwrap_err().render().to_string();
        assert!(
            rendered.contains(&format!(
                "{path} is a file; --fixtures wants a directory holding any of click2mail.json, hostway.json, test-cards.json"
            )),
            "{rendered}"
        );
    }
}
