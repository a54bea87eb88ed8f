//! The app's state, in its data directory:
//!
//! | file | what | kept by |
//! | --- | --- | --- |
//! | `settings.json` | the gateway (URL, pin) and the language; no secret | here |
//! | `session.json` | the session; its token in the OS keyring, else in the file (0600) | kyso-client `Store` |
//! | `device.json`, `device-chain.pem` | the enrolled device and its certificate chain | kyso-client `Store` |
//! | `device-key.json` | the keystore alias of the device key and how it is kept | here |
//! | `queue.sqlite` | signed PDFs waiting to upload (durable, idempotent) | kyso-client `Queue` |
//! | `cache/` | documents and request lists, AES-256-GCM sealed | [`crate::vault`], [`crate::cache`] |
//! | `cache.key`, `install-id` | the cache key when no OS keyring is usable | [`crate::vault`] |
//! | `keystore/` | desktop key records and passphrase-encrypted key files | the keystore plugin |
//!
//! Every file is 0600 in 0700 directories.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use kyso_client::{Client, DeviceRecord, Queue, Session, SpkiPin, Store};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::Options;
use crate::cache::Cache;
use crate::error::{AppCode, IpcError, Result};
use crate::model::{self, KeyStorage, Language, QueueStatus, QueuedUpload, ServerInfo};
use crate::render::Renderer;

const SETTINGS: &str = "settings.json";
const DEVICE_KEY: &str = "device-key.json";

/// `settings.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Settings {
    /// The configured gateway.
    #[serde(default)]
    pub server: Option<ServerInfo>,
    /// The language of the app's own texts.
    #[serde(default)]
    pub language: Language,
}

/// `device-key.json`: what the app needs beside kyso-client's
/// [`DeviceRecord`] (whose `KeyLocation` knows only kyso-client's own key
/// files and keyring entries, not a keystore-plugin alias).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceKey {
    /// The keystore plugin's alias.
    pub alias: String,
    /// How the key is kept.
    pub key_storage: KeyStorage,
    /// Platform at enrollment.
    pub platform: String,
    /// Model at enrollment.
    pub model: String,
}

/// The connection and the uploads, as the UI is told.
#[derive(Debug, Default)]
pub struct Net {
    /// Whether the gateway answered last time.
    pub online: AtomicBool,
    /// Whether an upload is under way.
    pub uploading: AtomicBool,
    /// The last upload failure.
    pub last_error: Mutex<Option<IpcError>>,
    /// When each queued request was last tried (this run).
    pub attempts: Mutex<HashMap<String, String>>,
}

