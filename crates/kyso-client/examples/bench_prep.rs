//! Preparation and checking for `scripts/bench-gateway` (DESIGN.md §8): talks
//! to a running `kyso serve --demo` over HTTP, like the real clients do.
//!
//! ```text
//! bench_prep prepare --server URL --out DIR [--count N] [--size-kb KB] [--jobs J]
//!                    [--leader leader1] [--admin admin] [--password kyso-demo]
//! bench_prep check   --server URL --dir DIR [--inbox-pending K]
//! ```
//!
//! `prepare` logs in as the administrator (who creates an integrator key for
//! the document system's side) and as the leader, enrolls a fresh device key
//! for the leader (challenge, CSR, certificate from the device CA), then
//! submits `N` drafts of about `KB` KiB addressed to the leader (a one-page
//! Vietnamese letter from `kyso_pdf::sample` plus, in an incremental update,
//! a second page holding a random-pixel "scanned appendix" image, so every
//! draft is distinct) and signs each locally with the device key through
//! `kyso_client::flow::sign_document`, the function the app's signing flow
//! uses (visible signature at the request's placement, idempotency key from
//! the request and the signed bytes). One extra draft goes through the whole
//! `kyso_client::sign_request` flow (fetch, check, sign, upload) to prove that
//! uploads are accepted before any load is generated. It writes to `DIR`:
//!
//! * `signed/NNNNN.pdf`: the signed bodies, ready to upload;
//! * `manifest.tsv`: `request id <TAB> file path <TAB> Idempotency-Key`;
//! * `leader.token`: the leader's bearer token; `integrator.key`: the
//!   integrator key (both 0600).
//!
//! `check` asks the gateway (integrator side) for every request of the
//! manifest and prints how many are signed, still pending or otherwise,
//! with the span between the first and the last signature recorded, as one
//! `CHECK key=value…` line. With `--inbox-pending K` it then leaves exactly
//! `K` of the benchmark's drafts pending in the leader's inbox (cancelling
//! the rest, or submitting small letters to reach `K`), so that the inbox
//! benchmark lists a realistic, known number of documents; it prints
//! `INBOX items=…` with what the leader's inbox then holds.

use std::collections::HashMap;
use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use futures_util::{StreamExt, TryStreamExt, stream};
use kyso_api::{
    DraftMetadata, IntegratorKeyCreated, NewIntegratorKey, Placement, RequestStatus,
    RequestWithHistory, SigningRequest, Urgency,
};
use kyso_client::flow::sign_document;
use kyso_client::{Client, DeviceKey, Secret, SignSettings};
use kyso_pdf::Document;
use kyso_pdf::object::{Dict, Object, Stream, StreamData};
use kyso_pdf::sample::{GeneratedLetter, Letter, letter_pdf};
use kyso_pdf::write::Update;
use rand_core::{OsRng, RngCore};

type BoxResult<T> = Result<T, Box<dyn Error + Send + Sync>>;

/// Width of the appendix image, pixels (8-bit RGB, uncompressed).
const IMAGE_W: usize = 1024;

struct Args(HashMap<String, String>);

impl Args {
    fn parse(list: &[String]) -> BoxResult<Self> {
        let mut m = HashMap::new();
        let mut it = list.iter();
        while let Some(k) = it.next() {
            let key = k
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument {k}"))?;
            let v = it.next().ok_or_else(|| format!("{k} needs a value"))?;
            m.insert(key.to_string(), v.clone());
        }
        Ok(Self(m))
    }

    fn get(&self, k: &str, default: &str) -> String {
        self.0
            .get(k)
            .cloned()
            .unwrap_or_else(|| default.to_string())
    }

    fn required(&self, k: &str) -> BoxResult<String> {
        self.0
            .get(k)
            .cloned()
            .ok_or_else(|| format!("--{k} is required").into())
    }

    fn number(&self, k: &str, default: usize) -> BoxResult<usize> {
        match self.0.get(k) {
            Some(v) => v
                .parse()
                .map_err(|_| format!("--{k} must be a number, not {v}").into()),
            None => Ok(default),
        }
    }
}

#[tokio::main]
async fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let result = match argv.split_first() {
        Some((cmd, rest)) if cmd == "prepare" => match Args::parse(rest) {
            Ok(a) => prepare(&a).await,
            Err(e) => Err(e),
        },
        Some((cmd, rest)) if cmd == "check" => match Args::parse(rest) {
            Ok(a) => check(&a).await,
            Err(e) => Err(e),
        },
        _ => Err(
            "usage: bench_prep prepare --server URL --out DIR [--count N] [--size-kb KB] \
                  [--jobs J] [--leader U] [--admin U] [--password P]\n       \
                  bench_prep check --server URL --dir DIR [--inbox-pending K]"
                .into(),
        ),
    };
    if let Err(e) = result {
        eprintln!("bench_prep: {e}");
        std::process::exit(1);
    }
}

