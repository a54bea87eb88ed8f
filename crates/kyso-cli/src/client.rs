//! `kyso client`: the gateway's client on the command line (DESIGN.md §10),
//! a thin layer over `kyso-client`: login, enroll, inbox, fetch, sign (through
//! the durable upload queue), queue, sync, decline, quiet-hours (and logout).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use kyso_api::{QuietHours, RequestStatus, SigningRequest, Urgency};
use kyso_client::queue::{Queue, QueueState, Queued};
use kyso_client::{
    Client, Delivery, DeviceKey, DeviceRecord, Error, KeyLocation, Secret, Session, SignSettings,
    SpkiPin, Store, TokenStorage,
};

use crate::Failure;

/// Arguments of `kyso client`.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// Địa chỉ cổng ký số, vd. https://kyso.example:8443 (mặc định: của phiên đã đăng nhập) /
    /// the gateway's address (default: the logged-in session's).
    #[arg(long, global = true)]
    server: Option<String>,
    /// Ghim khóa công khai của cổng (sha256/<base64>) / pin the gateway's public key.
    #[arg(long, global = true)]
    pin: Option<String>,
    #[command(subcommand)]
    command: ClientCommand,
}

#[derive(Debug, Subcommand)]
enum ClientCommand {
    /// Đăng nhập; mật khẩu đọc từ stdin / log in; password from standard input.
    Login {
        /// Tên đăng nhập / user name.
        #[arg(long)]
        username: String,
        /// Đọc mật khẩu từ stdin / read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Đăng xuất / log out.
    Logout,
    /// Đăng ký khóa của thiết bị này / enroll this device's key.
    Enroll {
        /// Lưu khóa trong tệp mã hóa bằng cụm mật khẩu (mặc định: kho khóa của hệ điều hành) /
        /// keep the key in a passphrase-encrypted file (default: the OS keyring).
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// Đọc cụm mật khẩu từ stdin (hoặc biến KYSO_PASSPHRASE) /
        /// read the passphrase from standard input (or KYSO_PASSPHRASE).
        #[arg(long)]
        passphrase_stdin: bool,
        /// Tên máy / device model.
        #[arg(long)]
        model: Option<String>,
    },
    /// Văn bản chờ ký / documents waiting for signature.
    Inbox {
        /// Định dạng / output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Tải văn bản về / download a document.
    Fetch {
        /// Mã yêu cầu / request id.
        id: String,
        /// Tệp ra / output file.
        #[arg(long)]
        out: PathBuf,
        /// Tải bản đã ký / the signed document.
        #[arg(long)]
        signed: bool,
    },
    /// Ký và gửi lên cổng / sign and upload.
    Sign {
        /// Mã yêu cầu / request id.
        id: String,
        /// Ảnh chữ ký tay (PNG nền trong suốt) / handwritten signature image.
        #[arg(long)]
        signature_image: Option<PathBuf>,
        /// Tệp khóa mã hóa (mặc định: khóa đã đăng ký) / encrypted key file (default: the enrolled key).
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// Đọc cụm mật khẩu từ stdin (hoặc biến KYSO_PASSPHRASE) /
        /// read the passphrase from standard input (or KYSO_PASSPHRASE).
        #[arg(long)]
        passphrase_stdin: bool,
        /// Lý do ký / reason.
        #[arg(long)]
        reason: Option<String>,
        /// Xin dấu thời gian của TSA cổng (B-T) / a signature timestamp from the gateway's TSA (B-T).
        #[arg(long)]
        timestamp: bool,
    },
    /// Chữ ký đang chờ gửi lên cổng / signatures waiting to upload.
    Queue {
        /// Định dạng / output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Bỏ chữ ký bị cổng từ chối của yêu cầu này / discard the refused upload of this request.
        #[arg(long)]
        discard: Option<String>,
    },
    /// Gửi các chữ ký đang chờ / upload the waiting signatures.
    Sync,
    /// Văn thư: văn bản đã ký chờ phát hành của đơn vị / clerk: signed documents of
    /// the unit waiting for issuance.
    IssuanceList {
        /// Định dạng / output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Văn thư: phát hành văn bản đã ký (số, ký hiệu, ngày; cổng đóng dấu của đơn vị) /
    /// clerk: issue a signed document (number, date; the gateway adds the unit's seal).
    Issue {
        /// Mã yêu cầu / request id.
        id: String,
        /// Số, ký hiệu, vd. 12/UBND-VP / number and symbol.
        #[arg(long)]
        number: String,
        /// Ngày ban hành YYYY-MM-DD / issue date.
        #[arg(long)]
        date: String,
        /// Lưu bản phát hành vào tệp / save the issued PDF to this file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Văn thư: sao y / sao lục văn bản đã phát hành (cổng ký bằng con dấu của đơn vị,
    /// góc trên bên phải trang đầu) / clerk: a copy of an issued document, signed by the
    /// unit's seal at the top right of page 1.
    Copy {
        /// Mã yêu cầu / request id.
        id: String,
        /// Hình thức sao / form of the copy.
        #[arg(long, value_enum)]
        kind: CopyKindArg,
        /// Số, ký hiệu bản sao, vd. 05/SY-UBND / the copy's number and symbol.
        #[arg(long)]
        number: String,
        /// Lưu bản sao vào tệp / save the copy's PDF to this file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Trả lại văn bản kèm lý do / decline with a reason.
    Decline {
        /// Mã yêu cầu / request id.
        id: String,
        /// Lý do / reason.
        #[arg(long)]
        reason: String,
    },
    /// Giờ yên lặng: xem, đặt (--start, --end) hoặc bỏ (--off); trong giờ này thông báo
    /// đẩy về văn bản thường, khẩn chờ đến hết giờ (thượng khẩn, hỏa tốc vẫn đến ngay) /
    /// quiet hours: show, set (--start, --end) or remove (--off); during them pushes
    /// about normal and urgent documents wait (very urgent and flash still come).
    QuietHours {
        /// Bắt đầu, HH:MM giờ Việt Nam / start, HH:MM Vietnam time (e.g. 22:00).
        #[arg(long, requires = "end", conflicts_with = "off")]
        start: Option<String>,
        /// Kết thúc, HH:MM giờ Việt Nam / end, HH:MM Vietnam time (e.g. 06:30).
        #[arg(long, requires = "start", conflicts_with = "off")]
        end: Option<String>,
        /// Bỏ giờ yên lặng / no quiet hours.
        #[arg(long)]
        off: bool,
        /// Định dạng / output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

/// Hình thức sao / form of a copy (`sao-y`, `sao-luc`).
#[derive(Debug, Clone, Copy, ValueEnum)]
enum CopyKindArg {
    /// Sao y.
    SaoY,
    /// Sao lục.
    SaoLuc,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// A client error as one line; local problems are usage errors (2), the
/// gateway's refusals and failed checks are verdicts (1).
fn failure(e: Error) -> Failure {
    let en = match e.report() {
        Some(r) => {
            let i = r.get("indication").and_then(|v| v.as_str()).unwrap_or("?");
            let s = r
                .get("sub_indication")
                .and_then(|v| v.as_str())
                .map(|s| format!("/{s}"))
                .unwrap_or_default();
            format!("{e} [{i}{s}]")
        }
        None => e.to_string(),
    };
    let vi = e.message_vi();
    match e {
        Error::Url(_)
        | Error::NotLoggedIn(_)
        | Error::SessionExpired
        | Error::NotEnrolled
        | Error::KeyFile { .. }
        | Error::Storage { .. }
        | Error::Queue(_)
        | Error::AlreadyQueued(_)
        | Error::Keyring(_) => Failure::usage(vi, en),
        _ => Failure::verdict(vi, en),
    }
}

fn read_stdin_secret(what_vi: &str, what_en: &str) -> Result<Secret<String>, Failure> {
    Secret::read_line(std::io::stdin().lock()).map_err(|e| {
        Failure::usage(
            format!("không đọc được {what_vi} từ stdin: {e}"),
            format!("cannot read the {what_en} from standard input: {e}"),
        )
    })
}

fn passphrase(from_stdin: bool) -> Result<Secret<String>, Failure> {
    if from_stdin {
        return read_stdin_secret("cụm mật khẩu", "passphrase");
    }
    match std::env::var("KYSO_PASSPHRASE") {
        Ok(p) if !p.is_empty() => Ok(Secret::new(p)),
        _ => Err(Failure::usage(
            "cần cụm mật khẩu của tệp khóa: dùng --passphrase-stdin hoặc biến KYSO_PASSPHRASE",
            "the key file needs a passphrase: use --passphrase-stdin or KYSO_PASSPHRASE",
        )),
    }
}

fn parse_pin(pin: Option<&str>) -> Result<Option<SpkiPin>, Failure> {
    pin.map(str::parse).transpose().map_err(failure)
}

/// The saved session, checked against `--server` when both are given.
fn session(store: &Store, server: Option<&str>) -> Result<Session, Failure> {
    let wanted = server
        .map(kyso_client::client::server_root)
        .transpose()
        .map_err(failure)?;
    let s = store
        .load_session()
        .map_err(failure)?
        .ok_or_else(|| failure(Error::NotLoggedIn(wanted.as_ref().map(|u| u.to_string()))))?;
    if let Some(w) = wanted
        && w.as_str() != s.server
    {
        return Err(failure(Error::NotLoggedIn(Some(w.to_string()))));
    }
    if s.is_expired() {
        return Err(failure(Error::SessionExpired));
    }
    Ok(s)
}

fn client_for(s: &Session, pin: Option<SpkiPin>) -> Result<Client, Failure> {
    Client::new(&s.server, pin.or(s.pin))
        .map(|c| c.with_token(s.token.clone()))
        .map_err(failure)
}

fn urgency_vi(u: Urgency) -> &'static str {
    match u {
        Urgency::Normal => "thường / normal",
        Urgency::Urgent => "khẩn / urgent",
        Urgency::VeryUrgent => "thượng khẩn / very urgent",
        Urgency::Flash => "hỏa tốc / flash",
    }
}

fn status_vi(s: RequestStatus) -> &'static str {
    match s {
        RequestStatus::Pending => "chờ ký (pending)",
        RequestStatus::Signed => "đã ký (signed)",
        RequestStatus::Declined => "đã trả lại (declined)",
        RequestStatus::Expired => "quá hạn (expired)",
        RequestStatus::Cancelled => "đã hủy (cancelled)",
        RequestStatus::Issued => "đã ban hành (issued)",
    }
}

fn read_file(path: &Path, vi: &str, en: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| {
        Failure::usage(
            format!("không đọc được {vi} {}: {e}", path.display()),
            format!("cannot read the {en} {}: {e}", path.display()),
        )
    })
}

/// Writes beside the target and renames: a failure leaves nothing behind.
fn write_out(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let io = |e: std::io::Error| {
        Failure::usage(
            format!("không ghi được {}: {e}", path.display()),
            format!("cannot write {}: {e}", path.display()),
        )
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".kyso-fetch-")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

pub fn run(args: ClientArgs) -> Result<(), Failure> {
    let store = Store::open_default().map_err(failure)?;
    let pin = parse_pin(args.pin.as_deref())?;
    let server = args.server.as_deref();
    let rt = crate::runtime()?;
    match args.command {
        ClientCommand::Login {
            username,
            password_stdin,
        } => {
            if !password_stdin {
                return Err(Failure::usage(
                    "mật khẩu chỉ được đọc từ stdin: thêm --password-stdin",
                    "the password is read from standard input only: add --password-stdin",
                ));
            }
            let previous = store.load_session().ok().flatten();
            let server = match (server, &previous) {
                (Some(s), _) => s.to_string(),
                (None, Some(p)) => p.server.clone(),
                (None, None) => {
                    return Err(Failure::usage(
                        "cần địa chỉ cổng ký số: --server URL",
                        "the gateway's address is needed: --server URL",
                    ));
                }
            };
            let root = kyso_client::client::server_root(&server).map_err(failure)?;
            // A pin given before for the same server stays in force.
            let pin = pin.or_else(|| {
                previous
                    .as_ref()
                    .filter(|p| p.server == root.as_str())
                    .and_then(|p| p.pin)
            });
            let password = read_stdin_secret("mật khẩu", "password")?;
            let client = Client::new(root.as_str(), pin).map_err(failure)?;
            let logged = rt
                .block_on(client.login(&username, &password))
                .map_err(failure)?;
            if previous.is_some() {
                let _ = store.clear_session();
            }
            let s = Session {
                server: client.server().to_string(),
                pin,
                user: logged.user,
                expires_at: logged.expires_at,
                token: logged.token,
            };
            let storage = store.save_session(&s).map_err(failure)?;
            if let TokenStorage::File { reason } = &storage {
                eprintln!(
                    "kyso: chú ý: không dùng được kho khóa của hệ điều hành; mã phiên được lưu trong {} (quyền 0600) | note: no OS keyring usable ({}); the session token is kept in that file (mode 0600)",
                    store.session_path().display(),
                    reason.replace(['\n', '\r'], " ")
                );
            }
            println!(
                "đã đăng nhập / logged in: {} ({}, {}) tại / at {}",
                s.user.full_name,
                s.user.username,
                s.user.role.as_str(),
                s.server
            );
            println!("  phiên hết hạn / session expires: {}", s.expires_at);
            Ok(())
        }
        ClientCommand::Logout => {
            let s = session(&store, server)?;
            let client = client_for(&s, pin)?;
            // The local session goes whatever the server says.
            let remote = rt.block_on(client.logout());
            store.clear_session().map_err(failure)?;
            match remote {
                Ok(()) | Err(Error::Api { .. }) => {
                    println!("đã đăng xuất / logged out");
                    Ok(())
                }
                Err(e) => Err(failure(e)),
            }
        }
        ClientCommand::Enroll {
            key_file,
            passphrase_stdin,
            model,
        } => {
            let s = session(&store, server)?;
            let client = client_for(&s, pin)?;
            let key = DeviceKey::generate();
            // Store the key first (nothing is enrolled if that fails), and
            // remove it again if the gateway refuses.
            let location = match &key_file {
                Some(path) => {
                    let pass = passphrase(passphrase_stdin)?;
                    key.save_encrypted(path, &pass).map_err(failure)?;
                    let abs = std::path::absolute(path).unwrap_or_else(|_| path.clone());
                    KeyLocation::File { path: abs }
                }
                None => {
                    let account = DeviceKey::new_keyring_account(&s.server, &s.user.username);
                    key.save_keyring(&account).map_err(|e| {
                        Failure::usage(
                            format!("{}; hãy dùng --key-file PATH", e.message_vi()),
                            format!("{e}; use --key-file PATH instead"),
                        )
                    })?;
                    KeyLocation::Keyring { account }
                }
            };
            let model = model.unwrap_or_else(|| format!("kyso-cli {}", env!("CARGO_PKG_VERSION")));
            let enrolled = rt.block_on(kyso_client::enroll(
                &client,
                &key,
                &s.user.full_name,
                kyso_client::platform(),
                &model,
            ));
            let enrolled = match enrolled {
                Ok(r) => r,
                Err(e) => {
                    match &location {
                        KeyLocation::File { path } => {
                            let _ = std::fs::remove_file(path);
                        }
                        KeyLocation::Keyring { account } => {
                            let _ = DeviceKey::delete_keyring(account);
                        }
                    }
                    return Err(failure(e));
                }
            };
            let record = DeviceRecord {
                version: 1,
                server: s.server.clone(),
                username: s.user.username.clone(),
                device_id: enrolled.device_id.clone(),
                security_level: enrolled.security_level,
                key: location.clone(),
                enrolled_at: time::OffsetDateTime::now_utc()
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
            };
            store
                .save_device(&record, &enrolled.certificate_chain_pem)
                .map_err(failure)?;
            let where_ = match &location {
                KeyLocation::File { path } => {
                    format!("tệp mã hóa / encrypted file {}", path.display())
                }
                KeyLocation::Keyring { .. } => "kho khóa của hệ điều hành / OS keyring".to_string(),
            };
            println!(
                "đã đăng ký thiết bị / device enrolled: {}",
                enrolled.device_id
            );
            println!("  khóa / key: {where_}");
            println!(
                "  mức bảo mật / security level: {}",
                enrolled.security_level.as_str()
            );
            println!(
                "  chuỗi chứng thư / certificate chain: {}",
                store.chain_path().display()
            );
            Ok(())
        }
        ClientCommand::Inbox { format } => {
            let s = session(&store, server)?;
            let client = client_for(&s, pin)?;
            let list = rt.block_on(client.inbox()).map_err(failure)?;
            match format {
                Format::Json => {
                    let text = serde_json::to_string_pretty(&list).map_err(|e| {
                        Failure::usage(format!("lỗi JSON: {e}"), format!("JSON: {e}"))
                    })?;
                    println!("{text}");
                }
                Format::Text => print_inbox(&list),
            }
            Ok(())
        }
        ClientCommand::Fetch { id, out, signed } => {
            let s = session(&store, server)?;
            let client = client_for(&s, pin)?;
            let bytes = rt
                .block_on(async {
                    let r = client.get_request(&id).await?;
                    if signed {
                        let b = client.signed_document(&id).await?;
                        let sha = hex_sha256(&b);
                        if r.signed_sha256.as_deref() != Some(sha.as_str()) {
                            return Err(Error::DocumentMismatch {
                                expected: r.signed_sha256.unwrap_or_default(),
                                actual: sha,
                            });
                        }
                        Ok(b)
                    } else {
                        let b = client.document(&id).await?;
                        kyso_client::flow::check_document(&r, &b)?;
                        Ok(b)
                    }
                })
                .map_err(failure)?;
            write_out(&out, &bytes)?;
            println!(
                "đã tải / saved: {} ({} byte, SHA-256 {})",
                out.display(),
                bytes.len(),
                hex_sha256(&bytes)
            );
            Ok(())
        }
        ClientCommand::Sign {
            id,
            signature_image,
            key_file,
            passphrase_stdin,
            reason,
            timestamp,
        } => {
            let s = session(&store, server)?;
            let (record, chain_pem) = store
                .load_device()
                .map_err(failure)?
                .filter(|(d, _)| d.server == s.server && d.username == s.user.username)
                .ok_or_else(|| failure(Error::NotEnrolled))?;
            let chain = kyso_client::parse_chain(&chain_pem).map_err(failure)?;
            // The key first: a wrong passphrase stops here, before any request.
            let key = match (&key_file, &record.key) {
                (Some(path), _) | (None, KeyLocation::File { path }) => {
                    let pass = passphrase(passphrase_stdin)?;
                    DeviceKey::load_encrypted(path, &pass).map_err(failure)?
                }
                (None, KeyLocation::Keyring { account }) => {
                    DeviceKey::load_keyring(account).map_err(failure)?
                }
            };
            let signer = key.software_key();
            signer.check_matches(&chain[0]).map_err(|_| {
                Failure::usage(
                    "khóa không khớp với chứng thư của thiết bị đã đăng ký",
                    "the key does not match the enrolled device certificate",
                )
            })?;
            let settings = SignSettings {
                signature_image: signature_image
                    .as_deref()
                    .map(|p| read_file(p, "ảnh chữ ký", "signature image"))
                    .transpose()?,
                reason,
                timestamp,
                ..SignSettings::default()
            };
            let client = client_for(&s, pin)?;
            let delivery = rt
                .block_on(async {
                    let queue = open_queue(&store).await?;
                    kyso_client::sign_request_durably(
                        &client, &queue, &id, &signer, &chain, &settings,
                    )
                    .await
                })
                .map_err(failure)?;
            match delivery {
                Delivery::Uploaded(outcome) => {
                    println!(
                        "đã ký và gửi / signed and uploaded: {} — {}",
                        outcome.request.id, outcome.request.title
                    );
                    println!(
                        "  trạng thái / status: {}",
                        status_vi(outcome.request.status)
                    );
                    println!(
                        "  SHA-256 bản đã ký / signed SHA-256: {}",
                        outcome.upload.sha256
                    );
                    println!(
                        "  trường chữ ký / field: {}; lần gửi / attempts: {}",
                        outcome.upload.field_name, outcome.attempts
                    );
                }
                Delivery::Queued { upload, reason } => {
                    println!(
                        "đã ký, chờ gửi / signed, waiting to upload: {} (SHA-256 {})",
                        upload.request_id, upload.sha256
                    );
                    println!("  lý do / why: {} / {reason}", reason.message_vi());
                    println!(
                        "  chạy `kyso client sync` khi có mạng / run `kyso client sync` when the gateway is reachable"
                    );
                }
            }
            Ok(())
        }
        ClientCommand::Queue { format, discard } => {
            let list = rt
                .block_on(async {
                    let queue = open_queue(&store).await?;
                    if let Some(id) = &discard
                        && !queue.discard(id).await?
                    {
                        return Err(Error::Queue(format!("nothing queued for request {id}")));
                    }
                    queue.list().await
                })
                .map_err(failure)?;
            print_queue(&list, format);
            Ok(())
        }
        ClientCommand::Sync => {
            let s = session(&store, server)?;
            let client = client_for(&s, pin)?;
            let (flushed, left) = rt
                .block_on(async {
                    let queue = open_queue(&store).await?;
                    let f = queue.flush(&client).await?;
                    let left = queue.list().await?;
                    Ok::<_, Error>((f, left))
                })
                .map_err(failure)?;
            for r in &flushed.accepted {
                println!("đã gửi / uploaded: {} — {}", r.id, r.title);
            }
            for (id, e) in &flushed.refused {
                println!("bị từ chối / refused: {id}: {} / {e}", e.message_vi());
            }
            let waiting = left
                .iter()
                .filter(|q| q.state == QueueState::Waiting)
                .count();
            println!(
                "còn chờ / still waiting: {waiting}; bị từ chối / refused: {}",
                left.len() - waiting
            );
            if waiting > 0 {
                let why = left
                    .iter()
                    .find_map(|q| q.last_error.clone())
                    .unwrap_or_default();
                return Err(Failure::verdict(
                    format!("chưa gửi được {waiting} chữ ký: {why}"),
                    format!("{waiting} signature(s) not uploaded yet: {why}"),
                ));
            }
            if !flushed.refused.is_empty() {
                return Err(Failure::verdict(
                    format!("cổng từ chối {} chữ ký", flushed.refused.len()),
                    format!("the gateway refused {} signature(s)", flushed.refused.len()),
                ));
            }
            Ok(())
        }
        ClientCommand::IssuanceList { format } => {
            let s = session(&store, server)?;
            let client = client_for(&s, pin)?;
            let list = rt.block_on(client.issuance_list()).map_err(failure)?;
            match format {
                Format::Json => {
                    let text = serde_json::to_string_pretty(&list).map_err(|e| {
                        Failure::usage(format!("lỗi JSON: {e}"), format!("JSON: {e}"))
                    })?;
                    println!("{text}");
                }
                Format::Text => {
                    if list.is_empty() {
                        println!("không có văn bản chờ phát hành / nothing waits for issuance");
                    }
                    for r in &list {
                        println!(
                            "{}  {} — {} (ký / signed by {}, {})",
                            r.id, r.document_type, r.title, r.signer.full_name, r.updated_at
                        );
                    }
                }
            }
            Ok(())
        }
        ClientCommand::Issue {
            id,
            number,
            date,
            out,
        } => {
            let s = session(&store, server)?;
            let client = client_for(&s, pin)?;
            let req = kyso_api::IssueRequest {
                number_symbol: number,
                date,
            };
            let (issued, bytes) = rt
                .block_on(async {
                    let issued = client.issue(&id, &req).await?;
                    let bytes = match &out {
                        Some(_) => {
                            let b = client.issued_document(&id).await?;
                            let sha = hex_sha256(&b);
                            if sha != issued.issued_sha256 {
                                return Err(Error::DocumentMismatch {
                                    expected: issued.issued_sha256.clone(),
                                    actual: sha,
                                });
                            }
                            Some(b)
                        }
                        None => None,
                    };
                    Ok::<_, Error>((issued, bytes))
                })
                .map_err(failure)?;
            println!(
                "đã phát hành / issued: {} — số / No. {}, ngày / date {}",
                issued.request.id, issued.number_symbol, issued.date
            );
            println!("  SHA-256: {}", issued.issued_sha256);
            if let (Some(out), Some(bytes)) = (&out, &bytes) {
                write_out(out, bytes)?;
                println!("  đã lưu / saved: {}", out.display());
            }
            Ok(())
        }
        ClientCommand::Copy {
            id,
            kind,
            number,
            out,
        } => {
            let s = session(&store, server)?;
            let client = client_for(&s, pin)?;
            let req = kyso_api::CopyRequest {
                kind: match kind {
                    CopyKindArg::SaoY => kyso_api::CopyKind::SaoY,
                    CopyKindArg::SaoLuc => kyso_api::CopyKind::SaoLuc,
                },
                number_symbol: number,
            };
            let (copy, bytes) = rt
                .block_on(async {
                    let copy = client.make_copy(&id, &req).await?;
                    let bytes = match &out {
                        Some(_) => {
                            let b = client.copy_document(&id, &copy.id).await?;
                            let sha = hex_sha256(&b);
                            if sha != copy.sha256 {
                                return Err(Error::DocumentMismatch {
                                    expected: copy.sha256.clone(),
                                    actual: sha,
                                });
                            }
                            Some(b)
                        }
                        None => None,
                    };
                    Ok::<_, Error>((copy, bytes))
                })
                .map_err(failure)?;
            println!(
                "đã sao / copied: {} — {} số / No. {} (bản sao / copy {})",
                copy.request_id,
                copy.kind.label(),
                copy.number_symbol,
                copy.id
            );
            println!("  SHA-256: {}", copy.sha256);
            if let (Some(out), Some(bytes)) = (&out, &bytes) {
                write_out(out, bytes)?;
                println!("  đã lưu / saved: {}", out.display());
            }
            Ok(())
        }
        ClientCommand::Decline { id, reason } => {
            if reason.trim().is_empty() {
                return Err(Failure::usage(
                    "cần lý do trả lại: --reason TEXT",
                    "a reason is required: --reason TEXT",
                ));
            }
            let s = session(&store, server)?;
            let client = client_for(&s, pin)?;
            let r = rt
                .block_on(async {
                    let r = client.get_request(&id).await?;
                    if r.status != RequestStatus::Pending {
                        return Err(Error::NotPending(r.status));
                    }
                    client.decline(&id, &reason).await
                })
                .map_err(failure)?;
            println!("đã trả lại / declined: {} — {}", r.id, r.title);
            println!(
                "  lý do / reason: {}",
                r.decline_reason.as_deref().unwrap_or(&reason)
            );
            println!("  trạng thái / status: {}", status_vi(r.status));
            Ok(())
        }
        ClientCommand::QuietHours {
            start,
            end,
            off,
            format,
        } => {
            let wanted = if off {
                Some(QuietHours::none())
            } else if start.is_some() {
                let q = QuietHours { start, end };
                q.minutes().map_err(|e| {
                    Failure::usage(
                        "giờ yên lặng không hợp lệ: cần --start và --end dạng HH:MM (00:00 đến 23:59, giờ Việt Nam), khác nhau",
                        format!("quiet hours: {e}"),
                    )
                })?;
                Some(q)
            } else {
                None
            };
            let s = session(&store, server)?;
            let client = client_for(&s, pin)?;
            let q = rt
                .block_on(async {
                    match &wanted {
                        Some(q) => client.set_quiet_hours(q).await,
                        None => client.quiet_hours().await,
                    }
                })
                .map_err(failure)?;
            match format {
                Format::Json => {
                    let text = serde_json::to_string(&q).map_err(|e| {
                        Failure::usage(format!("lỗi JSON: {e}"), format!("JSON: {e}"))
                    })?;
                    println!("{text}");
                }
                Format::Text => match (&q.start, &q.end) {
                    (Some(a), Some(b)) => {
                        println!("giờ yên lặng / quiet hours: {a}–{b} (UTC+07:00)");
                        println!(
                            "  thông báo về văn bản thường, khẩn chờ đến {b}; thượng khẩn, hỏa tốc vẫn đến ngay / \
                             pushes about normal and urgent documents wait until {b}; very urgent and flash come at once"
                        );
                    }
                    _ => println!("không đặt giờ yên lặng / no quiet hours"),
                },
            }
            Ok(())
        }
    }
}

/// The upload queue in the client's configuration directory.
async fn open_queue(store: &Store) -> Result<Queue, Error> {
    Queue::open(&store.dir().join("queue.sqlite")).await
}

fn print_queue(list: &[Queued], format: Format) {
    if let Format::Json = format {
        let v: Vec<serde_json::Value> = list
            .iter()
            .map(|q| {
                serde_json::json!({
                    "request_id": q.request_id, "sha256": q.sha256, "size": q.size,
                    "queued_at": q.queued_at, "attempts": q.attempts, "last_error": q.last_error,
                    "state": match q.state { QueueState::Waiting => "waiting", QueueState::Refused => "refused" },
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(v));
        return;
    }
    if list.is_empty() {
        println!("không có chữ ký chờ gửi (nothing waiting to upload)");
        return;
    }
    println!("{} chữ ký chờ gửi ({} queued):", list.len(), list.len());
    for q in list {
        let state = match q.state {
            QueueState::Waiting => "chờ gửi / waiting",
            QueueState::Refused => "bị từ chối / refused",
        };
        println!(
            "  {}  [{state}]  {} byte, {} lần / attempts{}",
            q.request_id,
            q.size,
            q.attempts,
            q.last_error
                .as_deref()
                .map(|e| format!(" — {e}"))
                .unwrap_or_default()
        );
    }
}

fn print_inbox(list: &[SigningRequest]) {
    if list.is_empty() {
        println!("không có văn bản chờ ký (no documents waiting)");
        return;
    }
    println!("{} văn bản chờ ký ({} waiting):", list.len(), list.len());
    for r in list {
        let kind = r.document_type.trim();
        println!(
            "  {}  [{}]  {}{}",
            r.id,
            urgency_vi(r.urgency),
            if kind.is_empty() {
                String::new()
            } else {
                format!("{kind}: ")
            },
            r.title
        );
        if let Some(d) = &r.deadline {
            println!("      hạn / deadline: {d}");
        }
    }
}

use kyso_client::flow::sha256_hex as hex_sha256;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_one_line_in_both_languages() {
        let f = failure(Error::NotPending(RequestStatus::Signed));
        let s = f.to_string();
        assert!(!s.contains('\n'), "{s}");
        assert!(s.contains("xung đột") && s.contains("conflict"), "{s}");
    }
}
