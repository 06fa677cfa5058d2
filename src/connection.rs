//! Connections that a fault can drop. The server accepts through [`DroppableListener`]; each
//! connection's [`ConnectionHandle`] reaches handlers as `ConnectInfo`, and once a fault
//! [`ConnectionHandle::drop_connection`]s it, nothing more is written: the connection closes
//! with no reply, or is reset.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

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

impl Connected<IncomingStream<'_, DroppableListener>> for ConnectionHandle {
    fn connect_info(stream: IncomingStream<'_, DroppableListener>) -> Self {
        stream.remote_addr().clone()
    }
}

pub struct DroppableListener(pub TcpListener);

impl Listener for DroppableListener {
    type Io = DroppableStream;
    type Addr = ConnectionHandle;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, remote) = Listener::accept(&mut self.0).await;
        let state = Arc::new(AtomicU8::new(OPEN));
        (DroppableStream { stream, state: state.clone() }, ConnectionHandle { remote, state })
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(ConnectionHandle { remote: self.0.local_addr()?, state: Arc::new(AtomicU8::new(OPEN)) })
    }
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
