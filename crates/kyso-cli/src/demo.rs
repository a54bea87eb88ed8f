//! `kyso demo`: the whole system on this machine (DESIGN.md §10).
//!
//! Starts the provincial gateway with the demo province (`kyso serve
//! --demo`, in this process, on the embedded SQLite of `--data`), then walks
//! through one document end to end over HTTP, as the people of DESIGN.md §2
//! would: the document system (integrator API) submits a new draft for
//! leader1 → leader1 logs in with `kyso-client`, enrolls a new desktop key,
//! finds the draft in the inbox and signs it (the gateway accepts it only
//! through the strict verifier) → the document system downloads the signed
//! PDF, which the same verifier checks against the device CA and the issued
//! bytes. Each step is printed, in Vietnamese and English; the signed PDF
//! is kept in `--data`. Then the gateway keeps serving (Ctrl-C to stop), for
//! the app (`scripts/demo` starts it) or `kyso client`; `--exit` stops after
//! the walkthrough.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use kyso_api::{DraftMetadata, Placement, RequestStatus, SigningRequest, Urgency};
use kyso_client::{Client, DeviceKey, Secret, SignSettings};
use kyso_gateway::ServeOptions;
use kyso_pdf::verify::report::{Indication, Lang};
use kyso_pdf::verify::{Original, Profile, VerifyOptions};
use sha2::{Digest, Sha256};

use crate::Failure;

/// Arguments of `kyso demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Thư mục dữ liệu của bản chạy thử / the demo's data directory (the
    /// gateway's data in `gateway/`, signed PDFs in `signed/`).
    #[arg(long, default_value_os_t = default_dir())]
    data: PathBuf,
    /// Địa chỉ lắng nghe (loopback) / address to listen on (loopback).
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// Mật khẩu các tài khoản mẫu / password of the demo accounts.
    #[arg(long, default_value = "kyso-demo")]
    demo_password: String,
    /// Dừng sau phần chạy thử / stop after the walkthrough.
    #[arg(long)]
    exit: bool,
}

/// `$XDG_DATA_HOME/kyso/demo`, else `~/.local/share/kyso/demo`, else
/// `./kyso-demo`.
fn default_dir() -> PathBuf {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
    match std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d).join("kyso/demo"),
        None => match home {
            Some(h) => PathBuf::from(h).join(".local/share/kyso/demo"),
            None => PathBuf::from("kyso-demo"),
        },
    }
}

/// One step done, in both languages.
fn done(vi: &str, en: &str) {
    println!("  ✓ {vi} / {en}");
}

fn failed(step_vi: &str, step_en: &str, e: impl std::fmt::Display) -> Failure {
    Failure::verdict(format!("{step_vi}: {e}"), format!("{step_en}: {e}"))
}

