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
    let mut config = Config::new(data);
    if let Some(p) = province {
        config.province = p;
    }
    config.android_attestation = android;
    config.app_attest = app_attest;
    AppState::open(config, database, kyso_gateway::system_clock())
        .await
        .map_err(|e| {
            Failure::usage(
                format!("không mở được dữ liệu cổng ký số: {e}"),
                format!("cannot open the gateway data: {e}"),
            )
        })
}

pub fn run(args: ServeArgs) -> Result<(), Failure> {
    crate::init_logging();
    let rt = crate::runtime()?;
    rt.block_on(async move {
        let state = open_state(
            args.data.clone(),
            args.database.as_deref(),
            Some(args.province.clone()),
            android_verifier(&args)?,
            app_attest(&args),
        )
        .await?;
        if args.demo {
            let info = kyso_gateway::demo::seed(&state, &args.demo_password)
                .await
                .map_err(|e| {
                    Failure::usage(
                        format!("không tạo được dữ liệu mẫu: {}", e.message),
                        format!("demo seeding failed: {}", e.message),
                    )
                })?;
            let scheme = if args.tls_cert.is_some() {
                "https"
            } else {
                "http"
            };
            println!("Kyso — cổng ký số tỉnh (demo) / provincial gateway (demo)");
            println!("  địa chỉ / URL:        {scheme}://{}/api/v1/", args.listen);
            println!(
                "  OpenAPI:              {scheme}://{}/api/v1/openapi.json",
                args.listen
            );
            println!(
                "  tài khoản / accounts (mật khẩu / password: {}):",
                args.demo_password
            );
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
                println!(
                    "  (dữ liệu mẫu đã có từ lần chạy trước / demo data kept from an earlier run)"
                );
            }
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
