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
}

/// Opens the gateway state for a data directory (shared with `kyso admin`).
pub async fn open_state(
    data: PathBuf,
    database: Option<&str>,
    province: Option<String>,
) -> Result<AppState, Failure> {
    let mut config = Config::new(data);
    if let Some(p) = province {
        config.province = p;
    }
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