pub fn run(args: DemoArgs) -> Result<(), Failure> {
    if !args.listen.ip().is_loopback() {
        return Err(Failure::usage(
            format!(
                "bản chạy thử chỉ lắng nghe trên loopback (127.0.0.1), không phải {}",
                args.listen
            ),
            format!(
                "the demo listens on loopback only (127.0.0.1), not {}",
                args.listen
            ),
        ));
    }
    let gateway_dir = args.data.join("gateway");
    std::fs::create_dir_all(&gateway_dir).map_err(|e| {
        Failure::usage(
            format!("không tạo được thư mục {}: {e}", gateway_dir.display()),
            format!("cannot create {}: {e}", gateway_dir.display()),
        )
    })?;
    crate::init_logging();
    let rt = crate::runtime()?;
    rt.block_on(async move {
        let state =
            crate::serve::open_state(gateway_dir.clone(), None, None, None, None).await?;
        let info = crate::serve::seed_demo(&state, &args.demo_password).await?;
        let base = format!("http://{}", args.listen);
        // Another gateway (an earlier demo) on the address would answer in
        // this one's place: say so before starting.
        std::net::TcpListener::bind(args.listen).map_err(|e| {
            Failure::usage(
                format!("không khởi động được cổng ký số: địa chỉ {} đang được dùng ({e})", args.listen),
                format!("the gateway did not start: {} is in use ({e})", args.listen),
            )
        })?;
        let mut server = tokio::spawn(kyso_gateway::serve(
            ServeOptions {
                data_dir: gateway_dir,
                listen: args.listen,
                database_url: None,
                tls: None,
            },
            state,
        ));
        wait_until_up(&base, &mut server).await?;
        crate::serve::print_demo(&info, &base, &args.demo_password);
        println!();
        println!("Chạy thử một văn bản từ đầu đến cuối / one document end to end:");
        let signed = walkthrough(&base, &info.integrator_key, &args).await?;
        println!();
        println!(
            "  tệp đã ký / signed PDF: {} (kyso verify {} --trust {})",
            signed.pdf.display(),
            signed.pdf.display(),
            signed.ca.display()
        );
        if args.exit {
            return Ok(());
        }
        println!();
        println!(
            "Cổng ký số đang chạy tại {base}/api/v1/ (Ctrl-C để dừng) / the gateway keeps running at {base}/api/v1/ (Ctrl-C to stop)."
        );
        let _ = std::io::stdout().flush();
        match server.await {
            Ok(r) => r.map_err(|e| {
                Failure::usage(
                    format!("cổng ký số dừng vì lỗi: {e}"),
                    format!("the gateway stopped: {e}"),
                )
            }),
            Err(e) => Err(Failure::usage(
                format!("cổng ký số dừng bất thường: {e}"),
                format!("the gateway stopped abnormally: {e}"),
            )),
        }
    })
}

