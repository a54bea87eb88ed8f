//! Notifications of new requests (DESIGN.md §4.5): while there is a
//! session, a gateway event that brings a request new to this leader
//! becomes an OS notification; clicking it (or its "Xem") opens
//! `kyso://request/<id>`, its "Ký ngay" `kyso://request/<id>/sign` (the
//! document with its sign sheet: signing still asks for the key), through
//! the same path as a deep link ([`crate::links::open_url`]).
//!
//! **Which events.** [`Notified::is_new`]: `pending`, not already known
//! here as pending (the inbox or an earlier event brought it), not
//! announced before in this session. The request is then fetched over the
//! pinned connection and announced only if it is still pending and
//! addressed to the session's user ([`for_me`]).
//!
//! **What it says.** The gateway's events and pushes carry only the id,
//! status and urgency (DESIGN.md §7.6); the text is made here, from what
//! the app fetched itself: a localised heading with the urgency (Vietnamese,
//! English when the app's language is English), and the request's title,
//! number/symbol and unit ([`Content`]). Never the document. When the
//! request cannot be fetched (the gateway went away), a generic line.
//! Flash (hỏa tốc) and very urgent (thượng khẩn) requests are critical.
//!
//! **How.** On Linux the app calls `org.freedesktop.Notifications` itself
//! (zbus): the notification plugin hands the notification to notify-rust
//! and drops its handle there, so a click would never reach the app. The
//! notification has the `default` action (a click on it), `view`
//! ("Xem" / "View") and `sign` ("Ký ngay" / "Sign now"); the app
//! subscribes to `ActionInvoked` and
//! `NotificationClosed` before it calls `Notify`, so no click is missed,
//! and stops listening when the notification closes. Elsewhere
//! `tauri-plugin-notification` shows it, with the link in its `extra` data
//! (on phones, the push payloads carry the same link; see README.md).

use std::collections::HashSet;
use std::sync::Mutex;

use kyso_api::{RequestEvent, RequestStatus, SigningRequest, Urgency};
use tauri::{AppHandle, Manager, Runtime};

use crate::links;
use crate::model::{Language, LinkAction};
use crate::state::Kyso;

/// Requests already announced (or known) in this session.
#[derive(Debug, Default)]
pub struct Notified {
    state: Mutex<(u64, HashSet<String>)>,
}

/// More ids than this and the set starts again (the cache still knows the
/// requests it fetched, so they are not announced twice).
const MAX_REMEMBERED: usize = 4096;

impl Notified {
    /// Whether `ev` announces a request new to this leader: `pending`, not
    /// known here as pending (`cached`, as last seen before this event),
    /// and not announced before in this session (`generation`, which
    /// changes with the session). Remembers it.
    pub fn is_new(
        &self,
        generation: u64,
        ev: &RequestEvent,
        cached: Option<&SigningRequest>,
    ) -> bool {
        if ev.status != RequestStatus::Pending
            || cached.is_some_and(|r| r.status == RequestStatus::Pending)
        {
            return false;
        }
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.0 != generation || s.1.len() >= MAX_REMEMBERED {
            *s = (generation, HashSet::new());
        }
        s.1.insert(ev.request_id.clone())
    }
}

/// Whether the fetched request is one for `me` to sign now.
pub fn for_me(r: &SigningRequest, me: &str) -> bool {
    r.status == RequestStatus::Pending && r.signer.id == me
}

/// What a notification says, and the link it opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    /// The heading: the urgency and "new document to sign".
    pub summary: String,
    /// Title, number/symbol and unit; or a generic line.
    pub body: String,
    /// Flash or very urgent: shown as critical.
    pub critical: bool,
    /// `kyso://request/<id>`.
    pub url: String,
    /// `kyso://request/<id>/sign`.
    pub sign_url: String,
    /// The label of the `view` action.
    pub view: &'static str,
    /// The label of the `sign` action.
    pub sign: &'static str,
}

