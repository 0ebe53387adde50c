//! The HTTP serving loop, with the timeout `axum::serve` leaves out: a client must send a
//! request's whole header within [`HEADER_READ_TIMEOUT`] or its connection is closed. Without
//! it, a client that opens connections and trickles a byte of header now and then (slowloris)
//! holds a task and a file descriptor each for ever, until the server can accept no one.
//!
//! Otherwise as `axum::serve` does it: hyper-util's HTTP/1 and HTTP/2 connection builder with
//! upgrades (the sync websockets), the client's address given to the handlers as
//! `ConnectInfo<ClientAddr>`, and on shutdown no new connection is accepted and the open ones
//! finish the request they are in (for at most [`SHUTDOWN_GRACE`]).

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tower::ServiceExt;

use crate::ClientAddr;

/// How long a client may take to send a request's header (the first one, or the next one on
/// a kept-alive connection, once it started it).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long shutdown waits for the requests under way.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` resolves.
pub async fn serve<L>(
    mut listener: L,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (io, addr) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let service = app.map_request(move |mut req: Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(ClientAddr(addr)));
                req.map(Body::new)
            });
            let mut builder = Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT);
            builder.http2().timer(TokioTimer::new());
            let conn = builder.serve_connection_with_upgrades(
                TokioIo::new(io),
                TowerToHyperService::new(service),
            );
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(client = %addr, error = %e, "connection ended with an error");
                    }
                }
                () = async { let _ = stop.wait_for(|s| *s).await.map(drop); } => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(SHUTDOWN_GRACE, conn).await;
                }
            }
            drop(stop);
        });
    }
    drop(listener);
    drop(stop_rx);
    let _ = stop_tx.send(true);
    // Every connection's task holds a receiver: the channel closes when the last has finished.
    let _ = tokio::time::timeout(SHUTDOWN_GRACE + Duration::from_secs(1), stop_tx.closed()).await;
    Ok(())
}