/// Everything the commands share (managed by Tauri: `State<'_, Kyso>`).
#[derive(Debug)]
pub struct Kyso {
    /// Options.
    pub options: Options,
    /// The data directory.
    pub dir: PathBuf,
    /// Where the desktop keystore keeps its files.
    pub key_dir: PathBuf,
    /// Session and device (kyso-client).
    pub store: Store,
    /// Signed PDFs waiting to upload.
    pub queue: Queue,
    /// Encrypted documents and request lists.
    pub cache: Cache,
    /// pdfium and the open documents.
    pub render: Renderer,
    /// Connection and uploads.
    pub net: Net,
    /// One flush (or delivery) at a time.
    pub flush_lock: tokio::sync::Mutex<()>,
    /// One signature at a time (one prompt at a time).
    pub sign_lock: tokio::sync::Mutex<()>,
    /// Wakes the background task (login, logout, back online).
    pub wake: tokio::sync::Notify,
    /// Requests to show that the web view was not listening for yet.
    pub opens: crate::links::Opens,
    /// Requests already announced by a notification.
    pub notified: crate::notify::Notified,
    /// Notes and queued opinions of meetings, per user.
    pub notebook: crate::meetings::Notebook,
    /// The clerk's opened and issued documents.
    pub desk: crate::issuance::Desk,
    /// The presenter followed now, if any.
    pub following: Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
    settings: Mutex<Settings>,
    session: Mutex<Option<(Session, Client)>>,
    generation: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn storage(path: &Path, e: impl std::fmt::Display) -> IpcError {
    IpcError::internal(format!("{}: {e}", path.display()))
}

impl Kyso {
    /// Opens the state (creating the directory on first start).
    pub fn open<R: Runtime>(app: &AppHandle<R>, options: Options) -> Result<Self> {
        let dir = match &options.data_dir {
            Some(d) => d.clone(),
            None => app.path().app_data_dir()?,
        };
        let key_dir = match &options.data_dir {
            Some(d) => d.join("keystore"),
            None => app.path().app_local_data_dir()?.join("keystore"),
        };
        crate::vault::ensure_dir(&dir)?;
        let store = Store::new(&dir);
        let queue = tauri::async_runtime::block_on(Queue::open(&dir.join("queue.sqlite")))?;
        let vault = if options.cache_key_in_keystore {
            crate::vault::Vault::open_wrapped(&dir, crate::vault::PluginWrapper(app.clone()))?
        } else {
            crate::vault::Vault::open(&dir, options.os_keyring)?
        };
        let notebook = crate::meetings::Notebook::new(dir.join("meetings"), vault.clone());
        let cache = Cache::open(dir.join("cache"), vault);
        let settings: Settings = std::fs::read(dir.join(SETTINGS))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        // A saved session whose token cannot be read (keyring locked or
        // gone) is no session: the user logs in again.
        let session = store
            .load_session()
            .ok()
            .flatten()
            .filter(|s| !s.is_expired())
            .filter(|s| {
                settings
                    .server
                    .as_ref()
                    .is_some_and(|c| same_server(&c.url, &s.server))
            })
            .and_then(|s| {
                let c = Client::new(&s.server, s.pin).ok()?;
                let c = c.with_token(s.token.clone());
                Some((s, c))
            });
        Ok(Self {
            render: Renderer::new(options.pdfium_dir.clone()),
            options,
            dir,
            key_dir,
            store,
            queue,
            cache,
            net: Net {
                // Optimistic until the first call says otherwise: no
                // "offline" flash at start.
                online: AtomicBool::new(true),
                ..Net::default()
            },
            flush_lock: Default::default(),
            sign_lock: Default::default(),
            wake: Default::default(),
            opens: Default::default(),
            notified: Default::default(),
            notebook,
            desk: Default::default(),
            following: Mutex::new(None),
            settings: Mutex::new(settings),
            session: Mutex::new(session),
            generation: AtomicU64::new(0),
        })
    }

    /// Where files the user keeps go (exported notes, issued PDFs): the
    /// downloads folder, else the documents folder (phones); created.
    pub fn export_dir<R: Runtime>(&self, app: &AppHandle<R>) -> Result<PathBuf> {
        let dir = match (&self.options.export_dir, app.path().download_dir()) {
            (Some(d), _) => d.clone(),
            (None, Ok(d)) => d,
            (None, Err(_)) => app.path().document_dir()?,
        };
        crate::vault::ensure_dir(&dir)?;
        Ok(dir)
    }

    /// The settings now.
    pub fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }

    /// Changes and saves the settings.
    pub fn update_settings(&self, f: impl FnOnce(&mut Settings)) -> Result<()> {
        let mut s = lock(&self.settings);
        f(&mut s);
        let json = serde_json::to_vec_pretty(&*s).map_err(|e| IpcError::internal(e.to_string()))?;
        let path = self.dir.join(SETTINGS);
        kyso_client::store::write_private(&path, &json).map_err(|e| storage(&path, e))
    }

    /// The language of the app's own texts.
    pub fn language(&self) -> Language {
        lock(&self.settings).language
    }

    /// The session, or `notLoggedIn` (none, or expired by the local clock).
    pub fn session(&self) -> Result<Session> {
        self.session_and_client().map(|(s, _)| s)
    }

    /// The authenticated client of the session.
    pub fn client(&self) -> Result<Client> {
        self.session_and_client().map(|(_, c)| c)
    }