fn urgency_label(u: Urgency, lang: Language) -> Option<&'static str> {
    match (u, lang) {
        (Urgency::Normal, _) => None,
        (Urgency::Urgent, Language::Vi) => Some("Khẩn"),
        (Urgency::VeryUrgent, Language::Vi) => Some("Thượng khẩn"),
        (Urgency::Flash, Language::Vi) => Some("Hỏa tốc"),
        (Urgency::Urgent, Language::En) => Some("Urgent"),
        (Urgency::VeryUrgent, Language::En) => Some("Very urgent"),
        (Urgency::Flash, Language::En) => Some("Flash"),
    }
}

impl Content {
    /// The notification of request `id` (`urgency` from the event), with
    /// the request when it could be fetched.
    pub fn new(id: &str, urgency: Urgency, r: Option<&SigningRequest>, lang: Language) -> Self {
        let urgency = r.map_or(urgency, |r| r.urgency);
        let heading = match lang {
            Language::Vi => "Văn bản mới chờ ký",
            Language::En => "New document to sign",
        };
        let summary = match urgency_label(urgency, lang) {
            Some(u) => format!("{u} · {heading}"),
            None => heading.to_string(),
        };
        let body = match r {
            Some(r) => {
                let from = match &r.number_symbol {
                    Some(n) if !n.trim().is_empty() => format!("{n} · {}", r.unit.name),
                    _ => r.unit.name.clone(),
                };
                format!("{}\n{from}", r.title)
            }
            None => match lang {
                Language::Vi => "Mở Kyso để xem văn bản.".to_string(),
                Language::En => "Open Kyso to read it.".to_string(),
            },
        };
        Self {
            summary,
            body,
            critical: matches!(urgency, Urgency::Flash | Urgency::VeryUrgent),
            url: links::request_url(id),
            sign_url: links::sign_url(id),
            view: match lang {
                Language::Vi => "Xem",
                Language::En => "View",
            },
            sign: match lang {
                Language::Vi => "Ký ngay",
                Language::En => "Sign now",
            },
        }
    }

    /// The link of `action`.
    pub fn link(&self, action: LinkAction) -> &str {
        match action {
            LinkAction::View => &self.url,
            LinkAction::Sign => &self.sign_url,
        }
    }
}

/// Announces the request of `ev` (see the module): fetches it, checks it
/// is for the session's user, shows the notification and, on Linux,
/// opens it when clicked. In the background; `generation` is the session
/// the event came in.
pub fn announce<R: Runtime>(app: &AppHandle<R>, ev: RequestEvent, generation: u64) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let kyso = app.state::<Kyso>();
        let Ok(session) = kyso.session() else {
            return;
        };
        let r = match kyso.request(&app, &ev.request_id).await {
            Ok(r) if for_me(&r, &session.user.id) => Some(r),
            Ok(_) => return,
            // The event came, the request did not: say that much.
            Err(e) if e.is_offline() => None,
            Err(_) => return,
        };
        if kyso.generation() != generation {
            return;
        }
        let content = Content::new(&ev.request_id, ev.urgency, r.as_ref(), kyso.language());
        show(&app, content, generation).await;
    });
}

#[cfg(target_os = "linux")]
async fn show<R: Runtime>(app: &AppHandle<R>, content: Content, generation: u64) {
    match freedesktop::show(&content).await {
        Ok(Some(action)) => {
            // A click from an earlier session opens nothing.
            if app.state::<Kyso>().generation() == generation {
                links::open_url(app, content.link(action));
            }
        }
        Ok(None) => {}
        Err(e) => eprintln!("kyso: warning: the notification could not be shown: {e}"),
    }
}

#[cfg(not(target_os = "linux"))]
async fn show<R: Runtime>(app: &AppHandle<R>, content: Content, _generation: u64) {
    if let Err(e) = show_with_plugin(app, &content) {
        eprintln!("kyso: warning: the notification could not be shown: {e}");
    }
}

