//! Presenter page-follow latency for `scripts/bench-meeting` (DESIGN.md
//! §4.6, issue 9; target: followers within 300 ms on a local network).
//!
//! ```text
//! bench_meeting [--pages 200] [--followers 5] [--interval-ms 50] [--data DIR]
//! ```
//!
//! Starts the demo gateway (`kyso serve --demo`'s province, SQLite in a
//! temporary directory or `DIR`) on a loopback port, in its own thread and
//! Tokio runtime, so the gateway and the clients below share nothing but
//! the socket. Then, over HTTP with `kyso-client` as the app uses it:
//!
//! * the document system creates a meeting chaired by leader1, with
//!   leader2, leader3 and clerk1, and one agenda document of `--pages` pages;
//! * `--followers` sessions (leader2, leader3, clerk1, then again in turn:
//!   a second tablet of the same person) open the presenter's channel
//!   (`GET /device/meetings/{id}/events`, SSE);
//! * leader1 turns every page (`POST /device/meetings/{id}/presenter`),
//!   one every `--interval-ms` ms;
//! * each follower notes when each state arrives. The follow latency of a
//!   page is the time from just before its POST was sent to its arrival at
//!   a follower (same clock: one process).
//!
//! Prints p50, p95, p99 and max in milliseconds, with the number of states
//! received (every follower must see every page, in order).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kyso_api::{NewAgendaItem, NewMeeting, NewMeetingDocument, PresenterUpdate};
use kyso_client::{Client, Secret};

#[path = "../tests/common/gateway.rs"]
mod gateway;
#[path = "../tests/common/pdf.rs"]
mod pdf;

struct Args {
    pages: u32,
    followers: usize,
    interval: Duration,
    data: Option<std::path::PathBuf>,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        pages: 200,
        followers: 5,
        interval: Duration::from_millis(50),
        data: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--pages" => a.pages = value()?.parse().map_err(|e| format!("--pages: {e}"))?,
            "--followers" => {
                a.followers = value()?.parse().map_err(|e| format!("--followers: {e}"))?
            }
            "--interval-ms" => {
                a.interval = Duration::from_millis(
                    value()?
                        .parse()
                        .map_err(|e| format!("--interval-ms: {e}"))?,
                )
            }
            "--data" => a.data = Some(value()?.into()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if a.pages == 0 || a.followers == 0 {
        return Err("--pages and --followers must be at least 1".into());
    }
    Ok(a)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() {
    if let Err(e) = run() {
        eprintln!("bench_meeting: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let a = args()?;
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let data = a.data.clone().unwrap_or_else(|| tmp.path().join("gateway"));

    // The gateway: its own thread and runtime (two workers, like the machine).
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let g = gateway::start(&data, None).await;
            let _ = ready_tx.send((g.url(), g.integrator_key.clone()));
            let _ = stop_rx.await;
            g.stop().await;
        });
    });
    let (url, key) = ready_rx
        .recv_timeout(Duration::from_secs(120))
        .map_err(|_| "the gateway did not start".to_string())?;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let result = rt.block_on(measure(&a, &url, &key));
    let _ = stop_tx.send(());
    let _ = server.join();
    result
}