    fn session_and_client(&self) -> Result<(Session, Client)> {
        let mut guard = lock(&self.session);
        match guard.as_ref() {
            Some((s, _)) if s.is_expired() => {
                *guard = None;
                drop(guard);
                self.forget_session();
                Err(not_logged_in())
            }
            Some((s, c)) => Ok((s.clone(), c.clone())),
            None => {
                if lock(&self.settings).server.is_none() {
                    Err(IpcError::app(
                        AppCode::NotConfigured,
                        "no gateway is configured",
                    ))
                } else {
                    Err(not_logged_in())
                }
            }
        }
    }

    /// Starts a session (after a login).
    pub fn set_session(&self, s: Session) -> Result<()> {
        self.store
            .save_session_with(&s, self.options.os_keyring)
            .map_err(IpcError::from)?;
        let client = Client::new(&s.server, s.pin)?.with_token(s.token.clone());
        *lock(&self.session) = Some((s, client));
        self.bump();
        Ok(())
    }

    /// Ends the session locally (logout, expiry, a 401, another gateway).
    pub fn drop_session(&self) {
        if let Some(h) = lock(&self.following).take() {
            h.abort();
        }
        let had = lock(&self.session).take().is_some();
        self.forget_session();
        if had {
            self.bump();
        }
    }

    fn forget_session(&self) {
        let _ = self.store.clear_session();
    }

    /// A change the background task must notice (session, gateway).
    fn bump(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Changes whenever the session or the gateway does.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The enrolled device of the session's user at the session's gateway:
    /// record, chain (PEM) and key, or `notEnrolled`.
    pub fn device(&self, session: &Session) -> Result<(DeviceRecord, String, DeviceKey)> {
        self.device_for(&session.server, Some(&session.user.username))
            .ok_or_else(|| IpcError::app(AppCode::NotEnrolled, "this device has no enrolled key"))
    }

    /// The enrolled device at `server` (for `username` when given).
    pub fn device_for(
        &self,
        server: &str,
        username: Option<&str>,
    ) -> Option<(DeviceRecord, String, DeviceKey)> {
        let (record, chain) = self.store.load_device().ok().flatten()?;
        if !same_server(&record.server, server) || username.is_some_and(|u| u != record.username) {
            return None;
        }
        let key = self.device_key()?;
        Some((record, chain, key))
    }

    /// `device-key.json`, whoever it was enrolled for.
    pub fn device_key(&self) -> Option<DeviceKey> {
        std::fs::read(self.dir.join(DEVICE_KEY))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
    }

    /// Saves the enrolled device.
    pub fn save_device(&self, record: &DeviceRecord, chain: &str, key: &DeviceKey) -> Result<()> {
        let json = serde_json::to_vec_pretty(key).map_err(|e| IpcError::internal(e.to_string()))?;
        let path = self.dir.join(DEVICE_KEY);
        kyso_client::store::write_private(&path, &json).map_err(|e| storage(&path, e))?;
        self.store.save_device(record, chain)?;
        Ok(())
    }

    /// Forgets the enrolled device (its key is deleted by the caller).
    pub fn remove_device(&self) -> Result<()> {
        for p in [
            self.store.device_path(),
            self.store.chain_path(),
            self.dir.join(DEVICE_KEY),
        ] {
            match std::fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(storage(&p, e)),
            }
        }
        Ok(())
    }

    /// The configured gateway as a client without a session.
    pub fn anonymous_client(&self) -> Result<(Client, ServerInfo)> {
        let server = lock(&self.settings)
            .server
            .clone()
            .ok_or_else(|| IpcError::app(AppCode::NotConfigured, "no gateway is configured"))?;
        let pin = server.pin.as_deref().map(parse_pin).transpose()?;
        Ok((Client::new(&server.url, pin)?, server))
    }

    // -- connection --------------------------------------------------------