/// `tauri-plugin-notification` (phones, macOS, Windows); registered by
/// [`crate::run`] there. Compiled everywhere so that it is type-checked.
#[cfg_attr(target_os = "linux", allow(dead_code))]
fn show_with_plugin<R: Runtime>(
    app: &AppHandle<R>,
    c: &Content,
) -> tauri_plugin_notification::Result<()> {
    use tauri::plugin::PermissionState;
    use tauri_plugin_notification::NotificationExt;
    let n = app.notification();
    if cfg!(mobile) && !matches!(n.permission_state(), Ok(PermissionState::Granted)) {
        // Android 13+ and iOS ask once; a refusal is the user's to undo.
        let _ = n.request_permission();
    }
    n.builder()
        .title(&c.summary)
        .body(&c.body)
        .group("requests")
        .extra("url", &c.url)
        .show()
}

#[cfg(target_os = "linux")]
// The specification's Notify takes eight arguments.
#[allow(clippy::too_many_arguments)]
mod freedesktop {
    //! The Desktop Notifications Specification over the session bus.

    use std::collections::HashMap;
    use std::time::Duration;

    use futures_util::StreamExt;
    use tokio::sync::OnceCell;
    use zbus::zvariant::Value;

    use super::Content;
    use crate::model::LinkAction;

    /// How long a notification's click is listened for at most (a server
    /// may keep a notification without ever saying it closed).
    const LISTEN: Duration = Duration::from_secs(12 * 3600);

