//! The embedded DynamoDB (dynoxide) served over loopback, so that the real SDK client talks the
//! real wire protocol to it.

use std::net::SocketAddr;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A running embedded DynamoDB. Dropping it stops the server.
pub struct EmbeddedDynamo {
    addr: SocketAddr,
    /// The served database itself (a handle: clones share it), for the benchmark's bulk import.
    #[cfg_attr(not(feature = "bulk"), allow(dead_code))]
    pub(crate) db: dynoxide::Database,
    _stop: oneshot::Sender<()>,
}

impl EmbeddedDynamo {
    /// An in-memory database on `127.0.0.1:0` (one per test).
    pub async fn in_memory() -> std::io::Result<Self> {
        let db = dynoxide::Database::memory().map_err(std::io::Error::other)?;
        Self::serve(db, "127.0.0.1:0").await
    }

    /// A database persisted in the SQLite file at `path`, served on `addr`.
    pub async fn file_backed(path: &std::path::Path, addr: &str) -> std::io::Result<Self> {
        let path = path.to_str().ok_or_else(|| std::io::Error::other("database path is not UTF-8"))?;
        let db = dynoxide::Database::new(path).map_err(std::io::Error::other)?;
        Self::serve(db, addr).await
    }

    /// Serves `db` on a thread of its own with a single-threaded runtime, as DynamoDB is a
    /// service of its own: the database's work (HTTP and SQLite) never queues behind the API's
    /// requests on the caller's runtime, nor theirs behind it. On the caller's runtime the two
    /// shared its workers, and a request through the local server waited for the database's work
    /// where the same calls made from outside that runtime did not (BENCHMARKS.md, part 2).
    async fn serve(db: dynoxide::Database, addr: &str) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        // Registered with the database's own runtime, which then moves to its thread.
        let listener = {
            let _in_runtime = runtime.enter();
            TcpListener::from_std(listener)?
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let served = db.clone();
        std::thread::Builder::new().name("embedded-dynamodb".into()).spawn(move || {
            runtime.block_on(async move {
                if let Err(e) = dynoxide::server::serve_with_shutdown(listener, served, async {
                    let _ = stopped.await;
                })
                .await
                {
                    tracing::error!(error = %e, "embedded DynamoDB stopped");
                }
            });
        })?;
        Ok(EmbeddedDynamo { addr, db, _stop: stop })
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}