/// The gateway's `/api/v1/` base, without a trailing slash.
fn api(server: &str) -> String {
    format!("{}/api/v1", server.trim_end_matches('/'))
}

/// The JSON of a 2xx answer, or the gateway's error as text.
async fn json_of<T: serde::de::DeserializeOwned>(
    what: &str,
    resp: reqwest::Response,
) -> BoxResult<T> {
    let status = resp.status();
    let body = resp.bytes().await?;
    if !status.is_success() {
        return Err(format!("{what}: HTTP {status}: {}", String::from_utf8_lossy(&body)).into());
    }
    Ok(serde_json::from_slice(&body).map_err(|e| format!("{what}: invalid JSON: {e}"))?)
}

/// The letter every draft starts from, with its signature placement.
fn base_letter(i: usize) -> BoxResult<GeneratedLetter> {
    Ok(letter_pdf(&Letter {
        parent_agency: "ỦY BAN NHÂN DÂN".into(),
        agency: "TỈNH HÀ GIANG".into(),
        number_symbol: format!("{i}/UBND-BENCH"),
        place_date: "Hà Giang, ngày 20 tháng 3 năm 2026".into(),
        doc_type: String::new(),
        summary: "V/v đo hiệu năng cổng ký số (kèm phụ lục bản quét)".into(),
        body: vec![
            "Ủy ban nhân dân tỉnh gửi kèm theo công văn này phụ lục bản quét để các cơ quan, \
             đơn vị nghiên cứu, thực hiện."
                .into(),
            "Đề nghị các cơ quan, đơn vị báo cáo kết quả thực hiện trước ngày 30 tháng 6 năm 2026."
                .into(),
        ],
        signer_title: "CHỦ TỊCH".into(),
        signer_name: "Nguyễn Văn An".into(),
        recipients: vec!["Như trên;".into(), "Lưu: VT.".into()],
    })?)
}

/// `letter` plus an incremental update adding page 2: an uncompressed RGB
/// image of random pixels, sized so the whole file is about `target` bytes.
fn with_appendix(letter: &[u8], target: usize) -> BoxResult<Vec<u8>> {
    let doc = Document::open(letter)?;
    let (_, catalog) = doc.catalog()?;
    let pages_ref = catalog
        .get("Pages")
        .and_then(Object::as_ref)
        .ok_or("the letter's catalog has no /Pages reference")?;
    let mut pages = doc.resolve_dict(&Object::Ref(pages_ref), "/Pages")?;
    let mut kids = match pages.get("Kids") {
        Some(Object::Array(k)) => k.clone(),
        _ => return Err("the letter's /Pages has no /Kids array".into()),
    };
    let rows = (target.saturating_sub(letter.len() + 1500) / (IMAGE_W * 3)).max(1);
    let mut pixels = vec![0u8; IMAGE_W * 3 * rows];
    OsRng.fill_bytes(&mut pixels);
    let mut up = Update::new(&doc);
    let image = up.add(Object::Stream(Stream {
        dict: Dict::from_pairs([
            ("Type", Object::name("XObject")),
            ("Subtype", Object::name("Image")),
            ("Width", Object::Int(IMAGE_W as i64)),
            ("Height", Object::Int(rows as i64)),
            ("ColorSpace", Object::name("DeviceRGB")),
            ("BitsPerComponent", Object::Int(8)),
        ]),
        data: StreamData::Bytes(pixels),
    }));
    // Fit the image in the A4 page's margins (595 × 842 pt).
    let scale = (515.0 / IMAGE_W as f64).min(762.0 / rows as f64);
    let (w, h) = (IMAGE_W as f64 * scale, rows as f64 * scale);
    let ops = format!("q {w:.2} 0 0 {h:.2} 40 {:.2} cm /Im1 Do Q\n", 802.0 - h);
    let content = up.add(Object::Stream(Stream {
        dict: Dict::new(),
        data: StreamData::Bytes(ops.into_bytes()),
    }));
    let page = up.add(Object::Dict(Dict::from_pairs([
        ("Type", Object::name("Page")),
        ("Parent", Object::Ref(pages_ref)),
        (
            "MediaBox",
            Object::Array(vec![
                Object::Int(0),
                Object::Int(0),
                Object::Int(595),
                Object::Int(842),
            ]),
        ),
        ("Contents", Object::Ref(content)),
        (
            "Resources",
            Object::Dict(Dict::from_pairs([(
                "XObject",
                Object::Dict(Dict::from_pairs([("Im1", Object::Ref(image))])),
            )])),
        ),
    ])));
    kids.push(Object::Ref(page));
    pages.set("Count", Object::Int(kids.len() as i64));
    pages.set("Kids", Object::Array(kids));
    up.put(pages_ref, Object::Dict(pages));
    let update = up.serialize(&doc)?;
    let mut out = Vec::with_capacity(letter.len() + update.bytes.len());
    out.extend_from_slice(letter);
    out.extend_from_slice(&update.bytes);
    Ok(out)
}