    #[zbus::proxy(
        interface = "org.freedesktop.Notifications",
        default_service = "org.freedesktop.Notifications",
        default_path = "/org/freedesktop/Notifications",
        gen_blocking = false
    )]
    trait Notifications {
        #[allow(clippy::too_many_arguments)]
        fn get_capabilities(&self) -> zbus::Result<Vec<String>>;

        fn notify(
            &self,
            app_name: &str,
            replaces_id: u32,
            app_icon: &str,
            summary: &str,
            body: &str,
            actions: &[&str],
            hints: HashMap<&str, Value<'_>>,
            expire_timeout: i32,
        ) -> zbus::Result<u32>;

        #[zbus(signal)]
        fn action_invoked(&self, id: u32, action_key: String) -> zbus::Result<()>;

        #[zbus(signal)]
        fn notification_closed(&self, id: u32, reason: u32) -> zbus::Result<()>;
    }

    /// One connection to the session bus for all notifications.
    static BUS: OnceCell<zbus::Connection> = OnceCell::const_new();

    /// Shows `c` and waits until it is clicked (the default or the `view`
    /// action: view; `sign`: sign) or closed (`None`).
    pub async fn show(c: &Content) -> zbus::Result<Option<LinkAction>> {
        let bus = BUS.get_or_try_init(zbus::Connection::session).await?;
        let proxy = NotificationsProxy::new(bus).await?;
        // Listening before Notify, so a click right after is not missed.
        let actions = proxy.receive_action_invoked().await?;
        let closed = proxy.receive_notification_closed().await?;
        // A server with `body-markup` reads the body as markup: a title's
        // `&` or `<` is text.
        let markup = proxy
            .get_capabilities()
            .await
            .is_ok_and(|c| c.iter().any(|c| c == "body-markup"));
        let body = if markup {
            escape_markup(&c.body)
        } else {
            c.body.clone()
        };
        let hints = HashMap::from([
            ("urgency", Value::from(if c.critical { 2u8 } else { 1u8 })),
            ("category", Value::from("x-kyso.request")),
            ("desktop-entry", Value::from("vn.kyso.app")),
        ]);
        let id = proxy
            .notify(
                "Kyso",
                0,
                "",
                &c.summary,
                &body,
                &["default", c.view, "view", c.view, "sign", c.sign],
                hints,
                -1,
            )
            .await?;
        let actions =
            actions.filter_map(|a| async move { a.args().ok().map(|a| (a.id, a.action_key)) });
        let closed = closed.filter_map(|x| async move { x.args().ok().map(|x| x.id) });
        Ok(tokio::time::timeout(LISTEN, clicked(id, actions, closed))
            .await
            .unwrap_or(None))
    }

    /// What notification `id`'s click asked for (its `default` or `view`
    /// action: view; `sign`: sign) if it was clicked before it closed.
    /// A server closes a notification right
    /// after its click, so both signals are often waiting when this task
    /// wakes: the actions are looked at first (`biased`), or a click would
    /// be lost to its own close about half of the time. One sender's
    /// signals arrive in order, so a close never overtakes its click.
    pub async fn clicked(
        id: u32,
        actions: impl futures_util::Stream<Item = (u32, String)>,
        closed: impl futures_util::Stream<Item = u32>,
    ) -> Option<LinkAction> {
        futures_util::pin_mut!(actions, closed);
        loop {
            tokio::select! {
                biased;
                Some((a, key)) = actions.next() => {
                    let action = match key.as_str() {
                        "default" | "view" => Some(LinkAction::View),
                        "sign" => Some(LinkAction::Sign),
                        _ => None,
                    };
                    if a == id && action.is_some() {
                        return action;
                    }
                }
                Some(x) = closed.next() => {
                    if x == id {
                        return None;
                    }
                }
                else => return None,
            }
        }
    }

    /// Text as the specification's body markup (a subset of XML).
    pub fn escape_markup(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for ch in s.chars() {
            match ch {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                c => out.push(c),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kyso_api::{Role, Unit, User};

    fn request(id: &str, signer: &str, status: RequestStatus, urgency: Urgency) -> SigningRequest {
        SigningRequest {
            id: id.into(),
            title: "Tờ trình về việc thành lập Trung tâm Chuyển đổi số tỉnh".into(),
            number_symbol: Some("87/TTr-SKHCN".into()),
            document_type: "tờ trình".into(),
            urgency,
            deadline: None,
            signer: User {
                id: signer.into(),
                username: "leader1".into(),
                full_name: "Nguyễn Văn An".into(),
                title: "Chủ tịch".into(),
                role: Role::Leader,
                unit_id: "u1".into(),
            },
            unit: Unit {
                id: "u2".into(),
                name: "Sở Khoa học và Công nghệ".into(),
                parent_id: None,
            },
            status,
            edxml_status: "03".into(),
            document_sha256: "0".repeat(64),
            document_size: 1,
            signed_sha256: None,
            decline_reason: None,
            placement: None,
            external_id: None,
            created_at: "2026-11-21T07:00:00Z".into(),
            updated_at: "2026-11-21T07:00:00Z".into(),
        }
    }

    fn event(id: &str, status: RequestStatus) -> RequestEvent {
        RequestEvent {
            request_id: id.into(),
            status,
            urgency: Urgency::Normal,
        }
    }

    #[test]
    fn only_a_request_new_to_this_leader_is_announced_once() {
        let n = Notified::default();
        assert!(
            n.is_new(1, &event("a", RequestStatus::Pending), None),
            "a new pending request"
        );
        assert!(
            !n.is_new(1, &event("a", RequestStatus::Pending), None),
            "the same request again: once"
        );
        for s in [
            RequestStatus::Signed,
            RequestStatus::Declined,
            RequestStatus::Expired,
            RequestStatus::Cancelled,
            RequestStatus::Issued,
        ] {
            assert!(
                !n.is_new(1, &event("b", s), None),
                "a change to {s:?} is not announced"
            );
        }
        let known = request("c", "me", RequestStatus::Pending, Urgency::Normal);
        assert!(
            !n.is_new(1, &event("c", RequestStatus::Pending), Some(&known)),
            "already in the inbox as pending"
        );
        // Known as something else before (cached status), pending now:
        // still new to the leader's inbox.
        let before = request("d", "me", RequestStatus::Declined, Urgency::Normal);
        assert!(n.is_new(1, &event("d", RequestStatus::Pending), Some(&before)));
        // Another session (logout, login): announced again.
        assert!(n.is_new(2, &event("a", RequestStatus::Pending), None));
        assert!(!n.is_new(2, &event("a", RequestStatus::Pending), None));
    }

    /// The server's click and close, both waiting when the listener looks:
    /// the click wins every time (before `biased`, about half of the runs
    /// lost it, and the e2e's click opened nothing).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_click_is_not_lost_to_the_close_that_follows_it() {
        use futures_util::stream;
        let click = |id: u32, key: &str| stream::iter(vec![(id, key.to_string())]);
        let close = |id: u32| stream::iter(vec![id]);
        tauri::async_runtime::block_on(async {
            let (view, sign) = (Some(LinkAction::View), Some(LinkAction::Sign));
            for _ in 0..200 {
                assert_eq!(
                    freedesktop::clicked(7, click(7, "default"), close(7)).await,
                    view
                );
                assert_eq!(
                    freedesktop::clicked(7, click(7, "view"), close(7)).await,
                    view
                );
                assert_eq!(
                    freedesktop::clicked(7, click(7, "sign"), close(7)).await,
                    sign
                );
            }
            // Another notification's click, then this one closed: not clicked.
            assert_eq!(
                freedesktop::clicked(7, click(8, "sign"), close(7)).await,
                None
            );
            // An action that is not the app's (a server's own), then closed.
            assert_eq!(
                freedesktop::clicked(7, click(7, "other"), close(7)).await,
                None
            );
            // Another's close does not end the wait; this one's click does.
            let clicks = stream::iter(vec![(8, "x".to_string()), (7, "sign".to_string())]);
            assert_eq!(freedesktop::clicked(7, clicks, close(8)).await, sign);
            // Both streams end without either: not clicked.
            assert_eq!(
                freedesktop::clicked(7, stream::empty(), stream::empty()).await,
                None
            );
        });
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_body_is_escaped_for_servers_that_read_markup() {
        assert_eq!(
            freedesktop::escape_markup("Quyết định 1 & 2 <b>mới</b>\nSở > Phòng"),
            "Quyết định 1 &amp; 2 &lt;b&gt;mới&lt;/b&gt;\nSở &gt; Phòng"
        );
    }

    #[test]
    fn the_fetched_request_must_be_pending_and_for_me() {
        assert!(for_me(
            &request("a", "me", RequestStatus::Pending, Urgency::Normal),
            "me"
        ));
        assert!(!for_me(
            &request("a", "other", RequestStatus::Pending, Urgency::Normal),
            "me"
        ));
        assert!(!for_me(
            &request("a", "me", RequestStatus::Cancelled, Urgency::Normal),
            "me"
        ));
    }

    #[test]
    fn the_text_is_localised_and_marks_the_urgent_ones() {
        let r = request("r-1", "me", RequestStatus::Pending, Urgency::Flash);
        let vi = Content::new("r-1", Urgency::Normal, Some(&r), Language::Vi);
        assert_eq!(
            vi.summary, "Hỏa tốc · Văn bản mới chờ ký",
            "the request's urgency wins"
        );
        assert_eq!(
            vi.body,
            "Tờ trình về việc thành lập Trung tâm Chuyển đổi số tỉnh\n87/TTr-SKHCN · Sở Khoa học và Công nghệ"
        );
        assert!(vi.critical);
        assert_eq!(vi.url, "kyso://request/r-1");
        assert_eq!(vi.link(LinkAction::View), "kyso://request/r-1");
        assert_eq!(vi.link(LinkAction::Sign), "kyso://request/r-1/sign");
        for action in [LinkAction::View, LinkAction::Sign] {
            let open = links::parse_request_url(vi.link(action)).expect("the app's own link");
            assert_eq!((open.id.as_str(), open.action), ("r-1", action));
        }
        assert_eq!((vi.view, vi.sign), ("Xem", "Ký ngay"));

        let en = Content::new("r-1", Urgency::VeryUrgent, None, Language::En);
        assert_eq!(en.summary, "Very urgent · New document to sign");
        assert_eq!(en.body, "Open Kyso to read it.");
        assert!(en.critical);
        assert_eq!((en.view, en.sign), ("View", "Sign now"));

        let mut plain = request("r-2", "me", RequestStatus::Pending, Urgency::Urgent);
        plain.number_symbol = None;
        let c = Content::new("r-2", Urgency::Urgent, Some(&plain), Language::Vi);
        assert_eq!(c.summary, "Khẩn · Văn bản mới chờ ký");
        assert!(c.body.ends_with("\nSở Khoa học và Công nghệ"));
        assert!(!c.critical, "khẩn is not critical");
        let normal = Content::new("r-3", Urgency::Normal, None, Language::Vi);
        assert_eq!(normal.summary, "Văn bản mới chờ ký");
        assert_eq!(normal.body, "Mở Kyso để xem văn bản.");
    }
}
