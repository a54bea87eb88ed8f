//! `kyso serve`: the provincial gateway.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use kyso_gateway::{AppState, Config, ServeOptions};

use crate::Failure;

/// Arguments of `kyso serve` (DESIGN.md §10).
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Thư mục dữ liệu / data directory (database, documents, device CA).
    #[arg(long, default_value = "kyso-data")]
    data: PathBuf,
    /// Địa chỉ lắng nghe / address to listen on.
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// PostgreSQL (postgres://…); mặc định SQLite trong thư mục dữ liệu.
    #[arg(long)]
    database: Option<String>,
    /// Tạo tỉnh mẫu để dùng thử / seed a demo province.
    #[arg(long)]
    demo: bool,
    /// Mật khẩu các tài khoản mẫu / password of the demo accounts.
    #[arg(long, default_value = "kyso-demo")]
    demo_password: String,
    /// Chứng thư TLS (PEM) / TLS certificate.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// Khóa TLS (PEM) / TLS key.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Tên tỉnh (cho CA thiết bị) / province name for the device CA.
    #[arg(long, default_value = "Tỉnh Hà Giang")]
    province: String,
    /// Gói ứng dụng Android được chứng thực khóa / the Android app package whose key
    /// attestations are trusted (with --android-signing-sha256).
    #[arg(long, requires = "android_signing_sha256")]
    android_package: Option<String>,
    /// SHA-256 (hex) chứng thư ký ứng dụng Android / the app's signing certificate digest.
    #[arg(long, requires = "android_package")]
    android_signing_sha256: Option<String>,
    /// Danh sách thu hồi chứng thực của Google (JSON) / Google's attestation status list.
    #[arg(long, requires = "android_package")]
    attestation_status: Option<PathBuf>,
    /// App ID iOS (TEAMID.bundle.id) được App Attest chứng thực / the iOS App ID whose
    /// App Attest evidence is trusted at enrollment (Apple's App Attestation root).
    #[arg(long)]
    ios_app_id: Option<String>,
    /// Môi trường App Attest / App Attest environment: production or development.
    #[arg(long, requires = "ios_app_id", default_value = "production", value_parser = ["production", "development"])]
    app_attest_environment: String,
    /// Khóa tài khoản dịch vụ Firebase (JSON) để gửi thông báo FCM / the Firebase
    /// service account key file (JSON): push notifications to Android through FCM HTTP v1.
    #[arg(long)]
    fcm_service_account: Option<PathBuf>,
    /// Địa chỉ API FCM / FCM API root (tests: a local fake).
    #[arg(long, requires = "fcm_service_account", default_value = kyso_gateway::push::fcm::DEFAULT_ENDPOINT)]
    fcm_endpoint: String,
    /// Khóa APNs của nhóm (.p8) để gửi thông báo iOS / the team's APNs auth key
    /// (AuthKey_KEYID.p8): push notifications to iOS (with --apns-key-id, --apns-team-id, --apns-topic).
    #[arg(long, requires_all = ["apns_key_id", "apns_team_id", "apns_topic"])]
    apns_key: Option<PathBuf>,
    /// Mã khóa APNs / the key's id (10 characters).
    #[arg(long, requires = "apns_key")]
    apns_key_id: Option<String>,
    /// Mã nhóm Apple / the Apple developer team id.
    #[arg(long, requires = "apns_key")]
    apns_team_id: Option<String>,
    /// Bundle id của ứng dụng iOS / the iOS app's bundle id (apns-topic).
    #[arg(long, requires = "apns_key")]
    apns_topic: Option<String>,
    /// Địa chỉ APNs / APNs endpoint: https://api.push.apple.com (production) or
    /// https://api.sandbox.push.apple.com (development builds of the app).
    #[arg(long, requires = "apns_key", default_value = kyso_gateway::push::apns::PRODUCTION_ENDPOINT)]
    apns_endpoint: String,
    /// Nhắc hạn trước bao lâu (vd. 2h, 90m, 1h30m; off: không nhắc) / how long before a
    /// pending request's deadline its leader gets a reminder push (off: no reminders).
    #[arg(long, default_value = "2h", value_parser = parse_lead)]
    reminder_lead: ReminderLead,
    #[command(flatten)]
    keys: KeyFlags,
    /// Địa chỉ công khai của cổng (ghi vào chứng thư làm điểm phân phối CRL); mặc định
    /// http(s)://ĐỊA-CHỈ-LẮNG-NGHE / the gateway's public URL, written into issued
    /// certificates as the CRL distribution point (PUBLIC_URL/api/v1/ca/crl); default
    /// http(s)://LISTEN.
    #[arg(long)]
    public_url: Option<String>,
    /// Gia hạn dấu thời gian của văn bản lưu trữ khi chứng thư TSA của dấu thời gian cuối còn
    /// dưới số ngày này (mỗi ngày một lần) / re-timestamp archived documents, once a day, whose
    /// last document timestamp's TSA certificate expires within this many days.
    #[arg(long, default_value_t = 365)]
    retimestamp_within: u32,
}