/// The document system's side: submits a draft for `leader`.
async fn submit(
    http: &reqwest::Client,
    server: &str,
    integrator_key: &str,
    leader: &str,
    pdf: Vec<u8>,
    rect: [f64; 4],
    n: usize,
) -> BoxResult<SigningRequest> {
    let meta = DraftMetadata {
        title: format!("Đo hiệu năng: văn bản số {n}"),
        number_symbol: None,
        document_type: "công văn".into(),
        urgency: Urgency::Normal,
        deadline: None,
        signer: leader.into(),
        placement: Some(Placement { page: 1, rect }),
        external_id: Some(format!("BENCH-{n:05}")),
        callback_url: None,
    };
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf)
                .file_name("draft.pdf")
                .mime_str("application/pdf")?,
        )
        .text("metadata", serde_json::to_string(&meta)?);
    let resp = http
        .post(format!("{}/requests", api(server)))
        .bearer_auth(integrator_key)
        .multipart(form)
        .send()
        .await?;
    json_of("submitting a draft", resp).await
}

fn write_secret(path: &Path, value: &str) -> BoxResult<()> {
    let mut f = std::fs::File::create(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    f.write_all(value.as_bytes())?;
    Ok(())
}

async fn prepare(a: &Args) -> BoxResult<()> {
    let server = a.required("server")?;
    let out = PathBuf::from(a.required("out")?);
    let count = a.number("count", 1000)?;
    let target = a.number("size-kb", 1024)? * 1024;
    let jobs = a.number("jobs", 4)?.max(1);
    let leader = a.get("leader", "leader1");
    let admin = a.get("admin", "admin");
    let password = Secret::new(a.get("password", "kyso-demo"));
    let started = Instant::now();
    std::fs::create_dir_all(out.join("signed"))?;
    let http = reqwest::Client::new();

    // The administrator makes an integrator key for the document system.
    let anon = Client::new(&server, None)?;
    let admin_session = anon.login(&admin, &password).await?;
    let resp = http
        .post(format!("{}/admin/integrator-keys", api(&server)))
        .bearer_auth(admin_session.token.expose())
        .json(&NewIntegratorKey {
            name: "bench-gateway".into(),
        })
        .send()
        .await?;
    let ik: IntegratorKeyCreated = json_of("creating an integrator key", resp).await?;
    anon.clone()
        .with_token(admin_session.token)
        .logout()
        .await?;

    // The leader logs in and enrolls a device key.
    let session = anon.login(&leader, &password).await?;
    let token = session.token.expose().clone();
    let client = anon.clone().with_token(session.token);
    let key = DeviceKey::generate();
    let enrolled = kyso_client::enroll(
        &client,
        &key,
        &session.user.full_name,
        kyso_client::platform(),
        "bench-gateway",
    )
    .await?;
    let chain = kyso_client::parse_chain(&enrolled.certificate_chain_pem)?;
    let signer = key.software_key();
    let settings = SignSettings {
        reason: Some("Đo hiệu năng cổng ký số".into()),
        ..SignSettings::default()
    };
    eprintln!(
        "bench_prep: {leader} enrolled device {} ({:?})",
        enrolled.device_id, enrolled.security_level
    );

    let letter = base_letter(0)?;
    let rect = letter.signature_rect;

    // One draft through the whole client flow: fetch, check, sign, upload.
    let smoke = submit(
        &http,
        &server,
        &ik.key,
        &leader,
        with_appendix(&letter.pdf, target)?,
        rect,
        0,
    )
    .await?;
    let outcome = kyso_client::sign_request(&client, &smoke.id, &signer, &chain, &settings).await?;
    if outcome.request.status != RequestStatus::Signed {
        return Err(format!(
            "the smoke upload came back {}",
            outcome.request.status.as_str()
        )
        .into());
    }
    eprintln!(
        "bench_prep: smoke test accepted ({} bytes signed, {} attempt(s))",
        outcome.upload.pdf.len(),
        outcome.attempts
    );

    // The benchmark's drafts: submit, sign locally, keep the body.
    let done = std::sync::atomic::AtomicUsize::new(0);
    let made: Vec<(usize, String, PathBuf, String, usize)> = stream::iter(1..=count)
        .map(|n| {
            let (http, server, ik, leader) = (&http, &server, &ik.key, &leader);
            let (letter, signer, chain, settings, out, done) =
                (&letter.pdf, &signer, &chain, &settings, &out, &done);
            async move {
                let pdf = with_appendix(letter, target)?;
                let request = submit(http, server, ik, leader, pdf.clone(), rect, n).await?;
                let signed = sign_document(&request, &pdf, signer, chain, settings).await?;
                let path = out.join("signed").join(format!("{n:05}.pdf"));
                std::fs::write(&path, &signed.pdf)?;
                let k = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if k % 250 == 0 {
                    eprintln!("bench_prep: {k}/{count} drafts submitted and signed");
                }
                BoxResult::Ok((
                    n,
                    request.id,
                    path,
                    signed.idempotency_key,
                    signed.pdf.len(),
                ))
            }
        })
        .buffer_unordered(jobs)
        .try_collect()
        .await?;
    let mut made = made;
    made.sort_by_key(|m| m.0);
    let mut manifest = String::new();
    let mut bytes = 0usize;
    for (_, id, path, key, len) in &made {
        manifest.push_str(&format!("{id}\t{}\t{key}\n", path.display()));
        bytes += len;
    }
    std::fs::write(out.join("manifest.tsv"), manifest)?;
    write_secret(&out.join("leader.token"), &token)?;
    write_secret(&out.join("integrator.key"), &ik.key)?;
    println!(
        "PREPARED count={} avg_bytes={} seconds={:.1}",
        made.len(),
        bytes / made.len().max(1),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn parse_time(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

async fn check(a: &Args) -> BoxResult<()> {
    let server = a.required("server")?;
    let dir = PathBuf::from(a.required("dir")?);
    let keep: Option<usize> = match a.0.get("inbox-pending") {
        Some(_) => Some(a.number("inbox-pending", 0)?),
        None => None,
    };
    let ik = std::fs::read_to_string(dir.join("integrator.key"))?;
    let ik = ik.trim();
    let token = std::fs::read_to_string(dir.join("leader.token"))?;
    let ids: Vec<String> = std::fs::read_to_string(dir.join("manifest.tsv"))?
        .lines()
        .filter_map(|l| l.split('\t').next())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let http = reqwest::Client::new();
    let base = api(&server);
    let states: Vec<SigningRequest> = stream::iter(ids.iter())
        .map(|id| {
            let (http, base) = (&http, &base);
            async move {
                let resp = http
                    .get(format!("{base}/requests/{id}"))
                    .bearer_auth(ik)
                    .send()
                    .await?;
                let r: RequestWithHistory = json_of("reading a request", resp).await?;
                BoxResult::Ok(r.request)
            }
        })
        .buffered(8)
        .try_collect()
        .await?;
    let signed: Vec<time::OffsetDateTime> = states
        .iter()
        .filter(|r| r.status == RequestStatus::Signed)
        .filter_map(|r| parse_time(&r.updated_at))
        .collect();
    let n_signed = states
        .iter()
        .filter(|r| r.status == RequestStatus::Signed)
        .count();
    let pending: Vec<&SigningRequest> = states
        .iter()
        .filter(|r| r.status == RequestStatus::Pending)
        .collect();
    let span = match (signed.iter().min(), signed.iter().max()) {
        (Some(a), Some(b)) => (*b - *a).as_seconds_f64(),
        _ => 0.0,
    };
    println!(
        "CHECK total={} signed={} pending={} other={} span_s={span:.3}",
        states.len(),
        n_signed,
        pending.len(),
        states.len() - n_signed - pending.len(),
    );
    let Some(keep) = keep else {
        return Ok(());
    };
    // Leave exactly `keep` of the benchmark's drafts in the inbox.
    let extra: Vec<&str> = pending.iter().skip(keep).map(|r| r.id.as_str()).collect();
    stream::iter(extra)
        .map(|id| {
            let (http, base) = (&http, &base);
            async move {
                let resp = http
                    .post(format!("{base}/requests/{id}/cancel"))
                    .bearer_auth(ik)
                    .send()
                    .await?;
                json_of::<SigningRequest>("cancelling a request", resp).await
            }
        })
        .buffer_unordered(4)
        .try_collect::<Vec<_>>()
        .await?;
    let leader_client = Client::new(&server, None)?.with_token(Secret::new(token.trim().into()));
    let leader = leader_client.me().await?;
    let letter = base_letter(0)?;
    for n in pending.len()..keep {
        submit(
            &http,
            &server,
            ik,
            &leader.username,
            letter.pdf.clone(),
            letter.signature_rect,
            100_000 + n,
        )
        .await?;
    }
    let inbox = leader_client.inbox().await?;
    let json_bytes = serde_json::to_vec(&inbox)?.len();
    println!("INBOX items={} json_bytes={json_bytes}", inbox.len());
    Ok(())
}
