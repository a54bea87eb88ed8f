//! The contract: commands, answers, events, the push payload's keys, the
//! notification categories and actions, the urgencies and the localised
//! texts, identical on every platform (the Kotlin, Swift and TypeScript
//! sides are checked against this file by the contract test).
//!
//! Wire conventions: field names are camelCase in commands, answers and
//! native events; the push payload's keys are the gateway's snake_case
//! (`request_id`, `urgency`, `category`: kyso-api's `PushPayload`).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The plugin's commands (the web view may invoke both; the app's Rust
/// side uses them through [`crate::PushExt`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `status()` → [`Status`]: never asks the user anything.
    Status,
    /// `register()` → [`PushToken`]: asks for permission to notify (the
    /// system asks once; later calls answer the user's choice), then gets
    /// the push token.
    Register,
}

impl Command {
    /// Every command.
    pub const ALL: [Command; 2] = [Command::Status, Command::Register];

    /// The name JavaScript invokes: `plugin:kyso-push|<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Command::Status => "status",
            Command::Register => "register",
        }
    }

    /// The Kotlin/Swift method (lower camel case, as Tauri converts it).
    pub fn native_name(self) -> &'static str {
        match self {
            Command::Status => "status",
            Command::Register => "register",
        }
    }

    /// The argument fields (none: what to register is the platform's).
    pub fn args(self) -> &'static [&'static str] {
        &[]
    }
}

/// The native method the Rust side calls once, with a channel, to receive
/// [`PushEvent`]s. Not a command: the web view cannot call it (it is not in
/// `build.rs`, so no permission exists for it).
pub const SET_EVENT_HANDLER: &str = "setEventHandler";
/// The argument of [`SET_EVENT_HANDLER`]: the channel.
pub const SET_EVENT_HANDLER_ARG: &str = "handler";

/// Who delivers the pushes: the names the gateway's `PushRegistration` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Firebase Cloud Messaging (Android).
    Fcm,
    /// Apple Push Notification service (iOS).
    Apns,
}

impl Provider {
    /// Every provider.
    pub const ALL: [Provider; 2] = [Provider::Fcm, Provider::Apns];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Fcm => "fcm",
            Provider::Apns => "apns",
        }
    }

    /// Parses a wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Whether the app may show notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    /// Allowed (iOS: also provisional).
    Granted,
    /// The user said no (change it in the system settings).
    Denied,
    /// Not asked yet: `register` will ask.
    Prompt,
    /// No push here (desktop: the app follows the gateway's events instead).
    Unsupported,
}

impl Permission {
    /// Every state.
    pub const ALL: [Permission; 4] = [
        Permission::Granted,
        Permission::Denied,
        Permission::Prompt,
        Permission::Unsupported,
    ];

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Granted => "granted",
            Permission::Denied => "denied",
            Permission::Prompt => "prompt",
            Permission::Unsupported => "unsupported",
        }
    }
}

/// What `status` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// Whether notifications may be shown.
    pub permission: Permission,
    /// The platform's provider; `None` on desktop.
    #[serde(default)]
    pub provider: Option<Provider>,
    /// The token, when the plugin already has one in this run (it is never
    /// stored by the plugin).
    #[serde(default)]
    pub token: Option<String>,
}

/// A push token: what `register` answers and what a [`PushEvent::Token`]
/// carries. The app hands it to the gateway (`PUT /device/devices/{id}/push`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushToken {
    /// `fcm` or `apns`.
    pub provider: Provider,
    /// The FCM registration token, or the APNs device token in lower-case
    /// hex.
    pub token: String,
}

impl std::fmt::Debug for PushToken {
    /// Not the token: it addresses this phone.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushToken")
            .field("provider", &self.provider)
            .field("token", &format_args!("<{} characters>", self.token.len()))
            .finish()
    }
}

/// Longest token the gateway accepts.
pub const MAX_TOKEN: usize = 4096;

