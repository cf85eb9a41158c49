//! The endpoint's connections: hyper with header-read and body timeouts, and a
//! cap on open connections that closes the oldest idle one first, so a flood of
//! idle or half-sent connections never keeps `/healthz` from answering.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response};
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{AbortHandle, JoinSet};
use tower::Service;
use tower_http::timeout::TimeoutBody;

/// Open connections at most. Far below systemd's default of 1,024 open
/// files, so the store, Discord and Google always have descriptors left.
const MAX_CONNECTIONS: usize = 256;
/// A request's headers must arrive within this; it is also how long an idle
/// keep-alive connection stays open.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A request body that sends nothing for this long is abandoned.
const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a stopping daemon lets requests in progress finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Connections kept for `/healthz` alone once [`MAX_CONNECTIONS`] are busy: a
/// monitor's check answers whatever the authenticated load.
const RESERVED_CONNECTIONS: usize = 16;

/// Serves `app` on `listener` until `stop` turns true. When every one of its
/// connections is busy, up to [`RESERVED_CONNECTIONS`] more are served by
/// `reserve` (health only) instead of being refused.
pub(super) async fn serve(
    listener: TcpListener,
    app: Router,
    reserve: Option<Router>,
    stop: watch::Receiver<bool>,
) {
    let capacity = Capacity {
        connections: MAX_CONNECTIONS,
        reserved: RESERVED_CONNECTIONS,
    };
    serve_with(capacity, listener, app, reserve, stop).await;
}

/// How many connections [`serve_with`] keeps open, and how many more for the reserve.
#[derive(Clone, Copy)]
struct Capacity {
    connections: usize,
    reserved: usize,
}

async fn serve_with(
    capacity: Capacity,
    listener: TcpListener,
    app: Router,
    reserve: Option<Router>,
    mut stop: watch::Receiver<bool>,
) {
    let open = Arc::new(OpenConnections::default());
    let reserved = Arc::new(OpenConnections::default());
    let graceful = GracefulShutdown::new();
    let mut tasks = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|s| *s) => break,
        };
        while tasks.try_join_next().is_some() {}
        let stream = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, most likely: make room and retry
                // shortly instead of spinning.
                tracing::warn!("HTTP endpoint: accepting a connection failed: {e}");
                open.close_oldest_idle();
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let (stream, peer) = stream;
        if open.len() < capacity.connections || open.close_oldest_idle() {
            open.start(&mut tasks, &graceful, stream, peer, app.clone());
            continue;
        }
        // Every connection is in the middle of a request.
        if let Some(health) = &reserve
            && (reserved.len() < capacity.reserved || reserved.close_oldest_idle())
        {
            reserved.start(&mut tasks, &graceful, stream, peer, health.clone());
            continue;
        }
        // Refusing this one keeps the cap.
        tracing::warn!(
            "HTTP endpoint: {} requests in progress; a connection was refused",
            capacity.connections
        );
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("HTTP endpoint: requests still in progress at shutdown were cut off");
    }
}

/// The open connections in the order they were accepted, each with the
/// number of requests it has in progress.
#[derive(Default)]
struct OpenConnections {
    by_age: Mutex<BTreeMap<u64, OpenConnection>>,
    next_id: AtomicUsize,
}

struct OpenConnection {
    abort: AbortHandle,
    in_progress: Arc<AtomicUsize>,
}

impl OpenConnections {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, OpenConnection>> {
        self.by_age.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn len(&self) -> usize {
        self.lock().len()
    }

    /// Closes the oldest connection with no request in progress (idle, or
    /// still sending its headers); false when every connection is busy.
    fn close_oldest_idle(&self) -> bool {
        let mut by_age = self.lock();
        let idle = by_age
            .iter()
            .find(|(_, c)| c.in_progress.load(Ordering::Acquire) == 0)
            .map(|(id, _)| *id);
        match idle.and_then(|id| by_age.remove(&id)) {
            Some(connection) => {
                connection.abort.abort();
                true
            }
            None => false,
        }
    }

    fn start(
        self: &Arc<Self>,
        tasks: &mut JoinSet<()>,
        graceful: &GracefulShutdown,
        stream: TcpStream,
        peer: SocketAddr,
        app: Router,
    ) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) as u64;
        let in_progress = Arc::new(AtomicUsize::new(0));
        let counter = in_progress.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let busy = InProgress::enter(&counter);
            let mut request = request.map(|body| TimeoutBody::new(BODY_IDLE_TIMEOUT, body));
            // Who connected: `[web]` lets only its trusted proxies assert a user.
            request.extensions_mut().insert(ConnectInfo(peer));
            let mut app = app.clone();
            async move {
                let response: Response<Body> = match app.call(request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
                // The request counts as in progress until its answer is sent.
                Ok::<_, Infallible>(response.map(|body| Body::new(Answer { body, _busy: busy })))
            }
        });
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        let registry = self.clone();
        // Registered under the lock the task needs to unregister, so a
        // connection that ends at once cannot leave a stale entry.
        let mut by_age = self.lock();
        let abort = tasks.spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("HTTP connection ended: {e}");
            }
            registry.lock().remove(&id);
        });
        by_age.insert(id, OpenConnection { abort, in_progress });
    }
}

/// Counts one request in progress on its connection while alive.
struct InProgress(Arc<AtomicUsize>);

impl InProgress {
    fn enter(counter: &Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::AcqRel);
        Self(counter.clone())
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its request counted until it is sent.
struct Answer {
    body: Body,
    _busy: InProgress,
}

impl hyper::body::Body for Answer {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn ask(address: SocketAddr, path: &str) -> (TcpStream, String) {
        let mut stream = TcpStream::connect(address).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = vec![0; 1024];
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer)).await;
        let text = match read {
            Ok(Ok(n)) => String::from_utf8_lossy(&answer[..n]).into_owned(),
            _ => String::new(),
        };
        (stream, text)
    }

    #[tokio::test]
    async fn health_is_answered_on_the_reserve_when_every_connection_is_busy() {
        let (release, released) = watch::channel(false);
        let app = Router::new().route(
            "/slow",
            get(move || {
                let mut released = released.clone();
                async move {
                    let _ = released.wait_for(|r| *r).await;
                    "done"
                }
            }),
        );
        let health = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .fallback(|| async { (axum::http::StatusCode::SERVICE_UNAVAILABLE, "busy") });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (stop, stopped) = watch::channel(false);
        let capacity = Capacity {
            connections: 2,
            reserved: 1,
        };
        let server = tokio::spawn(serve_with(capacity, listener, app, Some(health), stopped));

        // Two requests in progress fill the cap; nothing idle can be closed.
        let mut busy = Vec::new();
        for _ in 0..2 {
            let mut stream = TcpStream::connect(address).await.unwrap();
            stream
                .write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
                .await
                .unwrap();
            busy.push(stream);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (_kept, answer) = ask(address, "/healthz").await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
        let (_, answer) = ask(address, "/slow").await;
        assert!(
            answer.starts_with("HTTP/1.1 503"),
            "the reserve serves health only: {answer:?}"
        );

        release.send(true).unwrap();
        stop.send(true).unwrap();
        drop(busy);
        server.await.unwrap();
    }
}
