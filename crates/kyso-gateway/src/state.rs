//! Shared state of the gateway's handlers.

use std::path::PathBuf;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::auth::LoginLimiter;
use crate::ca::DeviceCa;
use crate::cache::{Inboxes, Sessions};
use crate::db::Db;
use crate::events::Events;
use crate::push::Notifier;
use crate::store::DocStore;
use crate::tsa::Tsa;

/// Where time comes from (a fixed clock in tests).
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// Limits and settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Data directory (database, documents, CA).
    pub data_dir: PathBuf,
    /// Largest upload, in bytes.
    pub max_upload: usize,
    /// Session lifetime.
    pub session_ttl: time::Duration,
    /// Name of the province (device CA subject).
    pub province: String,
    /// Android key attestation: the verifier (Google's roots, the status
    /// list, the app's package and signing digest). Without it, every key is
    /// recorded as a software key, which never overstates it.
    pub android_attestation: Option<kyso_attest::AndroidVerifier>,
    /// iOS App Attest: the app's App ID and environment, and Apple's App
    /// Attestation root. Without it, iOS keys are recorded as software keys.
    pub app_attest: Option<AppAttest>,
    /// Push notifications: the providers (none by default) and the retry rule.
    pub push: crate::push::PushConfig,
    /// Where the device CA's key lives.
    pub ca_key: crate::ca::CaKey,
    /// The timestamp authority: its policy and where its key lives. `None`
    /// for tools that open the data without serving (`kyso admin`), so they
    /// neither create a TSA key nor need the token.
    pub tsa: Option<crate::tsa::TsaConfig>,
    /// The address clients and validators reach the gateway at
    /// (`https://ky-so.example.gov.vn`), without a trailing `/api/v1`:
    /// certificates issued name `PUBLIC_URL/api/v1/ca/crl` as their CRL
    /// distribution point. `None`: no distribution point is written.
    pub public_url: Option<String>,
    /// Where the units' seal keys live.
    pub seal_keys: crate::seal::SealKeys,
    /// Archived documents whose last document timestamp's TSA certificate
    /// expires within this are re-timestamped (`retimestamp`, daily in
    /// `serve`; default a year).
    pub retimestamp_within: time::Duration,
}

/// What the gateway checks iOS enrollments against.
#[derive(Debug, Clone)]
pub struct AppAttest {
    /// App ID (`TEAMID.bundle.id`) and environment.
    pub config: kyso_attest::apple::AppAttestConfig,
    /// Apple's App Attestation root (tests: their own).
    pub anchors: kyso_attest::TrustAnchors,
}

impl Config {
    /// Defaults for `data_dir`.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            max_upload: 64 * 1024 * 1024,
            session_ttl: time::Duration::hours(12),
            province: "Tỉnh Kyso".into(),
            android_attestation: None,
            app_attest: None,
            push: crate::push::PushConfig::default(),
            ca_key: crate::ca::CaKey::File,
            tsa: Some(crate::tsa::TsaConfig::default()),
            public_url: None,
            seal_keys: crate::seal::SealKeys::File,
            retimestamp_within: crate::retimestamp::DEFAULT_WITHIN,
        }
    }
}

/// Everything a handler needs.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

/// The shared parts.
#[derive(Debug)]
pub struct Inner {
    /// Database.
    pub db: Db,
    /// Document store.
    pub store: DocStore,
    /// Device CA.
    pub ca: DeviceCa,
    /// Timestamp authority (RFC 3161), when configured.
    pub tsa: Option<Tsa>,
    /// The units' agency seals.
    pub seals: crate::seal::Seals,
    /// Live events.
    pub events: Events,
    /// Login rate limiting.
    pub limiter: LoginLimiter,
    /// Sessions read from the database (SQLite only: see `cache`).
    pub sessions: Sessions,
    /// Leaders' inboxes as JSON (SQLite only: see `cache`).
    pub inboxes: Inboxes,
    /// Push notifications (FCM, APNs).
    pub notifier: Notifier,
    /// Settings.
    pub config: Config,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Opens the database (migrating it), the store and the CA in `config.data_dir`.
    pub async fn open(
        config: Config,
        database_url: Option<&str>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, String> {
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| format!("{}: {e}", config.data_dir.display()))?;
        let url = database_url
            .map(str::to_owned)
            .unwrap_or_else(|| Db::sqlite_url(&config.data_dir));
        let db = Db::connect(&url)
            .await
            .map_err(|e| format!("database: {e}"))?;
        let store = DocStore::open(&config.data_dir).map_err(|e| format!("document store: {e}"))?;
        let mut ca = DeviceCa::open(
            &config.data_dir,
            &config.province,
            clock.now().into(),
            &config.ca_key,
        )?;
        ca.set_crl_url(
            config
                .public_url
                .as_ref()
                .map(|u| format!("{}{}", u.trim_end_matches('/'), crate::crl::PATH)),
        );
        let tsa = match &config.tsa {
            Some(t) => Some(Tsa::open(
                &config.data_dir,
                t,
                &ca,
                &config.province,
                clock.now().into(),
            )?),
            None => None,
        };
        // One process owns a SQLite data directory; PostgreSQL may be shared.
        let cache = !db.is_postgres();
        let notifier = Notifier::new(&config.push, &config.data_dir)?;
        let seals = crate::seal::Seals::new(&config.data_dir, config.seal_keys.clone());
        Ok(Self(Arc::new(Inner {
            db,
            store,
            ca,
            tsa,
            seals,
            events: Events::default(),
            limiter: LoginLimiter::default(),
            sessions: Sessions::new(cache),
            inboxes: Inboxes::new(cache),
            notifier,
            config,
            clock,
        })))
    }

    /// Now, as stored (RFC 3339, UTC).
    pub fn now(&self) -> String {
        crate::now_rfc3339(self.clock.now())
    }
}
