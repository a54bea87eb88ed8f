//! "Open request ID": the one path for `kyso://request/<id>` deep links
//! (and `kyso://request/<id>/sign`, a notification's "Ký ngay")
//! (`tauri-plugin-deep-link`; on desktop also a second launch
//! `kyso-app kyso://request/<id>`, handed over by
//! `tauri-plugin-single-instance`) and for a click on one of the app's
//! notifications, which carries the same URL ([`crate::notify`]).
//!
//! The URL is checked strictly ([`parse_request_url`]): anything else is
//! ignored with a warning on stderr. A valid one brings the main window to
//! the front and emits `open-request` (`{ id, action }`); the web view decides what
//! to do with it (open the document, or after the login). Until the web
//! view has asked for the app state once it is not listening yet (a link
//! given at start), so the id is kept and handed over in `app_state`'s
//! `open_request` instead.

use std::sync::Mutex;

use tauri::{AppHandle, Emitter, Manager, Runtime};

use crate::model::{LinkAction, OpenRequest, event};
use crate::state::Kyso;

/// The scheme and host of the app's links: `kyso://request/<id>`.
pub const REQUEST_URL_PREFIX: &str = "kyso://request/";

/// Longest request id a link may carry (the gateway's are UUIDs, 36).
const MAX_ID: usize = 64;

/// Whether `id` may be a request id: 1 to 64 ASCII letters, digits, `-`
/// and `_` (no dot, slash, percent or space).
pub fn valid_id(id: &str) -> bool {
    (1..=MAX_ID).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What `kyso://request/<id>` (view) or `kyso://request/<id>/sign` asks,
/// or `None` for anything else: another scheme or host, a port, user info,
/// other path, a query, a fragment, a trailing slash, percent-encoding, or
/// an id [`valid_id`] refuses. The scheme is matched without regard to
/// case (RFC 3986); the host and `sign`, as the app writes them, in lower
/// case.
pub fn parse_request_url(url: &str) -> Option<OpenRequest> {
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("kyso") {
        return None;
    }
    let rest = rest.strip_prefix("request/")?;
    let (id, action) = match rest.strip_suffix("/sign") {
        Some(id) => (id, LinkAction::Sign),
        None => (rest, LinkAction::View),
    };
    valid_id(id).then(|| OpenRequest {
        id: id.to_string(),
        action,
    })
}

/// The link of request `id` (what a notification's click carries).
pub fn request_url(id: &str) -> String {
    format!("{REQUEST_URL_PREFIX}{id}")
}

/// The link that opens request `id` with its sign sheet (a notification's
/// "Ký ngay").
pub fn sign_url(id: &str) -> String {
    format!("{REQUEST_URL_PREFIX}{id}/sign")
}

/// What the web view has not been told yet.
#[derive(Debug, Default)]
pub struct Opens {
    state: Mutex<OpensState>,
}

#[derive(Debug, Default)]
struct OpensState {
    /// The web view has asked for the app state, so it listens.
    listening: bool,
    /// The last request asked for before that.
    pending: Option<OpenRequest>,
}

impl Opens {
    fn lock(&self) -> std::sync::MutexGuard<'_, OpensState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether to emit `open-request` for `open` now; if not, it is kept
    /// for [`Self::take`] (the last one wins).
    fn deliver_now(&self, open: &OpenRequest) -> bool {
        let mut s = self.lock();
        if s.listening {
            return true;
        }
        s.pending = Some(open.clone());
        false
    }

    /// The request asked for before the web view listened, once; from now
    /// on requests are emitted. Called by `app_state`.
    pub fn take(&self) -> Option<OpenRequest> {
        let mut s = self.lock();
        s.listening = true;
        s.pending.take()
    }
}

/// Handles a URL given to the app (deep link, second launch, a
/// notification's click or action): `kyso://request/<id>[/sign]` opens
/// that request; anything else is ignored with a warning.
pub fn open_url<R: Runtime>(app: &AppHandle<R>, url: &str) {
    match parse_request_url(url) {
        Some(open) => open_request(app, open),
        None => eprintln!(
            "kyso: warning: ignored a link that is not kyso://request/<id>[/sign]: {:?}",
            // Whatever it is, at most 100 characters of it in the log.
            url.chars().take(100).collect::<String>()
        ),
    }
}

/// Brings the main window to the front.
pub fn raise<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

fn open_request<R: Runtime>(app: &AppHandle<R>, open: OpenRequest) {
    raise(app);
    let Some(kyso) = app.try_state::<Kyso>() else {
        return;
    };
    if kyso.opens.deliver_now(&open) {
        let _ = app.emit(event::OPEN_REQUEST, open);
    }
}

/// The arguments that look like the app's links (`kyso:…`, any case), to
/// be checked by [`open_url`]. The deep-link plugin takes a link from the
/// command line only when it is the only argument; a launcher (or a
/// WebDriver) may add flags.
pub fn links_in_args<I: IntoIterator<Item = String>>(args: I) -> Vec<String> {
    args.into_iter()
        .filter(|a| a.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("kyso:")))
        .collect()
}