    /// Records what a gateway call said about the connection and, for an
    /// authenticated call, the session (a 401 ends it).
    pub fn seen<R: Runtime, T>(
        &self,
        app: &AppHandle<R>,
        r: kyso_client::Result<T>,
        authenticated: bool,
    ) -> Result<T> {
        match r {
            Ok(v) => {
                self.set_online(app, true);
                Ok(v)
            }
            Err(e) => {
                match &e {
                    kyso_client::Error::Transport(_) => self.set_online(app, false),
                    kyso_client::Error::Api { status, .. } => {
                        self.set_online(app, true);
                        if authenticated && *status == 401 {
                            self.drop_session();
                        }
                    }
                    _ => {}
                }
                Err(e.into())
            }
        }
    }

    /// Notes whether the gateway answers; on a change, tells the web view
    /// (`queue-changed`) and, when it is back, wakes the background task to
    /// upload what waits.
    pub fn set_online<R: Runtime>(&self, app: &AppHandle<R>, online: bool) {
        if self.net.online.swap(online, Ordering::SeqCst) != online {
            if online {
                let mut last = lock(&self.net.last_error);
                if last.as_ref().is_some_and(IpcError::is_offline) {
                    *last = None;
                }
            } else {
                *lock(&self.net.last_error) = Some(IpcError::app(
                    AppCode::Offline,
                    "the gateway cannot be reached",
                ));
            }
            self.wake.notify_one();
            emit_queue(app);
        }
    }

    /// Whether the gateway answered last time.
    pub fn online(&self) -> bool {
        self.net.online.load(Ordering::SeqCst)
    }

    /// The queue as the UI shows it: uploads waiting (refused ones stay in
    /// the database for the record, reported through `last_error`).
    pub async fn queue_status(&self) -> Result<QueueStatus> {
        let list = self.queue.list().await?;
        let attempts = lock(&self.net.attempts).clone();
        let items = list
            .into_iter()
            .filter(|q| q.state == kyso_client::queue::QueueState::Waiting)
            .map(|q| {
                let r = self.cache.request(&q.request_id);
                QueuedUpload {
                    title: r.as_ref().map(|r| r.title.clone()).unwrap_or_default(),
                    number_symbol: r.and_then(|r| r.number_symbol),
                    last_attempt_at: attempts.get(&q.request_id).cloned(),
                    request_id: q.request_id,
                    signed_sha256: q.sha256,
                    queued_at: q.queued_at,
                    attempts: q.attempts,
                }
            })
            .collect();
        Ok(QueueStatus {
            online: self.online(),
            uploading: self.net.uploading.load(Ordering::SeqCst),
            items,
            last_error: lock(&self.net.last_error).clone(),
        })
    }

    /// Notes an upload attempt of `id` now.
    pub fn attempted(&self, id: &str) {
        lock(&self.net.attempts).insert(id.to_string(), model::now_rfc3339());
    }

    /// Records the outcome of an upload for the queue indicator.
    pub fn set_last_error(&self, e: Option<IpcError>) {
        *lock(&self.net.last_error) = e;
    }
}

/// A gateway answer, else, when the gateway could not be reached, what
/// `cached` kept from the last time; `true` when it is the kept one.
pub fn or_cached<T>(r: Result<T>, cached: impl FnOnce() -> Option<T>) -> Result<(T, bool)> {
    match r {
        Ok(v) => Ok((v, false)),
        Err(e) if e.is_offline() => cached().map(|v| (v, true)).ok_or(e),
        Err(e) => Err(e),
    }
}

/// Tells the web view the queue now (`queue-changed`), from a task.
pub fn emit_queue<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let kyso = app.state::<Kyso>();
        if let Ok(q) = kyso.queue_status().await {
            let _ = app.emit(model::event::QUEUE_CHANGED, q);
        }
    });
}

fn not_logged_in() -> IpcError {
    IpcError::app(AppCode::NotLoggedIn, "not logged in")
}

/// Parses a pin (`sha256/<base64>` or 64 hex digits).
pub fn parse_pin(pin: &str) -> Result<SpkiPin> {
    pin.parse::<SpkiPin>()
        .map_err(|e| IpcError::invalid(e.to_string()))
}

/// Whether two addresses name the same gateway.
pub fn same_server(a: &str, b: &str) -> bool {
    match (
        kyso_client::client::server_root(a),
        kyso_client::client::server_root(b),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}