/// The gateway's public URL: `--public-url`, else the scheme and the address
/// it listens on.
fn public_url(args: &ServeArgs) -> String {
    match &args.public_url {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => {
            let scheme = if args.tls_cert.is_some() {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{}", args.listen)
        }
    }
}

/// The gateway's own keys, as flags: the PKCS#11 token and the labels of
/// the device CA's and the TSA's keys in it, or files in DATA (demo); and
/// the TSA's policy. `kyso serve` has them, and `kyso admin archive
/// retimestamp` (which words their help as its own, [`crate::admin`]).
#[derive(Debug, Args)]
pub struct KeyFlags {
    /// Nhãn token PKCS#11 giữ khóa của TSA và con dấu các đơn vị; không có thì khóa nằm trong tệp
    /// (chỉ để chạy thử) / the PKCS#11 token that holds the TSA's key and the units' seal keys
    /// (`seal-<unit id>`); without it the keys are files in DATA/tsa and DATA/seals (demo only).
    #[arg(long)]
    hsm_token: Option<String>,
    /// Mô-đun PKCS#11 / the PKCS#11 module.
    #[arg(long, requires = "hsm_token", default_value = kyso_hsm::DEFAULT_MODULE)]
    hsm_module: PathBuf,
    /// Tệp mã PIN của token (dòng đầu); không có thì đọc KYSO_HSM_PIN /
    /// file whose first line is the token's user PIN; else KYSO_HSM_PIN.
    #[arg(long, requires = "hsm_token")]
    hsm_pin_file: Option<PathBuf>,
    /// Nhãn khóa CA thiết bị trong token; không có thì khóa CA nằm trong tệp /
    /// the device CA key's label in the token (generated with a new CA); without it the CA key is a file.
    #[arg(long, requires = "hsm_token")]
    ca_key_label: Option<String>,
    /// Nhãn khóa TSA trong token (tạo khi chưa có) / the TSA key's label in the token (generated when missing).
    #[arg(long, requires = "hsm_token", default_value = "kyso-tsa")]
    tsa_key_label: String,
    /// OID chính sách của TSA / the TSA's policy OID (RFC 3161 TSAPolicyId).
    #[arg(long, default_value_t = kyso_gateway::tsa::DEFAULT_POLICY.to_string())]
    tsa_policy: String,
}

impl KeyFlags {
    /// The token the flags describe, if any.
    pub fn token_config(&self) -> Result<Option<kyso_hsm::HsmConfig>, Failure> {
        self.hsm_token
            .as_ref()
            .map(|token| {
                crate::hsm::TokenArgs {
                    module: self.hsm_module.clone(),
                    token: token.clone(),
                    pin_file: self.hsm_pin_file.clone(),
                }
                .config()
            })
            .transpose()
    }

    /// Where the device CA's key is: in the token with `--ca-key-label`, else a file.
    pub fn ca_key(&self) -> Result<kyso_gateway::ca::CaKey, Failure> {
        Ok(match (self.token_config()?, &self.ca_key_label) {
            (Some(config), Some(label)) => kyso_gateway::ca::CaKey::Hsm {
                config,
                label: label.clone(),
            },
            _ => kyso_gateway::ca::CaKey::File,
        })
    }

    /// The timestamp authority the flags describe: its key in the token, or a
    /// file key (demo), under the policy given.
    pub fn tsa_config(&self) -> Result<kyso_gateway::tsa::TsaConfig, Failure> {
        let policy = self.tsa_policy.parse().map_err(|e| {
            Failure::usage(
                format!("--tsa-policy không phải OID: {e}"),
                format!("--tsa-policy is not an OID: {e}"),
            )
        })?;
        let key = match self.token_config()? {
            Some(config) => kyso_gateway::tsa::TsaKey::Hsm {
                config,
                label: self.tsa_key_label.clone(),
            },
            None => kyso_gateway::tsa::TsaKey::File,
        };
        Ok(kyso_gateway::tsa::TsaConfig { policy, key })
    }
}

/// `--reminder-lead`: a lead time, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ReminderLead(Option<std::time::Duration>);

/// `2h`, `90m`, `1h30m` (at most a week), or `off`.
fn parse_lead(s: &str) -> Result<ReminderLead, String> {
    let bad = || {
        format!(
            "'{s}': cần dạng 2h, 90m, 1h30m (tối đa 7 ngày) hoặc off / \
             expected 2h, 90m, 1h30m (at most 7 days) or off"
        )
    };
    let t = s.trim();
    if t.eq_ignore_ascii_case("off") {
        return Ok(ReminderLead(None));
    }
    let mut minutes: u64 = 0;
    let mut digits = String::new();
    let mut units = String::new();
    for c in t.chars() {
        match c {
            '0'..='9' if digits.len() < 6 => digits.push(c),
            'h' | 'm' if !digits.is_empty() && !units.contains(c) && !units.ends_with('m') => {
                let n: u64 = digits.parse().map_err(|_| bad())?;
                minutes += if c == 'h' { n * 60 } else { n };
                digits.clear();
                units.push(c);
            }
            _ => return Err(bad()),
        }
    }
    if !digits.is_empty() || units.is_empty() || minutes == 0 || minutes > 7 * 24 * 60 {
        return Err(bad());
    }
    Ok(ReminderLead(Some(std::time::Duration::from_secs(
        minutes * 60,
    ))))
}

/// The push providers the flags describe (none without flags).
fn push_config(args: &ServeArgs) -> Result<kyso_gateway::push::PushConfig, Failure> {
    let bad = |e: String| {
        Failure::usage(
            format!("cấu hình thông báo đẩy không hợp lệ: {e}"),
            format!("push configuration: {e}"),
        )
    };
    let mut push = kyso_gateway::push::PushConfig {
        reminder_lead: args.reminder_lead.0,
        ..Default::default()
    };
    if let Some(path) = &args.fcm_service_account {
        let mut fcm = kyso_gateway::push::FcmConfig::from_file(path).map_err(bad)?;
        fcm.endpoint = args.fcm_endpoint.clone();
        push.fcm = Some(fcm);
    }
    if let (Some(key), Some(key_id), Some(team_id), Some(topic)) = (
        &args.apns_key,
        &args.apns_key_id,
        &args.apns_team_id,
        &args.apns_topic,
    ) {
        let mut apns =
            kyso_gateway::push::ApnsConfig::from_file(key, key_id, team_id, topic).map_err(bad)?;
        apns.endpoint = args.apns_endpoint.clone();
        push.apns = Some(apns);
    }
    Ok(push)
}

/// The App Attest configuration the flags describe, if any.
fn app_attest(args: &ServeArgs) -> Option<kyso_gateway::state::AppAttest> {
    let app_id = args.ios_app_id.clone()?;
    let environment = if args.app_attest_environment == "development" {
        kyso_attest::apple::Environment::Development
    } else {
        kyso_attest::apple::Environment::Production
    };
    Some(kyso_gateway::state::AppAttest {
        config: kyso_attest::apple::AppAttestConfig {
            app_id,
            environment,
        },
        anchors: kyso_attest::TrustAnchors::apple_app_attestation(),
    })
}

/// The Android attestation verifier the flags describe, if any.
fn android_verifier(args: &ServeArgs) -> Result<Option<kyso_attest::AndroidVerifier>, Failure> {
    let (Some(package), Some(digest)) = (&args.android_package, &args.android_signing_sha256)
    else {
        return Ok(None);
    };
    let bad = |vi: String, en: String| Failure::usage(vi, en);
    let digest: [u8; 32] = kyso_gateway::store::unhex(&digest.to_ascii_lowercase())
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| {
            bad(
                "--android-signing-sha256 phải là 64 chữ số hex".into(),
                "--android-signing-sha256 must be 64 hex digits".into(),
            )
        })?;
    let revocation = match &args.attestation_status {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| {
                bad(
                    format!("không đọc được {}: {e}", p.display()),
                    format!("cannot read {}: {e}", p.display()),
                )
            })?;
            kyso_attest::RevocationList::from_json(&text).map_err(|e| {
                bad(
                    format!("danh sách thu hồi không hợp lệ: {e}"),
                    format!("the status list is not valid: {e}"),
                )
            })?
        }
        None => kyso_attest::RevocationList::empty(),
    };
    Ok(Some(kyso_attest::AndroidVerifier::new(
        kyso_attest::AndroidPolicy::new(package.clone(), digest),
        revocation,
    )))
}