async fn measure(a: &Args, url: &str, key: &str) -> Result<(), String> {
    let anon = Client::new(url, None).map_err(|e| e.to_string())?;
    let login = |user: &'static str| {
        let anon = anon.clone();
        async move {
            let s = anon
                .login(user, &Secret::new(gateway::PASSWORD.to_string()))
                .await
                .map_err(|e| format!("login {user}: {e}"))?;
            Ok::<Client, String>(anon.with_token(s.token))
        }
    };
    let qlvb = anon.clone().with_token(Secret::new(key.to_string()));
    let meeting = qlvb
        .create_meeting(
            &NewMeeting {
                title: "Họp đo độ trễ theo trang".into(),
                starts_at: "2026-03-09T08:00:00+07:00".into(),
                ends_at: "2026-03-09T09:00:00+07:00".into(),
                place: "Phòng họp số 1".into(),
                chair: "leader1".into(),
                participants: vec!["leader2".into(), "leader3".into(), "clerk1".into()],
                agenda: vec![NewAgendaItem {
                    title: "Tài liệu dài".into(),
                    documents: vec![NewMeetingDocument {
                        title: format!("Tài liệu {} trang", a.pages),
                        file: 0,
                    }],
                    draft_conclusion: None,
                    conclusion_request: None,
                }],
                external_id: None,
            },
            vec![pdf::pages(a.pages as usize, "Trang")],
        )
        .await
        .map_err(|e| format!("create the meeting: {e}"))?;
    let doc = meeting.agenda[0].documents[0].id.clone();
    let chair = login("leader1").await?;
    let people = ["leader2", "leader3", "clerk1"];

    // Followers: each notes (seq, arrival).
    type Seen = Arc<Mutex<Vec<(u64, Instant)>>>;
    let mut seen: Vec<Seen> = Vec::new();
    let mut tasks = Vec::new();
    for i in 0..a.followers {
        let c = login(people[i % people.len()]).await?;
        let mut events = c
            .meeting_events(&meeting.id)
            .await
            .map_err(|e| format!("follower {i}: {e}"))?;
        let s: Seen = Arc::default();
        seen.push(s.clone());
        let last = u64::from(a.pages);
        tasks.push(tokio::spawn(async move {
            while let Some(Ok(state)) = events.next().await {
                let at = Instant::now();
                s.lock().map_err(|_| "lock")?.push((state.seq, at));
                if state.seq >= last {
                    break;
                }
            }
            Ok::<(), &'static str>(())
        }));
    }

    // The presenter turns the pages; seq = page (a new meeting).
    let mut sent = Vec::with_capacity(a.pages as usize);
    let started = Instant::now();
    for page in 1..=a.pages {
        let t0 = Instant::now();
        sent.push(t0);
        let st = chair
            .present(
                &meeting.id,
                &PresenterUpdate {
                    document_id: doc.clone(),
                    page,
                    zoom: 1.0,
                },
            )
            .await
            .map_err(|e| format!("page {page}: {e}"))?;
        if st.seq != u64::from(page) {
            return Err(format!("page {page} got seq {}", st.seq));
        }
        let next = t0 + a.interval;
        tokio::time::sleep_until(next.into()).await;
    }
    let turning = started.elapsed();
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
    }

    let mut lat = Vec::new();
    let mut out_of_order = 0;
    for s in &seen {
        let s = s.lock().map_err(|_| "lock")?;
        let mut prev = 0;
        for (seq, at) in s.iter() {
            if *seq <= prev {
                out_of_order += 1;
            }
            prev = *seq;
            let t0 = sent[(*seq - 1) as usize];
            lat.push(at.duration_since(t0).as_secs_f64() * 1000.0);
        }
    }
    let expected = a.pages as usize * a.followers;
    lat.sort_by(|x, y| x.total_cmp(y));
    println!(
        "meeting page-follow over SSE, loopback: {} pages turned every {} ms ({:.1} s), {} followers, {} cores",
        a.pages,
        a.interval.as_millis(),
        turning.as_secs_f64(),
        a.followers,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "states received: {} of {expected}{}",
        lat.len(),
        if out_of_order > 0 {
            format!(", {out_of_order} out of order")
        } else {
            String::new()
        }
    );
    println!(
        "follow latency ms: p50 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}  (target <= 300)",
        percentile(&lat, 50.0),
        percentile(&lat, 95.0),
        percentile(&lat, 99.0),
        lat.last().copied().unwrap_or(f64::NAN)
    );
    if lat.len() != expected || out_of_order > 0 {
        return Err("not every follower saw every page in order".into());
    }
    Ok(())
}