/// Whether `t` can be a push token as the gateway takes it: 1–4096 of
/// `A–Z a–z 0–9 _ : . -` (FCM tokens; APNs tokens are hex).
pub fn valid_token(t: &str) -> bool {
    (1..=MAX_TOKEN).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'.' | b'-'))
}

impl PushToken {
    /// Checks the token's shape (a native side answering something else is
    /// a bug there, reported as `internal`).
    pub fn check(&self) -> Result<()> {
        let ok = valid_token(&self.token)
            && (self.provider != Provider::Apns
                || (self.token.len().is_multiple_of(2)
                    && self
                        .token
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))));
        if ok {
            Ok(())
        } else {
            Err(Error::internal(format!(
                "the platform answered a {} token of an unexpected form",
                self.provider.as_str()
            )))
        }
    }
}

/// The keys of every push's content (FCM `message.data`, APNs custom keys
/// beside `aps`): the gateway's `PushPayload`. Nothing else is read, and the
/// Android notification carries nothing else.
pub const PAYLOAD_KEYS: [&str; 3] = ["request_id", "urgency", "category"];

/// What a push is about (`category` in the payload; the iOS notification
/// category of the same name carries the actions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A request waits for the leader's signature (what the gateway sends).
    NewRequest,
    /// A request's deadline is near (reserved: the gateway does not send it
    /// yet; the phones already know its texts and actions).
    DeadlineReminder,
}

impl Category {
    /// Every category.
    pub const ALL: [Category; 2] = [Category::NewRequest, Category::DeadlineReminder];

    /// The wire name (payload `category`, APNs `aps.category`, the iOS
    /// `UNNotificationCategory` identifier).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::NewRequest => "new_request",
            Category::DeadlineReminder => "deadline_reminder",
        }
    }

    /// The key of the notification's title ([`TEXTS`]; on iOS the APNs
    /// `title-loc-key`, looked up in the app's `Localizable.strings`).
    pub fn title_key(self) -> &'static str {
        match self {
            Category::NewRequest => "push.new_request.title",
            Category::DeadlineReminder => "push.deadline_reminder.title",
        }
    }

    /// The key of the notification's body (APNs `loc-key`).
    pub fn body_key(self) -> &'static str {
        match self {
            Category::NewRequest => "push.new_request.body",
            Category::DeadlineReminder => "push.deadline_reminder.body",
        }
    }
}

/// A push's urgency (`urgency` in the payload): the Android channel it goes
/// to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Thường.
    Normal,
    /// Khẩn.
    Urgent,
    /// Thượng khẩn.
    VeryUrgent,
    /// Hỏa tốc.
    Flash,
}

impl Urgency {
    /// Every urgency.
    pub const ALL: [Urgency; 4] = [
        Urgency::Normal,
        Urgency::Urgent,
        Urgency::VeryUrgent,
        Urgency::Flash,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
            Urgency::VeryUrgent => "very_urgent",
            Urgency::Flash => "flash",
        }
    }

    /// The Android notification channel (one per urgency, so the user can
    /// tune each).
    pub fn channel(self) -> &'static str {
        match self {
            Urgency::Normal => "kyso_normal",
            Urgency::Urgent => "kyso_urgent",
            Urgency::VeryUrgent => "kyso_very_urgent",
            Urgency::Flash => "kyso_flash",
        }
    }

    /// The key of the channel's name ([`TEXTS`]).
    pub fn channel_name_key(self) -> &'static str {
        match self {
            Urgency::Normal => "push.channel.normal",
            Urgency::Urgent => "push.channel.urgent",
            Urgency::VeryUrgent => "push.channel.very_urgent",
            Urgency::Flash => "push.channel.flash",
        }
    }

    /// Whether the channel has high importance (heads-up, sound): flash
    /// (hỏa tốc) and very urgent (thượng khẩn), as the desktop marks them
    /// critical.
    pub fn high_importance(self) -> bool {
        matches!(self, Urgency::VeryUrgent | Urgency::Flash)
    }
}

