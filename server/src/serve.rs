//! Serving connections within limits, so that slow or idle clients cannot hold the server:
//! a cap on connections open at once (more wait in the kernel's listen queue), a deadline for a
//! request's headers (which also closes a keep-alive connection left idle), and a deadline for
//! each request's handling, its body included.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_connections: usize,
    /// From a connection's opening, or the end of its last response, to the end of the next
    /// request's headers.
    pub headers: Duration,
    /// From the end of a request's headers to its response, reading its body included.
    pub request: Duration,
}

impl Limits {
    pub fn new(max_connections: usize) -> Limits {
        Limits { max_connections, headers: Duration::from_secs(10), request: Duration::from_secs(30) }
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open requests finish (for
/// up to ten seconds).
pub async fn serve(listener: TcpListener, app: Router, limits: Limits, shutdown: impl Future<Output = ()>) {
    let app = app.layer(tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        limits.request,
    ));
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(limits.headers);
    builder.http2().timer(TokioTimer::new()).keep_alive_interval(Some(limits.headers));
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, say: wait rather than spin or stop serving.
                    tracing::warn!("accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone().layer(axum::Extension(ConnectInfo::<SocketAddr>(peer))));
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that goes away mid-request is routine, not an error of the server's.
            if let Err(e) = connection.await {
                tracing::debug!("connection from a client ended: {e}");
            }
            drop(permit);
        });
    }
    if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await.is_err() {
        tracing::warn!("some connections were still open ten seconds after shutdown began");
    }
}