/// Waits until the gateway answers at `base`, or says why it could not
/// start (the address is taken, …).
async fn wait_until_up(
    base: &str,
    server: &mut tokio::task::JoinHandle<Result<(), String>>,
) -> Result<(), Failure> {
    let anon = Client::new(base, None).map_err(|e| failed("địa chỉ", "address", e))?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if server.is_finished() {
            let why = match server.await {
                Ok(Err(e)) => e,
                Ok(Ok(())) => "stopped".into(),
                Err(e) => e.to_string(),
            };
            return Err(Failure::usage(
                format!("không khởi động được cổng ký số: {why}"),
                format!("the gateway did not start: {why}"),
            ));
        }
        if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_secs(2), anon.ca_pem()).await {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(Failure::usage(
                format!("cổng ký số không trả lời tại {base} sau 30 giây"),
                format!("the gateway did not answer at {base} within 30 s"),
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Where the walkthrough left its results.
struct Signed {
    pdf: PathBuf,
    ca: PathBuf,
}

const LEADER: &str = "leader1";

async fn walkthrough(base: &str, integrator_key: &str, args: &DemoArgs) -> Result<Signed, Failure> {
    // The document system's draft: a công văn for leader1, today in Vietnam.
    let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+7));
    let letter = kyso_pdf::sample::letter_pdf(&kyso_pdf::sample::Letter {
        parent_agency: "ỦY BAN NHÂN DÂN".into(),
        agency: "TỈNH HÀ GIANG".into(),
        number_symbol: "     /UBND-VP".into(),
        place_date: format!(
            "Hà Giang, ngày {} tháng {} năm {}",
            now.day(),
            u8::from(now.month()),
            now.year()
        ),
        doc_type: String::new(),
        summary: "V/v chạy thử hệ thống ký số Kyso trên thiết bị di động".into(),
        body: vec![
            "Ủy ban nhân dân tỉnh chạy thử hệ thống ký số văn bản trên thiết bị di động cho lãnh đạo các cấp.".into(),
            "Văn bản này được tạo bởi lệnh kyso demo để kiểm tra toàn bộ quy trình: gửi, ký, kiểm tra chữ ký.".into(),
        ],
        signer_title: "CHỦ TỊCH".into(),
        signer_name: "Nguyễn Văn An".into(),
        recipients: vec!["Như trên;".into(), "Lưu: VT, VP.".into()],
    })
    .map_err(|e| failed("tạo văn bản mẫu", "making the draft", e))?;
    let title = format!(
        "V/v chạy thử hệ thống ký số Kyso ({:02}:{:02}:{:02})",
        now.hour(),
        now.minute(),
        now.second()
    );
    let meta = DraftMetadata {
        title: title.clone(),
        number_symbol: None,
        document_type: "công văn".into(),
        urgency: Urgency::Urgent,
        deadline: None,
        signer: LEADER.into(),
        placement: Some(Placement {
            page: 1,
            rect: letter.signature_rect,
        }),
        external_id: Some(format!("KYSO-DEMO-{}", now.unix_timestamp())),
        callback_url: None,
    };
    let integrator = Integrator {
        base: base.to_string(),
        key: integrator_key.to_string(),
    };
    let issued = letter.pdf;
    let submitted = integrator
        .submit(&meta, issued.clone())
        .await
        .map_err(|e| {
            failed(
                "hệ thống QLVB gửi văn bản",
                "the document system's submission",
                e,
            )
        })?;
    done(
        &format!("hệ thống quản lý văn bản gửi «{title}» cho {LEADER}"),
        &format!(
            "the document system submitted the draft {} for {LEADER}",
            submitted.id
        ),
    );

    // leader1 on a desktop: login, a new key, the inbox, signing.
    let anon = Client::new(base, None).map_err(|e| failed("địa chỉ", "address", e))?;
    let session = anon
        .login(LEADER, &Secret::new(args.demo_password.clone()))
        .await
        .map_err(|e| failed("đăng nhập", "login", e))?;
    let client = anon.with_token(session.token);
    done(
        &format!("{LEADER} đăng nhập"),
        &format!("{LEADER} logged in"),
    );
    let key = DeviceKey::generate();
    let enrolled = kyso_client::enroll(&client, &key, LEADER, kyso_client::platform(), "kyso demo")
        .await
        .map_err(|e| failed("đăng ký thiết bị", "enrollment", e))?;
    let chain = kyso_client::parse_chain(&enrolled.certificate_chain_pem)
        .map_err(|e| failed("chứng thư thiết bị", "device certificate", e))?;
    done(
        "tạo khóa ký mới (P-256) và nhận chứng thư từ CA thiết bị của tỉnh",
        &format!(
            "a new P-256 key, certified by the province's device CA (device {})",
            enrolled.device_id
        ),
    );
    let inbox = client
        .inbox()
        .await
        .map_err(|e| failed("danh sách văn bản", "inbox", e))?;
    if !inbox.iter().any(|r| r.id == submitted.id) {
        return Err(failed(
            "danh sách văn bản",
            "inbox",
            format!("{} is not in {LEADER}'s inbox", submitted.id),
        ));
    }
    done(
        &format!(
            "văn bản có trong danh sách chờ ký của {LEADER} ({} văn bản)",
            inbox.len()
        ),
        &format!("the draft is in {LEADER}'s inbox ({} pending)", inbox.len()),
    );
    let outcome = kyso_client::sign_request(
        &client,
        &submitted.id,
        &key.software_key(),
        &chain,
        &SignSettings {
            reason: Some("Phê duyệt văn bản (kyso demo)".into()),
            ..SignSettings::default()
        },
    )
    .await
    .map_err(|e| failed("ký số", "signing", e))?;
    if outcome.request.status != RequestStatus::Signed {
        return Err(failed(
            "ký số",
            "signing",
            format!(
                "the gateway has the request as {:?}",
                outcome.request.status
            ),
        ));
    }
    done(
        "ký số (PAdES, chữ ký hiển thị) và gửi; cổng ký số kiểm tra và chấp nhận",
        "signed (PAdES, visible) and uploaded; the gateway verified and accepted it",
    );

    // The document system takes the signed PDF; the verifier checks it.
    let pdf = integrator
        .get(&format!("requests/{}/signed", submitted.id))
        .await
        .map_err(|e| failed("tải văn bản đã ký", "downloading the signed PDF", e))?;
    let ca_pem = client
        .ca_pem()
        .await
        .map_err(|e| failed("chứng thư CA", "the device CA", e))?;
    let trust = kyso_pdf::signer::certificates_from_pem(&ca_pem)
        .map_err(|e| failed("chứng thư CA", "the device CA", e))?;
    let report = kyso_pdf::verify::verify(
        &pdf[..],
        &VerifyOptions {
            profile: Profile::Strict,
            trust,
            original: Some(Original {
                len: issued.len() as u64,
                sha256: Sha256::digest(&issued).into(),
            }),
            now: time::OffsetDateTime::now_utc(),
        },
    );
    if report.indication != Indication::TotalPassed {
        return Err(failed(
            "kiểm tra chữ ký",
            "verification",
            report.to_text(Lang::En),
        ));
    }
    let out = args.data.join("signed");
    let pdf_path = out.join(format!("{}.pdf", submitted.id));
    let ca_path = out.join("device-ca.pem");
    write_new(&pdf_path, &pdf)?;
    write_new(&ca_path, ca_pem.as_bytes())?;
    done(
        "hệ thống QLVB tải văn bản đã ký; kiểm tra: TOTAL_PASSED (đúng văn bản đã gửi, chứng thư của tỉnh)",
        "the document system downloaded the signed PDF; verified: TOTAL_PASSED (the issued bytes, the province's CA)",
    );
    Ok(Signed {
        pdf: pdf_path,
        ca: ca_path,
    })
}

/// Writes `bytes` to `path` whole or not at all (a temporary file renamed).
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let err = |e: std::io::Error| {
        Failure::usage(
            format!("không ghi được {}: {e}", path.display()),
            format!("cannot write {}: {e}", path.display()),
        )
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// The document system: the integrator API with its key.
struct Integrator {
    base: String,
    key: String,
}

/// Answers larger than this are refused (a signed PDF of the demo is
/// about 100 KB).
const MAX_ANSWER: u64 = 64 * 1024 * 1024;

impl Integrator {
    /// `ureq` is blocking: each call runs on tokio's blocking pool, beside
    /// the gateway in the same process.
    async fn call(
        &self,
        method: &'static str,
        path: String,
        body: Option<(String, Vec<u8>)>,
    ) -> Result<(u16, Vec<u8>), String> {
        let url = format!("{}/api/v1/{path}", self.base);
        let auth = format!("Bearer {}", self.key);
        tokio::task::spawn_blocking(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(60)))
                .http_status_as_error(false)
                .build()
                .into();
            let resp = match (method, body) {
                ("POST", Some((ct, b))) => agent
                    .post(&url)
                    .header("Authorization", &auth)
                    .header("Content-Type", &ct)
                    .send(&b[..]),
                _ => agent.get(&url).header("Authorization", &auth).call(),
            }
            .map_err(|e| format!("{url}: {e}"))?;
            let status = resp.status().as_u16();
            let mut out = Vec::new();
            resp.into_body()
                .into_reader()
                .take(MAX_ANSWER)
                .read_to_end(&mut out)
                .map_err(|e| format!("{url}: {e}"))?;
            Ok((status, out))
        })
        .await
        .map_err(|e| e.to_string())?
    }

    async fn submit(&self, meta: &DraftMetadata, pdf: Vec<u8>) -> Result<SigningRequest, String> {
        let boundary = format!("kyso-demo-{:016x}", rand_u64());
        let meta = serde_json::to_string(meta).map_err(|e| e.to_string())?;
        let mut b = Vec::with_capacity(pdf.len() + 1024);
        b.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n{meta}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"draft.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes(),
        );
        b.extend_from_slice(&pdf);
        b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let ct = format!("multipart/form-data; boundary={boundary}");
        let (status, body) = self.call("POST", "requests".into(), Some((ct, b))).await?;
        if status != 201 {
            return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)));
        }
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    }

    async fn get(&self, path: &str) -> Result<Vec<u8>, String> {
        let (status, body) = self.call("GET", path.to_string(), None).await?;
        if status != 200 {
            return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)));
        }
        Ok(body)
    }
}

/// A boundary that does not occur in the body by chance.
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}