/// Follows the deep-link plugin: the URLs the app was started with
/// (`get_current`: argv on Linux and Windows, the launch URL elsewhere;
/// on desktop also [`links_in_args`] of argv) and every one that arrives
/// while it runs. Called once the state is managed.
pub fn listen<R: Runtime>(app: &AppHandle<R>) {
    let Some(links) = app.try_state::<tauri_plugin_deep_link::DeepLink<R>>() else {
        return;
    };
    let handle = app.clone();
    links.on_open_url(move |ev| {
        for url in ev.urls() {
            open_url(&handle, url.as_str());
        }
    });
    let mut urls: Vec<String> = match links.get_current() {
        Ok(Some(urls)) => urls.into_iter().map(String::from).collect(),
        _ => Vec::new(),
    };
    if cfg!(desktop) {
        urls.extend(links_in_args(std::env::args().skip(1)));
    }
    let mut seen = std::collections::HashSet::new();
    for url in urls {
        if seen.insert(url.clone()) {
            open_url(app, &url);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_urls_are_parsed_strictly() {
        let id = "0b6f1c3e-5d2a-4f4e-9a57-3c1d2e8b9f10";
        let open = |id: &str, action| OpenRequest {
            id: id.into(),
            action,
        };
        assert_eq!(
            parse_request_url(&request_url(id)),
            Some(open(id, LinkAction::View))
        );
        assert_eq!(
            parse_request_url(&sign_url(id)),
            Some(open(id, LinkAction::Sign)),
            "the sign sheet's link"
        );
        assert_eq!(
            parse_request_url("KYSO://request/req_42-a"),
            Some(open("req_42-a", LinkAction::View)),
            "the scheme is case-insensitive"
        );
        assert_eq!(
            parse_request_url("kyso://request/sign"),
            Some(open("sign", LinkAction::View)),
            "an id that reads sign is an id"
        );
        assert_eq!(
            parse_request_url(&format!("kyso://request/{}", "a".repeat(64))).map(|o| o.id.len()),
            Some(64)
        );
        for bad in [
            "",
            "kyso://request/",
            "kyso://request",
            "kyso:request/abc",
            "kyso:/request/abc",
            "kyso:///request/abc",
            "kyso://REQUEST/abc",
            "kyso://request/abc/",
            "kyso://request/abc/def",
            "kyso://request/abc/sign/",
            "kyso://request/abc/SIGN",
            "kyso://request/abc/sign?x=1",
            "kyso://request/abc/sign/sign",
            "kyso://request//sign",
            "kyso://request/a.b/sign",
            "kyso://request/abc?x=1",
            "kyso://request/abc#top",
            "kyso://request/a%2Fb",
            "kyso://request/../settings",
            "kyso://request/a.b",
            "kyso://request/a b",
            "kyso://request/ab\u{0}",
            "kyso://request/tài-liệu",
            "kyso://user@request/abc",
            "kyso://request:443/abc",
            "kyso://setup?server=https://gw.example&pin=sha256/x",
            "https://request/abc",
            "kysox://request/abc",
            "javascript://request/abc",
        ] {
            assert_eq!(parse_request_url(bad), None, "{bad:?} is refused");
        }
        assert_eq!(
            parse_request_url(&format!("kyso://request/{}", "a".repeat(65))),
            None,
            "at most 64 characters"
        );
    }

    #[test]
    fn links_are_picked_from_the_arguments() {
        let args = [
            "--automation",
            "kyso://request/a",
            "KYSO://request/b",
            "kyso",
            "x-kyso://c",
            "kyso:",
        ];
        assert_eq!(
            links_in_args(args.map(String::from)),
            ["kyso://request/a", "KYSO://request/b", "kyso:"]
        );
    }

    #[test]
    fn a_request_before_the_web_view_listens_is_kept_once() {
        let o = Opens::default();
        let open = |id: &str, action| OpenRequest {
            id: id.into(),
            action,
        };
        assert!(
            !o.deliver_now(&open("a", LinkAction::View)),
            "nobody listens yet"
        );
        assert!(!o.deliver_now(&open("b", LinkAction::Sign)));
        assert_eq!(
            o.take(),
            Some(open("b", LinkAction::Sign)),
            "the last one wins, with its action"
        );
        assert_eq!(o.take(), None, "handed over once");
        assert!(
            o.deliver_now(&open("c", LinkAction::View)),
            "once the web view listens: an event"
        );
        assert_eq!(o.take(), None, "and nothing kept");
    }
}
