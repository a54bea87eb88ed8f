//! Timings of the app's own work, for the page-1 benchmark
//! (`scripts/bench-app`): with `KYSO_TRACE=FILE` in the environment, the
//! tracing spans of opening a document and rendering its pages are
//! appended to FILE as JSON lines, one per closed span (its name, its
//! fields: request id, page, width, whether the document came from the
//! cache; and `time.busy` / `time.idle`). The spans carry ids and sizes,
//! never a document's contents. Without `KYSO_TRACE` nothing is recorded
//! and the spans cost next to nothing.
//!
//! The web view's part of the same wait (from the route to page 1 painted)
//! is a User Timing measure (ui/src/timing.ts).

use std::fs::OpenOptions;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// The environment variable naming the trace file.
pub const ENV: &str = "KYSO_TRACE";

/// Installs the JSON span recorder when `KYSO_TRACE` names a file it can
/// append to; says on stderr when it cannot.
pub fn init_from_env() {
    let Some(path) = std::env::var_os(ENV).filter(|p| !p.is_empty()) else {
        return;
    };
    let file = match OpenOptions::new().create(true).append(true).open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "kyso: warning: {ENV}={} cannot be written ({e}); no timings recorded",
                path.to_string_lossy()
            );
            return;
        }
    };
    let _ = tracing_subscriber::fmt()
        .json()
        .with_span_events(FmtSpan::CLOSE)
        .with_env_filter(EnvFilter::new("kyso_app=info"))
        .with_writer(Mutex::new(file))
        .try_init();
}
