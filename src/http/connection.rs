//! The connection loop, and connections that a fault can drop. [`serve`] accepts each
//! connection, bounds how long a client may take to send its request headers, and hands the
//! connection's [`ConnectionHandle`] to handlers as `ConnectInfo`; once a fault
//! [`ConnectionHandle::drop_connection`]s it, nothing more is written: the connection closes
//! with no reply, or is reset.
//!
//! hyper answers some requests itself, before any route sees them: a malformed request line
//! (400), a URI too long (414), headers too large (431). [`SandboxStream`] gives those answers
//! the `X-Paymock-Version` header that every other reply carries, so that a client can tell it
//! is talking to the sandbox whatever went wrong.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

/// How a dropped connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drop {
    /// Closed without a byte of reply: the client sees an empty reply.
    Empty,
    /// Reset (RST): the client sees "connection reset by peer".
    Reset,
}

const OPEN: u8 = 0;
const EMPTY: u8 = 1;
const RESET: u8 = 2;

#[derive(Debug, Clone)]
pub struct ConnectionHandle {
    pub remote: SocketAddr,
    state: Arc<AtomicU8>,
}

impl ConnectionHandle {
    /// From now on the connection writes nothing and is closed as `how` says.
    pub fn drop_connection(&self, how: Drop) {
        self.state.store(if how == Drop::Reset { RESET } else { EMPTY }, Ordering::SeqCst);
    }
}

/// Serves `app` on `listener`, HTTP/1.1, until `shutdown` completes; then stops accepting
/// and waits for the connections still open to finish their requests.
///
/// A client gets `read_timeout` to send each request's headers (an idle keep-alive
/// connection is closed after as long); `request_body::buffer` gives it as long again for the
/// body.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(read_timeout);
    let open_connections = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, remote) = match accepted {
            Ok(accepted) => accepted,
            // The client gave up before it was accepted: nothing to serve.
            Err(err) if is_connection_error(&err) => continue,
            // Out of file descriptors, most likely: wait for some to close.
            Err(err) => {
                tracing::error!(%err, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let state = Arc::new(AtomicU8::new(OPEN));
        let handle = ConnectionHandle { remote, state: state.clone() };
        let app = app.clone();
        let service = service_fn(move |request: Request<Incoming>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(handle.clone()));
            app.clone().oneshot(request)
        });
        let connection = http.serve_connection(TokioIo::new(SandboxStream::new(stream, state)), service);
        let connection = open_connections.watch(connection);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%err, %remote, "connection ended with an error");
            }
        });
    }
    drop(listener);
    open_connections.shutdown().await;
    Ok(())
}

fn is_connection_error(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// The connection's socket: it writes nothing once a fault dropped the connection, and adds
/// the version header to the responses hyper writes on its own.
pub struct SandboxStream {
    stream: TcpStream,
    state: Arc<AtomicU8>,
    /// A response head rewritten with the version header: the caller was told it was written,
    /// so it goes out before anything else.
    owed: Vec<u8>,
    owed_from: usize,
}

impl SandboxStream {
    fn new(stream: TcpStream, state: Arc<AtomicU8>) -> SandboxStream {
        SandboxStream { stream, state, owed: Vec::new(), owed_from: 0 }
    }

    /// Fails every write once the connection is dropped, so the server closes it having
    /// written nothing; for a reset, the close then sends RST.
    fn check(&self) -> io::Result<()> {
        match self.state.load(Ordering::SeqCst) {
            OPEN => Ok(()),
            state => {
                if state == RESET {
                    self.stream.set_zero_linger()?;
                }
                Err(io::Error::new(io::ErrorKind::ConnectionAborted, "connection dropped by a fault"))
            }
        }
    }

    /// Writes what is owed; ready once all of it is out.
    fn poll_owed(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.owed_from < self.owed.len() {
            match Pin::new(&mut self.stream).poll_write(cx, &self.owed[self.owed_from..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(written)) => self.owed_from += written,
                Poll::Ready(Err(err)) => return Poll::Ready(Err(err)),
                Poll::Pending => return Poll::Pending,
            }
        }
        self.owed.clear();
        self.owed_from = 0;
        Poll::Ready(Ok(()))
    }
}

/// `buf` with the version header added, when it starts a final response head that lacks it:
/// one that hyper wrote itself, as every response the router makes carries it.
fn with_version_header(buf: &[u8]) -> Option<Vec<u8>> {
    let rest = buf.strip_prefix(b"HTTP/1.1 ")?;
    if rest.first() == Some(&b'1') {
        return None; // 100 Continue and other interim responses
    }
    let head_end = buf.windows(4).position(|window| window == b"\r\n\r\n")?;
    let head = &buf[..head_end + 2];
    let marker = format!("\r\n{}:", crate::VERSION_HEADER);
    if head.windows(marker.len()).any(|window| window.eq_ignore_ascii_case(marker.as_bytes())) {
        return None;
    }
    let status_line_end = buf.windows(2).position(|window| window == b"\r\n")? + 2;
    let header = format!("{}: {}\r\n", crate::VERSION_HEADER, env!("CARGO_PKG_VERSION"));
    Some([&buf[..status_line_end], header.as_bytes(), &buf[status_line_end..]].concat())
}

impl AsyncRead for SandboxStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for SandboxStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.check()?;
        std::task::ready!(self.poll_owed(cx))?;
        if let Some(rewritten) = with_version_header(buf) {
            self.owed = rewritten;
            // The whole of `buf` is now this stream's to write; flushing finishes the job.
            let _ = self.poll_owed(cx)?;
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    /// Not vectored: hyper then writes each response head in one buffer, where
    /// [`with_version_header`] can see it whole.
    fn is_write_vectored(&self) -> bool {
        false
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check()?;
        std::task::ready!(self.poll_owed(cx))?;
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check()?;
        std::task::ready!(self.poll_owed(cx))?;
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_hyper_writes_get_the_version_header() {
        let version = env!("CARGO_PKG_VERSION");
        let rewritten = with_version_header(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n").unwrap();
        assert_eq!(
            String::from_utf8(rewritten).unwrap(),
            format!("HTTP/1.1 400 Bad Request\r\nx-paymock-version: {version}\r\ncontent-length: 0\r\n\r\n")
        );
        for untouched in [
            "HTTP/1.1 200 OK\r\nx-paymock-version: 0.1.0\r\n\r\nbody".as_bytes(),
            b"HTTP/1.1 404 Not Found\r\nX-Paymock-Version: 0.1.0\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 100 Continue\r\n\r\n",
            b"<credit>...</credit>",
            b"HTTP/1.1 400 Bad Request\r\ncontent-le",
        ] {
            assert_eq!(with_version_header(untouched), None, "{}", String::from_utf8_lossy(untouched));
        }
    }
}
