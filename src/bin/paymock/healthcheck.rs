//! `paymock healthcheck`: asks the server for `GET /__admin/health` and exits 0 on a 200, 1
//! otherwise. The container image has no curl, so this is its HEALTHCHECK, and a wait
//! strategy for testcontainers.
//!
//! Which server: the one at `--listen` when that is given after `healthcheck`; otherwise the
//! address the server wrote to its address file (`PAYMOCK_ADDRESS_FILE`), so that the check
//! follows a server started on another port than `PAYMOCK_LISTEN` says; otherwise
//! `PAYMOCK_LISTEN` or the default.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

/// How long the whole check may take.
const TIMEOUT: Duration = Duration::from_secs(2);

/// The address to probe, by the rule in the module doc.
pub fn target(listen: SocketAddr, listen_given: bool, address_file: Option<&Path>) -> Result<SocketAddr, String> {
    let from_file = address_file.filter(|_| !listen_given).filter(|file| file.exists());
    let listen = match from_file {
        Some(file) => {
            let text = std::fs::read_to_string(file).map_err(|err| format!("{}: {err}", file.display()))?;
            text.trim()
                .parse()
                .map_err(|_| format!("{} does not hold an address: {:?}", file.display(), text.trim()))?
        }
        None => listen,
    };
    Ok(reachable(listen))
}

/// Whether the server at `target` answers health with a 200; why not otherwise.
pub fn check(target: SocketAddr) -> Result<(), String> {
    let mut stream = TcpStream::connect_timeout(&target, TIMEOUT).map_err(|err| format!("{target}: {err}"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|err| err.to_string())?;
    let request = format!("GET /__admin/health HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(|err| format!("{target}: {err}"))?;
    let mut status_line = [0u8; 12];
    stream.read_exact(&mut status_line).map_err(|err| format!("{target}: {err}"))?;
    match &status_line {
        b"HTTP/1.1 200" => Ok(()),
        other => Err(format!("{target} answered {}", String::from_utf8_lossy(other))),
    }
}

/// A server listening on every address is reached on loopback.
pub fn reachable(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_address_is_checked_on_loopback() {
        assert_eq!(reachable("0.0.0.0:8080".parse().unwrap()), "127.0.0.1:8080".parse().unwrap());
        assert_eq!(reachable("[::]:8080".parse().unwrap()), "[::1]:8080".parse().unwrap());
        assert_eq!(reachable("10.1.2.3:80".parse().unwrap()), "10.1.2.3:80".parse().unwrap());
    }

    #[test]
    fn the_address_file_wins_unless_listen_is_given() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("address");
        let listen: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let probe = |given, file: &Path| target(listen, given, Some(file));

        assert_eq!(probe(false, &file), Ok("127.0.0.1:8080".parse().unwrap()), "no file yet");
        std::fs::write(&file, "0.0.0.0:9000\n").unwrap();
        assert_eq!(probe(false, &file), Ok("127.0.0.1:9000".parse().unwrap()));
        assert_eq!(probe(true, &file), Ok("127.0.0.1:8080".parse().unwrap()));
        std::fs::write(&file, "nonsense").unwrap();
        assert_eq!(probe(false, &file), Err(format!("{} does not hold an address: \"nonsense\"", file.display())));
    }
}
