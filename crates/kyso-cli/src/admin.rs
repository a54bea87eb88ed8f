//! `kyso admin --data DIR …`: administration on the server itself.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use kyso_api::{NewUnit, NewUser, Role};
use kyso_gateway::admin;

use crate::Failure;
use crate::serve::KeyFlags;

/// Arguments of `kyso admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// Thư mục dữ liệu của cổng / the gateway's data directory (not for `hsm`).
    #[arg(long)]
    data: Option<PathBuf>,
    /// PostgreSQL URL, when the gateway uses one.
    #[arg(long)]
    database: Option<String>,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Đơn vị / units.
    #[command(subcommand)]
    Unit(UnitCmd),
    /// Người dùng / users.
    #[command(subcommand)]
    User(UserCmd),
    /// Khóa tích hợp / integrator keys.
    #[command(subcommand)]
    Key(KeyCmd),
    /// Thiết bị / devices.
    #[command(subcommand)]
    Device(DeviceCmd),
    /// Nhật ký / audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// CA thiết bị / device CA.
    #[command(subcommand)]
    Ca(CaCmd),
    /// Khóa trong HSM (PKCS#11) / keys in an HSM (PKCS#11 token).
    #[command(subcommand)]
    Hsm(crate::hsm::HsmCmd),
    /// Lưu trữ / archive.
    #[command(subcommand)]
    Archive(ArchiveCmd),
}

