#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod admin;
pub mod archive;
pub mod audit;
pub mod auth;
pub mod ca;
pub mod cache;
pub mod copies;
pub mod crl;
pub mod db;
pub mod demo;
pub mod error;
pub mod events;
pub mod incoming;
pub mod issuance;
pub mod meetings;
pub mod outbox;
pub mod push;
pub mod requests;
pub mod retimestamp;
pub mod routes;
pub mod seal;
pub mod state;
pub mod store;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod tsa;

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use sqlx::Row;
use tower_http::trace::TraceLayer;

pub use state::{AppState, Clock, Config, SystemClock};

/// The application: every route with its state. Tests call it without a socket.
pub fn app(state: AppState) -> Router {
    routes::router(state.config.max_upload)
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// RFC 3339 in UTC, the one time format in the database and on the wire.
pub fn now_rfc3339(t: time::OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// How to run `kyso serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Data directory.
    pub data_dir: PathBuf,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// PostgreSQL URL; SQLite in the data directory when absent.
    pub database_url: Option<String>,
    /// TLS certificate and key (PEM); required unless listening on loopback.
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// Removes stored documents that no row refers to (left by a crash between
/// writing a file and committing its row).
pub async fn sweep_documents(state: &AppState) -> Result<usize, String> {
    let rows = sqlx::query("SELECT sha256 FROM documents")
        .fetch_all(state.db.pool())
        .await
        .map_err(|e| e.to_string())?;
    let referenced: HashSet<String> = rows
        .iter()
        .filter_map(|r| r.try_get::<String, _>(0).ok())
        .collect();
    state.store.sweep(&referenced).map_err(|e| e.to_string())
}

/// Runs the gateway until SIGINT or SIGTERM, then shuts down gracefully.
pub async fn serve(opts: ServeOptions, state: AppState) -> Result<(), String> {
    serve_until(opts, state, shutdown_signal()).await
}

/// Runs the gateway until `shutdown` completes (tests and benchmarks stop
/// it so; `serve` on SIGINT or SIGTERM), then shuts down gracefully: the
/// event streams end at once, requests in flight get ten seconds.
pub async fn serve_until(
    opts: ServeOptions,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    if opts.tls.is_none() && !opts.listen.ip().is_loopback() {
        return Err(format!(
            "plain HTTP is allowed only on loopback; give --tls-cert and --tls-key to listen on {}",
            opts.listen
        ));
    }
    let removed = sweep_documents(&state).await?;
    if removed > 0 {
        tracing::warn!(removed, "removed unreferenced document files");
    }
    let outbox = tokio::spawn(outbox::run(state.clone()));
    let push = tokio::spawn(push::run(state.clone()));
    let expiry_state = state.clone();
    let expiry = tokio::spawn(async move {
        loop {
            if let Err(e) = requests::expire_due(&expiry_state).await {
                tracing::error!(error = %e.message, "deadline expiry");
            }
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
        }
    });
    // Re-timestamping the archive: at start, then daily (a TSA is needed).
    let retimestamp = state
        .tsa
        .is_some()
        .then(|| tokio::spawn(retimestamp::run_daily(state.clone())));
    let closing = state.clone();
    let app = app(state);
    let handle = axum_server::Handle::new();
    let h = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        // Event streams never end by themselves: end them, so that the
        // grace period is for requests in flight only.
        closing.events.close();
        h.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
    });
    let result = match &opts.tls {
        Some((cert, key)) => {
            // Two rustls crypto providers are compiled in (reqwest's ring,
            // axum-server's aws-lc-rs); pick one explicitly or rustls refuses.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(|e| format!("TLS certificate or key: {e}"))?;
            tracing::info!(listen = %opts.listen, "serving HTTPS");
            // TCP_NODELAY: answers and events go out when written, not
            // when Nagle's algorithm lets them.
            let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(config)
                .acceptor(axum_server::accept::NoDelayAcceptor);
            axum_server::bind(opts.listen)
                .acceptor(acceptor)
                .handle(handle)
                .serve(app.into_make_service())
                .await
        }
        None => {
            tracing::info!(listen = %opts.listen, "serving HTTP on loopback");
            axum_server::bind(opts.listen)
                .acceptor(axum_server::accept::NoDelayAcceptor)
                .handle(handle)
                .serve(app.into_make_service())
                .await
        }
    };
    outbox.abort();
    push.abort();
    expiry.abort();
    if let Some(r) = retimestamp {
        r.abort();
    }
    result.map_err(|e| format!("server: {e}"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// A shared system clock.
pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}
