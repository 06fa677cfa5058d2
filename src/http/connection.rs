//! The connection loop, and connections that a fault can drop. [`serve`] accepts each
//! connection, bounds how long a client may take to send its request headers, and hands the
//! connection's [`ConnectionHandle`] to handlers as `ConnectInfo`; once a fault
//! [`ConnectionHandle::drop_connection`]s it, nothing more is written: the connection closes
//! with no reply, or is reset.

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
        let connection = http.serve_connection(TokioIo::new(DroppableStream { stream, state }), service);
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

pub struct DroppableStream {
    stream: TcpStream,
    state: Arc<AtomicU8>,
}

impl DroppableStream {
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
}

impl AsyncRead for DroppableStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for DroppableStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.check()?;
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.check()?;
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.check()?;
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