#[derive(Debug, Subcommand)]
enum ArchiveCmd {
    /// Xuất văn bản đã phát hành của đơn vị trong một khoảng ngày, kèm báo cáo kiểm tra
    /// (JSON, tiếng Việt) và bảng băm SHA-256 / export a unit's issued documents for a
    /// period with their verification reports (JSON, Vietnamese text) and a SHA-256 manifest.
    Export {
        /// Mã đơn vị / unit id.
        #[arg(long)]
        unit: String,
        /// Từ ngày ban hành (YYYY-MM-DD) / first issue date.
        #[arg(long)]
        from: String,
        /// Đến ngày (YYYY-MM-DD, tính cả ngày này) / last issue date, inclusive.
        #[arg(long)]
        to: String,
        /// Thư mục ra (chưa tồn tại) / output directory (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Gia hạn dấu thời gian: văn bản đã phát hành và bản sao có dấu thời gian cuối sắp hết
    /// hạn chứng thư TSA được thêm DSS và dấu thời gian mới / re-timestamp issued documents
    /// and copies whose last document timestamp's TSA certificate expires within DAYS.
    #[command(mut_args(retimestamp_key_help))]
    Retimestamp {
        /// Số ngày / the margin in days.
        #[arg(long, default_value_t = 365)]
        within: u32,
        /// Chỉ liệt kê, không thay đổi / only list what is due.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        keys: KeyFlags,
    },
}

/// `kyso admin archive retimestamp` takes `kyso serve`'s key flags
/// ([`KeyFlags`]: the TSA's key to stamp with, the CA's to sign a fresh
/// CRL), with the help it has always had (the CLI is stable, DESIGN.md §10;
/// as a doc comment would be, without a final period).
fn retimestamp_key_help(arg: clap::Arg) -> clap::Arg {
    let help = match arg.get_id().as_str() {
        "hsm_token" => {
            "Nhãn token PKCS#11 giữ khóa TSA (như kyso serve) / the PKCS#11 token with the \
             TSA's key (as for kyso serve); without it the keys are files in DATA"
        }
        "hsm_pin_file" => {
            "Tệp mã PIN / file whose first line is the token's user PIN; else KYSO_HSM_PIN"
        }
        "ca_key_label" => "Nhãn khóa CA trong token / the device CA key's label in the token",
        "tsa_key_label" => "Nhãn khóa TSA trong token / the TSA key's label in the token",
        "tsa_policy" => "OID chính sách của TSA / the TSA's policy OID",
        _ => return arg,
    };
    arg.help(help)
}

#[derive(Debug, Subcommand)]
enum UnitCmd {
    /// Thêm đơn vị / add a unit.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        parent: Option<String>,
    },
    /// Danh sách / list.
    List,
    /// Chính sách khóa của đơn vị / the unit's key policy.
    Policy {
        /// Mã đơn vị / unit id.
        id: String,
        /// Chỉ nhận khóa trong phần cứng bảo mật (có chứng thực khóa) /
        /// accept only keys proven to be in secure hardware.
        #[arg(long, conflicts_with = "allow_software")]
        require_hardware: bool,
        /// Nhận cả khóa phần mềm (văn thư trên máy tính) / accept software keys too.
        #[arg(long)]
        allow_software: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    Leader,
    Clerk,
    Admin,
}

#[derive(Debug, Subcommand)]
enum UserCmd {
    /// Thêm người dùng; mật khẩu đọc từ stdin / add a user; password from stdin.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        full_name: String,
        #[arg(long, default_value = "")]
        title: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        #[arg(long)]
        unit: String,
        /// Đọc mật khẩu từ stdin / read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Danh sách / list.
    List,
}

#[derive(Debug, Subcommand)]
enum KeyCmd {
    /// Tạo khóa (chỉ hiện một lần) / create a key (shown once).
    Add {
        #[arg(long)]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum DeviceCmd {
    /// Danh sách / list.
    List,
    /// Thu hồi ngay / revoke now.
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
enum AuditCmd {
    /// Kiểm tra chuỗi băm / verify the hash chain.
    Verify,
    /// Xuất JSON / export as JSON.
    Export,
}

#[derive(Debug, Subcommand)]
enum CaCmd {
    /// In chứng thư CA thiết bị (PEM) / print the device CA certificate.
    Export,
}

fn fail(e: kyso_gateway::error::AppError) -> Failure {
    Failure::usage(e.message.clone(), e.message)
}

fn print_json<T: serde::Serialize>(v: &T) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

pub fn run(args: AdminArgs) -> Result<(), Failure> {
    // Token commands need no data directory, and open none.
    let command = match args.command {
        AdminCommand::Hsm(cmd) => return crate::hsm::run(cmd),
        other => other,
    };
    let data = args.data.ok_or_else(|| {
        Failure::usage(
            "cần --data THƯ_MỤC (thư mục dữ liệu của cổng)",
            "--data DIR is required (the gateway's data directory)",
        )
    })?;
    let rt = crate::runtime()?;
    rt.block_on(async move {
        let state = match &command {
            // Re-timestamping stamps: the TSA's key (and the CA's, for a
            // fresh CRL), as `kyso serve` has them.
            AdminCommand::Archive(ArchiveCmd::Retimestamp { keys, .. }) => {
                crate::serve::open_state_with(
                    data,
                    args.database.as_deref(),
                    None,
                    None,
                    None,
                    kyso_gateway::push::PushConfig::default(),
                    crate::serve::TrustKeys {
                        ca: keys.ca_key()?,
                        tsa: Some(keys.tsa_config()?),
                        seal: kyso_gateway::seal::SealKeys::File,
                    },
                    None,
                    None,
                )
                .await?
            }
            _ => crate::serve::open_admin_state(data, args.database.as_deref()).await?,
        };
        let me = "kyso-admin";
        match command {
            AdminCommand::Unit(UnitCmd::Add { name, parent }) => print_json(
                &admin::create_unit(
                    &state,
                    me,
                    &NewUnit {
                        name,
                        parent_id: parent,
                    },
                )
                .await
                .map_err(fail)?,
            ),
            AdminCommand::Unit(UnitCmd::List) => {
                print_json(&admin::units(&state).await.map_err(fail)?)
            }
            AdminCommand::Unit(UnitCmd::Policy {
                id,
                require_hardware,
                allow_software,
            }) => {
                if require_hardware == allow_software {
                    return Err(Failure::usage(
                        "cần đúng một trong --require-hardware, --allow-software",
                        "give exactly one of --require-hardware, --allow-software",
                    ));
                }
                admin::set_unit_hardware_policy(&state, me, &id, require_hardware)
                    .await
                    .map_err(fail)?;
                if require_hardware {
                    println!("đơn vị {id}: chỉ nhận khóa phần cứng / hardware keys only");
                } else {
                    println!("đơn vị {id}: nhận cả khóa phần mềm / software keys allowed");
                }
            }
            AdminCommand::User(UserCmd::Add {
                username,
                full_name,
                title,
                role,
                unit,
                password_stdin,
            }) => {
                if !password_stdin {
                    return Err(Failure::usage(
                        "cần --password-stdin (mật khẩu không được đặt trên dòng lệnh)",
                        "--password-stdin is required (passwords never go on the command line)",
                    ));
                }
                let mut password = String::new();
                std::io::stdin()
                    .read_to_string(&mut password)
                    .map_err(|e| {
                        Failure::usage(
                            format!("không đọc được mật khẩu: {e}"),
                            format!("cannot read the password: {e}"),
                        )
                    })?;
                let role = match role {
                    RoleArg::Leader => Role::Leader,
                    RoleArg::Clerk => Role::Clerk,
                    RoleArg::Admin => Role::Admin,
                };
                let u = NewUser {
                    username,
                    full_name,
                    title,
                    role,
                    unit_id: unit,
                    password: password.trim_end_matches(['\n', '\r']).to_string(),
                };
                print_json(&admin::create_user(&state, me, &u).await.map_err(fail)?)
            }
            AdminCommand::User(UserCmd::List) => {
                print_json(&admin::users(&state).await.map_err(fail)?)
            }
            AdminCommand::Key(KeyCmd::Add { name }) => print_json(
                &admin::create_integrator_key(&state, me, &name)
                    .await
                    .map_err(fail)?,
            ),
            AdminCommand::Device(DeviceCmd::List) => {
                print_json(&admin::devices(&state).await.map_err(fail)?)
            }
            AdminCommand::Device(DeviceCmd::Revoke { id }) => {
                admin::revoke_device(&state, me, &id).await.map_err(fail)?;
                println!("đã thu hồi / revoked: {id}");
            }
            AdminCommand::Audit(AuditCmd::Export) => print_json(
                &kyso_gateway::audit::entries(&state.db)
                    .await
                    .map_err(|e| fail(e.into()))?,
            ),
            AdminCommand::Audit(AuditCmd::Verify) => {
                let entries = kyso_gateway::audit::entries(&state.db)
                    .await
                    .map_err(|e| fail(e.into()))?;
                match kyso_gateway::audit::verify_chain(&entries) {
                    Ok(n) => println!("nhật ký nguyên vẹn / audit chain intact: {n} entries"),
                    Err(seq) => {
                        return Err(Failure::verdict(
                            format!("chuỗi nhật ký bị phá vỡ tại mục {seq}"),
                            format!("the audit chain is broken at entry {seq}"),
                        ));
                    }
                }
            }
            AdminCommand::Ca(CaCmd::Export) => print!("{}", state.ca.cert_pem()),
            AdminCommand::Archive(ArchiveCmd::Export {
                unit,
                from,
                to,
                out,
            }) => {
                let m = kyso_gateway::archive::export(&state, &unit, &from, &to, &out)
                    .await
                    .map_err(|e| {
                        Failure::usage(
                            format!("không xuất được lưu trữ: {e}"),
                            format!("archive export failed: {e}"),
                        )
                    })?;
                println!(
                    "đã xuất / exported: {} văn bản / documents → {} (manifest.json, SHA256SUMS)",
                    m.documents.len(),
                    out.display()
                );
                let failed = m
                    .documents
                    .iter()
                    .filter(|d| d.indication != "TOTAL_PASSED")
                    .count();
                if failed > 0 {
                    return Err(Failure::verdict(
                        format!("{failed} văn bản không còn hợp lệ (xem báo cáo)"),
                        format!("{failed} document(s) no longer verify (see their reports)"),
                    ));
                }
            }
            AdminCommand::Archive(ArchiveCmd::Retimestamp {
                within, dry_run, ..
            }) => {
                let r = kyso_gateway::retimestamp::run(
                    &state,
                    time::Duration::days(i64::from(within)),
                    dry_run,
                )
                .await
                .map_err(fail)?;
                for o in &r.documents {
                    let what = match &o.document.copy_id {
                        Some(c) => format!("bản sao / copy {c} of {}", o.document.request_id),
                        None => format!("văn bản / issued {}", o.document.request_id),
                    };
                    println!(
                        "{}: {what} — TSA cert until {}{}{}",
                        o.action,
                        o.expires_at.as_deref().unwrap_or("?"),
                        o.new_sha256
                            .as_ref()
                            .map(|n| format!(", {} → {n}", o.document.sha256))
                            .unwrap_or_default(),
                        o.detail
                            .as_ref()
                            .map(|d| format!(" ({d})"))
                            .unwrap_or_default()
                    );
                }
                println!(
                    "đã xét / checked: {}, gia hạn / retimestamped: {}{}",
                    r.checked,
                    r.retimestamped(),
                    if dry_run {
                        format!(
                            ", đến hạn / due: {} (--dry-run)",
                            r.documents.iter().filter(|o| o.action == "due").count()
                        )
                    } else {
                        String::new()
                    }
                );
                let failed = r.documents.iter().filter(|o| o.action == "failed").count();
                if failed > 0 {
                    return Err(Failure::verdict(
                        format!("{failed} văn bản không gia hạn được"),
                        format!("{failed} document(s) could not be re-timestamped"),
                    ));
                }
            }
            AdminCommand::Hsm(_) => {}
        }
        Ok(())
    })
}