/// Opens the gateway state for a data directory (shared with `kyso admin`).
pub async fn open_state(
    data: PathBuf,
    database: Option<&str>,
    province: Option<String>,
    android: Option<kyso_attest::AndroidVerifier>,
    app_attest: Option<kyso_gateway::state::AppAttest>,
) -> Result<AppState, Failure> {
    open_state_with(
        data,
        database,
        province,
        android,
        app_attest,
        kyso_gateway::push::PushConfig::default(),
        TrustKeys {
            ca: kyso_gateway::ca::CaKey::File,
            tsa: Some(kyso_gateway::tsa::TsaConfig::default()),
            seal: kyso_gateway::seal::SealKeys::File,
        },
        None,
        None,
    )
    .await
}

/// The gateway state for `kyso admin`: no TSA (so no TSA key is created or
/// looked for by an administration command), and the device CA as the data
/// directory has it (its certificate alone when its key is in a token).
pub async fn open_admin_state(data: PathBuf, database: Option<&str>) -> Result<AppState, Failure> {
    open_state_with(
        data,
        database,
        None,
        None,
        None,
        kyso_gateway::push::PushConfig::default(),
        TrustKeys {
            ca: kyso_gateway::ca::CaKey::Existing,
            tsa: None,
            seal: kyso_gateway::seal::SealKeys::File,
        },
        None,
        None,
    )
    .await
}