/// A notification's actions, also the tap's `action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// "Xem" / "View", and a tap on the notification itself: opens the
    /// request.
    View,
    /// "Ký ngay" / "Sign now": opens the request with its sign sheet.
    /// It never signs: signing needs the confirmation and the key's own
    /// biometric prompt in the app. So it is never a background action:
    /// it opens the app (iOS `.foreground`, Android an activity
    /// `PendingIntent`) and needs the phone unlocked
    /// (`.authenticationRequired`, `setAuthenticationRequired(true)`).
    Sign,
}

impl Action {
    /// Every action, in the order the notification shows them.
    pub const ALL: [Action; 2] = [Action::View, Action::Sign];

    /// The identifier (iOS `UNNotificationAction`, the Android intent's
    /// action suffix, the tap's `action`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::View => "view",
            Action::Sign => "sign",
        }
    }

    /// Parses an identifier.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The key of the button's label ([`TEXTS`]).
    pub fn title_key(self) -> &'static str {
        match self {
            Action::View => "push.action.view",
            Action::Sign => "push.action.sign",
        }
    }
}

/// Longest request id (the same rule as the app's `kyso://request/<id>`
/// links; the gateway's ids are UUIDs, 36).
pub const MAX_REQUEST_ID: usize = 64;

/// [`valid_request_id`] as a regular expression, written verbatim in the
/// Kotlin and Swift sources (the contract test checks it is there).
pub const REQUEST_ID_PATTERN: &str = "^[A-Za-z0-9_-]{1,64}$";

/// Whether `id` may be a request id: 1 to 64 ASCII letters, digits, `-`
/// and `_` (no dot, slash, percent or space).
pub fn valid_request_id(id: &str) -> bool {
    (1..=MAX_REQUEST_ID).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The app's link of a request: `kyso://request/<id>`.
pub const REQUEST_LINK_PREFIX: &str = "kyso://request/";

/// A tap on a notification or one of its actions: which request, and what
/// to do. Only made from a valid id and a known action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tap {
    request_id: String,
    action: Action,
}

impl Tap {
    /// The tap, or `None` when the id is not a request id or the action is
    /// not one of ours (anything else is ignored).
    pub fn parse(request_id: &str, action: &str) -> Option<Tap> {
        let action = Action::parse(action)?;
        valid_request_id(request_id).then(|| Tap {
            request_id: request_id.to_string(),
            action,
        })
    }

    /// The request.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// What to do.
    pub fn action(&self) -> Action {
        self.action
    }

    /// The app's link for it: `kyso://request/<id>` (view) or
    /// `kyso://request/<id>/sign` (sign).
    pub fn deep_link(&self) -> String {
        match self.action {
            Action::View => format!("{REQUEST_LINK_PREFIX}{}", self.request_id),
            Action::Sign => format!("{REQUEST_LINK_PREFIX}{}/sign", self.request_id),
        }
    }
}

/// What the plugin tells the app (see [`crate::Builder::on_event`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushEvent {
    /// The native side listens: sent once, after the app's own setup. A
    /// good time to `register` when the device is enrolled.
    Ready,
    /// The platform handed out a (new) token: give it to the gateway.
    Token(PushToken),
    /// The user tapped a notification or one of its actions (also the tap
    /// that started the app).
    Tap(Tap),
}

/// The `kind` of each event the native sides send on the channel: `token`
/// (`provider`, `token`) and `tap` (`requestId`, `action`).
pub const NATIVE_EVENT_KINDS: [&str; 2] = ["token", "tap"];
/// The fields of a native `token` event.
pub const TOKEN_EVENT_FIELDS: [&str; 3] = ["kind", "provider", "token"];
/// The fields of a native `tap` event.
pub const TAP_EVENT_FIELDS: [&str; 3] = ["kind", "requestId", "action"];

