//! `paymock healthcheck`: asks the server at `--listen` (or `PAYMOCK_LISTEN`) for
//! `GET /__admin/health` and exits 0 on a 200, 1 otherwise. The container image has no curl,
//! so this is its HEALTHCHECK, and a wait strategy for testcontainers.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// How long the whole check may take.
const TIMEOUT: Duration = Duration::from_secs(2);

/// Whether the server listening on `listen` answers health with a 200; why not otherwise.
pub fn check(listen: SocketAddr) -> Result<(), String> {
    let target = reachable(listen);
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
fn reachable(listen: SocketAddr) -> SocketAddr {
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
}