/// The gateway's own keys: the device CA's, and the TSA's (`None`: no TSA).
pub struct TrustKeys {
    /// Where the device CA's key is.
    pub ca: kyso_gateway::ca::CaKey,
    /// The timestamp authority, if this process serves one.
    pub tsa: Option<kyso_gateway::tsa::TsaConfig>,
    /// Where the units' agency seal keys are.
    pub seal: kyso_gateway::seal::SealKeys,
}

/// [`open_state`] with push providers, the gateway's own keys and the
/// address it is reached at (the CRL's distribution point in the
/// certificates it issues).
#[allow(clippy::too_many_arguments)]
pub async fn open_state_with(
    data: PathBuf,
    database: Option<&str>,
    province: Option<String>,
    android: Option<kyso_attest::AndroidVerifier>,
    app_attest: Option<kyso_gateway::state::AppAttest>,
    push: kyso_gateway::push::PushConfig,
    keys: TrustKeys,
    public_url: Option<String>,
    retimestamp_within: Option<time::Duration>,
) -> Result<AppState, Failure> {
    let mut config = Config::new(data);
    config.public_url = public_url;
    if let Some(w) = retimestamp_within {
        config.retimestamp_within = w;
    }
    if let Some(p) = province {
        config.province = p;
    }
    config.android_attestation = android;
    config.app_attest = app_attest;
    config.push = push;
    config.ca_key = keys.ca;
    config.tsa = keys.tsa;
    config.seal_keys = keys.seal;
    AppState::open(config, database, kyso_gateway::system_clock())
        .await
        .map_err(|e| {
            Failure::usage(
                format!("không mở được dữ liệu cổng ký số: {e}"),
                format!("cannot open the gateway data: {e}"),
            )
        })
}

/// What a demo province's users need to know: the gateway at `base`
/// (`http://127.0.0.1:8443`), its accounts and the integrator key (shown
/// once). Scripts read the `integrator key (shown once):` line.
pub fn print_demo(info: &kyso_gateway::demo::DemoInfo, base: &str, password: &str) {
    println!("Kyso — cổng ký số tỉnh (demo) / provincial gateway (demo)");
    println!("  địa chỉ / URL:        {base}/api/v1/");
    println!("  OpenAPI:              {base}/api/v1/openapi.json");
    println!("  tài khoản / accounts (mật khẩu / password: {password}):");
    for (u, name, role) in &info.users {
        println!("    {u:<8} {name} ({})", role.as_str());
    }
    println!(
        "  khóa tích hợp / integrator key (shown once): {}",
        info.integrator_key
    );
    println!(
        "  bí mật webhook / webhook secret:             {}",
        info.webhook_secret
    );
    if !info.created {
        println!("  (dữ liệu mẫu đã có từ lần chạy trước / demo data kept from an earlier run)");
    }
}