impl PushEvent {
    /// Parses what a native side sent on the channel; `None` (ignored) for
    /// anything that is not a well-formed token or tap: an unknown kind or
    /// action, a bad request id or token, extra or missing fields.
    pub fn from_native(v: &serde_json::Value) -> Option<PushEvent> {
        let o = v.as_object()?;
        let field = |k: &str| o.get(k).and_then(serde_json::Value::as_str);
        let only = |keys: &[&str]| o.len() == keys.len() && keys.iter().all(|k| o.contains_key(*k));
        match field("kind")? {
            "token" if only(&TOKEN_EVENT_FIELDS) => {
                let t = PushToken {
                    provider: Provider::parse(field("provider")?)?,
                    token: field("token")?.to_string(),
                };
                t.check().is_ok().then_some(PushEvent::Token(t))
            }
            "tap" if only(&TAP_EVENT_FIELDS) => {
                Tap::parse(field("requestId")?, field("action")?).map(PushEvent::Tap)
            }
            _ => None,
        }
    }
}

/// One localised text of the notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    /// Its key: iOS `Localizable.strings` key; the Android string resource
    /// is the key with `.` → `_` ([`Text::android_name`]).
    pub key: &'static str,
    /// Vietnamese (the default language).
    pub vi: &'static str,
    /// English.
    pub en: &'static str,
}

impl Text {
    /// The Android resource name (`push_action_sign`).
    pub fn android_name(&self) -> String {
        self.key.replace('.', "_")
    }
}

/// Every text the phones show: category titles and bodies, the two
/// actions, the Android channels. Generic on purpose: a push carries no
/// title or number of the document (DESIGN.md §7.6), so neither does its
/// notification.
pub const TEXTS: [Text; 10] = [
    Text {
        key: "push.new_request.title",
        vi: "Văn bản mới chờ ký",
        en: "New document to sign",
    },
    Text {
        key: "push.new_request.body",
        vi: "Mở Kyso để xem văn bản.",
        en: "Open Kyso to read it.",
    },
    Text {
        key: "push.deadline_reminder.title",
        vi: "Văn bản sắp đến hạn ký",
        en: "A document is due soon",
    },
    Text {
        key: "push.deadline_reminder.body",
        vi: "Mở Kyso để xem văn bản trước hạn.",
        en: "Open Kyso to read it before its deadline.",
    },
    Text {
        key: "push.action.view",
        vi: "Xem",
        en: "View",
    },
    Text {
        key: "push.action.sign",
        vi: "Ký ngay",
        en: "Sign now",
    },
    Text {
        key: "push.channel.normal",
        vi: "Văn bản thường",
        en: "Documents",
    },
    Text {
        key: "push.channel.urgent",
        vi: "Văn bản khẩn",
        en: "Urgent documents",
    },
    Text {
        key: "push.channel.very_urgent",
        vi: "Văn bản thượng khẩn",
        en: "Very urgent documents",
    },
    Text {
        key: "push.channel.flash",
        vi: "Văn bản hỏa tốc",
        en: "Flash documents",
    },
];

