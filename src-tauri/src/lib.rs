//! The Kyso app shell (Tauri 2): the IPC commands of ui/README.md over
//! kyso-client, the app's local state, and the background task that keeps
//! the web view up to date. See README.md.
//!
//! * [`run`] starts the app (desktop `main.rs`, and the mobile entry point);
//! * [`builder`] registers the keystore and deep-link plugins, the commands
//!   and the setup on any [`tauri::Builder`], so the tests drive the same
//!   app on Tauri's mock runtime; [`run`] adds what only the real app has:
//!   one instance per desktop session, and the notification plugin where
//!   the app does not talk to the notification server itself;
//! * [`context`] is the generated context (configuration, capabilities,
//!   icons, the bundled `ui/dist` in release builds).

#![forbid(unsafe_code)]

use std::path::PathBuf;

use tauri::{Manager, Runtime};

pub mod commands;
pub mod error;
pub mod issuance;
pub mod keystore;
pub mod links;
pub mod meetings;
pub mod model;
pub mod notify;
pub mod push;
pub mod render;
pub mod state;
pub mod sync;
pub mod trace;
pub mod vault;
pub mod verification;

mod cache;
mod documents;
mod session;
mod signing;

pub use error::{IpcError, Result};
pub use state::Kyso;

/// How the app keeps its state.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the app keeps its files (session, device record, queue, the
    /// encrypted cache and, on desktop, the keystore's key files); default:
    /// the platform's app data directory for `vn.kyso.app`.
    pub data_dir: Option<PathBuf>,
    /// Whether secrets may go to the OS keyring (the session token, the
    /// cache key, desktop keys made without a passphrase). Off, they go to
    /// 0600 files and desktop keys need a passphrase. Default: on.
    pub os_keyring: bool,
    /// Whether the cache key is wrapped by the keystore plugin's wrapping
    /// key (see [`vault`]). Default: on the phones, where it is a hardware
    /// key; the desktop keeps it in the OS keyring. The app's tests turn it
    /// on to run the phones' path with the desktop plugin's software key.
    pub cache_key_in_keystore: bool,
    /// Where libpdfium is, when not next to the executable nor named by
    /// `$KYSO_PDFIUM_DIR` (see [`render`]).
    pub pdfium_dir: Option<PathBuf>,
    /// Where `export_notes` writes; default: the downloads folder (the
    /// documents folder where there is none).
    pub export_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            data_dir: None,
            os_keyring: true,
            cache_key_in_keystore: cfg!(mobile),
            pdfium_dir: None,
            export_dir: None,
        }
    }
}

impl Options {
    /// Options with the state in `dir` (and exports in `dir/exports`).
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        let dir = dir.into();
        Self {
            export_dir: Some(dir.join("exports")),
            data_dir: Some(dir),
            ..Self::default()
        }
    }
}

/// The app on `builder`: the keystore and deep-link plugins, the thirty-three
/// commands, and a setup that opens the state, follows the deep links and
/// starts the background task.
pub fn builder<R: Runtime>(builder: tauri::Builder<R>, options: Options) -> tauri::Builder<R> {
    let mut keystore = tauri_plugin_kyso_keystore::Builder::new();
    if let Some(dir) = &options.data_dir {
        keystore = keystore.key_dir(dir.join("keystore"));
    }
    // Push on the phones (push.rs); the desktop follows the gateway's events.
    #[cfg(mobile)]
    let builder = builder.plugin(push::plugin());
    builder
        .plugin(keystore.build())
        .plugin(tauri_plugin_deep_link::init())
        .invoke_handler(tauri::generate_handler![
            commands::app_state,
            commands::configure_server,
            commands::login,
            commands::logout,
            commands::enroll,
            commands::inbox,
            commands::request,
            commands::open_document,
            commands::render_page,
            commands::sign,
            commands::decline,
            commands::history,
            commands::queue_status,
            commands::flush_queue,
            commands::set_language,
            commands::quiet_hours,
            commands::set_quiet_hours,
            commands::remove_key,
            commands::meetings,
            commands::meeting,
            commands::download_meeting,
            commands::open_meeting_document,
            commands::give_opinion,
            commands::present,
            commands::delegate_presenter,
            commands::follow_meeting,
            commands::save_note,
            commands::export_notes,
            commands::issuance,
            commands::open_issuance_document,
            commands::issue,
            commands::save_issued,
            commands::make_copy,
        ])
        .setup(move |app| {
            let kyso = Kyso::open(app.handle(), options.clone())?;
            kyso.render.warm_up();
            app.manage(kyso);
            links::listen(app.handle());
            sync::spawn(app.handle().clone());
            Ok(())
        })
}

/// The generated context: tauri.conf.json, the capabilities, the icons and,
/// with the `custom-protocol` feature (release builds), `ui/dist`.
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Runs the app.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    trace::init_from_env();
    let app = tauri::Builder::default();
    // First: a second launch (`kyso-app kyso://request/ID`, or the desktop
    // opening a kyso:// link) hands its arguments to the running app and
    // exits before it opens a window; there the deep-link plugin turns a
    // link into a `links::open_url`, and the window comes to the front.
    // Not in `builder`: the tests run several apps at once.
    #[cfg(desktop)]
    let app = app.plugin(tauri_plugin_single_instance::init(|app, _, _| {
        links::raise(app)
    }));
    // On Linux the app talks to the notification server itself (notify.rs).
    #[cfg(not(target_os = "linux"))]
    let app = app.plugin(tauri_plugin_notification::init());
    let app = builder(app, Options::default()).run(context());
    if let Err(e) = app {
        eprintln!("kyso: the app cannot start: {e}");
        std::process::exit(1);
    }
}