pub fn run(args: ServeArgs) -> Result<(), Failure> {
    crate::init_logging();
    let rt = crate::runtime()?;
    rt.block_on(async move {
        let state = open_state_with(
            args.data.clone(),
            args.database.as_deref(),
            Some(args.province.clone()),
            android_verifier(&args)?,
            app_attest(&args),
            push_config(&args)?,
            TrustKeys {
                ca: args.keys.ca_key()?,
                tsa: Some(args.keys.tsa_config()?),
                // With a token, every unit's seal key is made and kept there.
                seal: args
                    .keys
                    .token_config()?
                    .map(kyso_gateway::seal::SealKeys::Hsm)
                    .unwrap_or_default(),
            },
            Some(public_url(&args)),
            Some(time::Duration::days(i64::from(args.retimestamp_within))),
        )
        .await?;
        if args.demo {
            let info = seed_demo(&state, &args.demo_password).await?;
            print_demo(&info, &public_url(&args), &args.demo_password);
        }
        let tls = match (args.tls_cert, args.tls_key) {
            (Some(c), Some(k)) => Some((c, k)),
            _ => None,
        };
        kyso_gateway::serve(
            ServeOptions {
                data_dir: args.data,
                listen: args.listen,
                database_url: args.database,
                tls,
            },
            state,
        )
        .await
        .map_err(|e| {
            Failure::usage(
                format!("cổng ký số dừng vì lỗi: {e}"),
                format!("the gateway stopped: {e}"),
            )
        })
    })
}

/// The demo province (`kyso serve --demo`, `kyso demo`): its people and
/// drafts, then its meeting (each made once; a fresh integrator key each
/// start).
pub async fn seed_demo(
    state: &kyso_gateway::AppState,
    password: &str,
) -> Result<kyso_gateway::demo::DemoInfo, Failure> {
    let failed = |e: kyso_gateway::error::AppError| {
        Failure::usage(
            format!("không tạo được dữ liệu mẫu: {}", e.message),
            format!("demo seeding failed: {}", e.message),
        )
    };
    let info = kyso_gateway::demo::seed(state, password)
        .await
        .map_err(failed)?;
    kyso_gateway::demo::seed_meeting(state)
        .await
        .map_err(failed)?;
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use std::time::Duration;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeArgs,
    }

    fn lead_of(args: &[&str]) -> Result<Option<Duration>, String> {
        let cli = Cli::try_parse_from(std::iter::once("serve").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        let push = push_config(&cli.serve).map_err(|e| e.to_string())?;
        Ok(push.reminder_lead)
    }

    #[test]
    fn the_reminder_lead_reaches_the_push_configuration() {
        let h = |n: u64| Some(Duration::from_secs(n * 3600));
        assert_eq!(lead_of(&[]), Ok(h(2)), "default: two hours");
        assert_eq!(
            lead_of(&[]),
            Ok(Some(kyso_gateway::push::DEFAULT_REMINDER_LEAD)),
            "the gateway's own default"
        );
        assert_eq!(lead_of(&["--reminder-lead", "4h"]), Ok(h(4)));
        assert_eq!(
            lead_of(&["--reminder-lead", "90m"]),
            Ok(Some(Duration::from_secs(90 * 60)))
        );
        assert_eq!(
            lead_of(&["--reminder-lead", "1h30m"]),
            Ok(Some(Duration::from_secs(90 * 60)))
        );
        assert_eq!(lead_of(&["--reminder-lead", "OFF"]), Ok(None));
        assert_eq!(lead_of(&["--reminder-lead", "168h"]), Ok(h(168)));
    }

    #[test]
    fn a_bad_reminder_lead_is_refused_in_both_languages() {
        for bad in [
            "", "0", "0m", "2", "h", "2x", "2h2h", "30m1h", "-1h", "169h", "1.5h", "2 h",
            "9999999h",
        ] {
            let arg = format!("--reminder-lead={bad}");
            let e = lead_of(&[&arg]).expect_err(bad);
            assert!(
                e.contains("cần dạng") && e.contains("expected 2h"),
                "{bad:?}: {e}"
            );
        }
    }
}