/// The text of `key`.
pub fn text(key: &str) -> Option<&'static Text> {
    TEXTS.iter().find(|t| t.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "0b6f1c3e-5d2a-4f4e-9a57-3c1d2e8b9f10";

    #[test]
    fn taps_become_the_apps_links() {
        let view = Tap::parse(ID, "view").expect("a view tap");
        assert_eq!(view.deep_link(), format!("kyso://request/{ID}"));
        let sign = Tap::parse(ID, "sign").expect("a sign tap");
        assert_eq!(sign.deep_link(), format!("kyso://request/{ID}/sign"));
        assert_eq!(sign.request_id(), ID);
        assert_eq!(sign.action(), Action::Sign);
        let longest = "a".repeat(64);
        assert_eq!(
            Tap::parse(&longest, "view").map(|t| t.deep_link()),
            Some(format!("kyso://request/{longest}"))
        );
        assert!(Tap::parse("req_42-A", "view").is_some());
    }

    #[test]
    fn bad_ids_are_ignored() {
        for bad in [
            "",
            "a.b",
            "a/b",
            "../settings",
            "a%2Fb",
            "a b",
            "ab\u{0}",
            "tài-liệu",
            "abc?x=1",
            "abc#top",
            "abc/sign",
            "kyso://request/abc",
            &"a".repeat(65),
        ] {
            for action in ["view", "sign"] {
                assert_eq!(Tap::parse(bad, action), None, "{bad:?} is not a request id");
            }
        }
    }

    #[test]
    fn unknown_actions_are_ignored() {
        for bad in [
            "",
            "View",
            "SIGN",
            "open",
            "approve",
            "decline",
            "sign ",
            "com.apple.UNNotificationDefaultActionIdentifier",
            "com.apple.UNNotificationDismissActionIdentifier",
        ] {
            assert_eq!(Tap::parse(ID, bad), None, "{bad:?} is not an action");
        }
    }

    #[test]
    fn native_events_are_parsed_strictly() {
        let ev = |v| PushEvent::from_native(&v);
        assert_eq!(
            ev(json!({"kind": "tap", "requestId": ID, "action": "sign"})),
            Some(PushEvent::Tap(Tap::parse(ID, "sign").expect("tap")))
        );
        let hex = "ab".repeat(32);
        assert_eq!(
            ev(json!({"kind": "token", "provider": "apns", "token": hex})),
            Some(PushEvent::Token(PushToken {
                provider: Provider::Apns,
                token: hex.clone()
            }))
        );
        let fcm = "cXk9:APA91b-Hx_y.z";
        assert!(matches!(
            ev(json!({"kind": "token", "provider": "fcm", "token": fcm})),
            Some(PushEvent::Token(_))
        ));
        for bad in [
            json!({"kind": "tap", "requestId": "a/b", "action": "view"}),
            json!({"kind": "tap", "requestId": ID, "action": "approve"}),
            json!({"kind": "tap", "requestId": ID}),
            json!({"kind": "tap", "requestId": ID, "action": "view", "title": "Công văn"}),
            json!({"kind": "tap", "request_id": ID, "action": "view"}),
            json!({"kind": "token", "provider": "apns", "token": "AB".repeat(32)}),
            json!({"kind": "token", "provider": "apns", "token": "abc"}),
            json!({"kind": "token", "provider": "fcm", "token": "a b"}),
            json!({"kind": "token", "provider": "fcm", "token": ""}),
            json!({"kind": "token", "provider": "fcm", "token": "x".repeat(4097)}),
            json!({"kind": "token", "provider": "gcm", "token": "abc"}),
            json!({"kind": "ready"}),
            json!({"kind": "sign", "requestId": ID}),
            json!("tap"),
            json!(null),
        ] {
            assert_eq!(ev(bad.clone()), None, "{bad} is ignored");
        }
    }

    #[test]
    fn tokens_never_show_in_debug() {
        let t = PushToken {
            provider: Provider::Fcm,
            token: "secret-token-value".into(),
        };
        let shown = format!("{t:?}");
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("18 characters"), "{shown}");
    }

    #[test]
    fn wire_names_are_serdes() {
        for p in Provider::ALL {
            assert_eq!(serde_json::to_value(p).expect("json"), p.as_str());
        }
        for p in Permission::ALL {
            assert_eq!(serde_json::to_value(p).expect("json"), p.as_str());
        }
        for c in Category::ALL {
            assert_eq!(serde_json::to_value(c).expect("json"), c.as_str());
        }
        for u in Urgency::ALL {
            assert_eq!(serde_json::to_value(u).expect("json"), u.as_str());
        }
        for a in Action::ALL {
            assert_eq!(serde_json::to_value(a).expect("json"), a.as_str());
        }
    }

    #[test]
    fn every_key_has_both_languages() {
        let keys = Category::ALL
            .iter()
            .flat_map(|c| [c.title_key(), c.body_key()])
            .chain(Action::ALL.iter().map(|a| a.title_key()))
            .chain(Urgency::ALL.iter().map(|u| u.channel_name_key()));
        let mut n = 0;
        for k in keys {
            let t = text(k).unwrap_or_else(|| panic!("no text {k}"));
            assert!(!t.vi.trim().is_empty() && !t.en.trim().is_empty(), "{k}");
            n += 1;
        }
        assert_eq!(n, TEXTS.len(), "no text is unused");
    }
}
