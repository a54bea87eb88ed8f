//! Push notifications (DESIGN.md §4.5, §7.6): how a device registers its
//! push token, the leader's quiet hours, and the one payload every push
//! carries: a request id, an urgency and a category the app localises.
//! Never a title or any text of the document.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Urgency;

/// Who delivers a device's pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PushProvider {
    /// Firebase Cloud Messaging (HTTP v1): Android.
    Fcm,
    /// Apple Push Notification service (HTTP/2, token-based): iOS.
    Apns,
}

impl PushProvider {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PushProvider::Fcm => "fcm",
            PushProvider::Apns => "apns",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "fcm" => Some(PushProvider::Fcm),
            "apns" => Some(PushProvider::Apns),
            _ => None,
        }
    }
}

/// `PUT /api/v1/device/devices/{id}/push`: the device's push token, which
/// replaces any earlier one. The app sends it after enrollment and whenever
/// the platform gives it a new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PushRegistration {
    /// `fcm` (Android) or `apns` (iOS).
    pub provider: PushProvider,
    /// The FCM registration token, or the APNs device token in hex.
    #[schema(min_length = 1, max_length = 4096, pattern = "^[A-Za-z0-9_:.-]+$")]
    pub token: String,
    /// The app's identifier (Android package or iOS bundle id), for the
    /// administrator's information.
    #[serde(default)]
    #[schema(max_length = 255)]
    pub app_id: Option<String>,
}

/// What a push is about: the app maps it to a localised text and to the
/// notification's actions ("Xem", "Ký ngay").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PushCategory {
    /// A request waits for the leader's signature.
    NewRequest,
    /// A request still waits for the leader's signature and its deadline
    /// is near.
    DeadlineReminder,
}

impl PushCategory {
    /// The wire name: FCM `data.category`, APNs `aps.category` and top-level `category`.
    pub fn as_str(self) -> &'static str {
        match self {
            PushCategory::NewRequest => "new_request",
            PushCategory::DeadlineReminder => "deadline_reminder",
        }
    }

    /// APNs `aps.alert.title-loc-key`: the key of the title in the iOS
    /// app's `Localizable.strings`.
    pub fn apns_title_loc_key(self) -> &'static str {
        match self {
            PushCategory::NewRequest => "push.new_request.title",
            PushCategory::DeadlineReminder => "push.deadline_reminder.title",
        }
    }

    /// APNs `aps.alert.loc-key`: the key of the body in the iOS app's
    /// `Localizable.strings`.
    pub fn apns_loc_key(self) -> &'static str {
        match self {
            PushCategory::NewRequest => "push.new_request.body",
            PushCategory::DeadlineReminder => "push.deadline_reminder.body",
        }
    }
}

/// The pattern of a time of day in quiet hours: `HH:MM`, 24-hour clock.
pub const QUIET_TIME_PATTERN: &str = "^([01][0-9]|2[0-3]):[0-5][0-9]$";

/// `GET` and `PUT /api/v1/device/quiet-hours`: when the leader does not
/// want to be woken. Times are Vietnam's local time (UTC+07:00), `HH:MM`;
/// the window may wrap midnight (`22:00` to `06:30`). Both `null` (or
/// absent): no quiet hours. During them, pushes about requests marked
/// thường or khẩn wait until they end; thượng khẩn and hỏa tốc still come
/// at once. Server-Sent Events are not affected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QuietHours {
    /// Start, `HH:MM` Vietnam time; `null` together with `end` for none.
    #[serde(default)]
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "22:00")]
    pub start: Option<String>,
    /// End (the first minute that is no longer quiet), `HH:MM` Vietnam
    /// time; `null` together with `start` for none. Not equal to `start`.
    #[serde(default)]
    #[schema(pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "06:30")]
    pub end: Option<String>,
}

impl QuietHours {
    /// No quiet hours.
    pub fn none() -> Self {
        Self::default()
    }

    /// Quiet hours from `start` to `end`, minutes after local midnight
    /// (each below 1440).
    pub fn from_minutes(start: u16, end: u16) -> Self {
        let hhmm = |m: u16| format!("{:02}:{:02}", m / 60 % 24, m % 60);
        Self {
            start: Some(hhmm(start)),
            end: Some(hhmm(end)),
        }
    }

    /// The window as minutes after local midnight, `(start, end)`; `None`
    /// for no quiet hours; a message for people when it is not valid.
    pub fn minutes(&self) -> Result<Option<(u16, u16)>, String> {
        match (self.start.as_deref(), self.end.as_deref()) {
            (None, None) => Ok(None),
            (Some(_), None) | (None, Some(_)) => Err(
                "start and end: give both (HH:MM, Vietnam time) or neither (no quiet hours)".into(),
            ),
            (Some(s), Some(e)) => {
                let start = parse_hhmm(s).ok_or_else(|| {
                    format!("start: a time of day as HH:MM (00:00 to 23:59) is required, not {s:?}")
                })?;
                let end = parse_hhmm(e).ok_or_else(|| {
                    format!("end: a time of day as HH:MM (00:00 to 23:59) is required, not {e:?}")
                })?;
                if start == end {
                    return Err("start and end must differ (quiet hours cannot last all day or no time at all)".into());
                }
                Ok(Some((start, end)))
            }
        }
    }
}

/// `HH:MM` (exactly two digits each, 00:00 to 23:59) as minutes after midnight.
fn parse_hhmm(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' {
        return None;
    }
    let digit = |i: usize| b[i].is_ascii_digit().then(|| u16::from(b[i] - b'0'));
    let h = digit(0)? * 10 + digit(1)?;
    let m = digit(3)? * 10 + digit(4)?;
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// The content of every push, whatever the provider: FCM carries it as
/// `message.data` (string values), APNs as custom keys beside `aps`. The
/// app fetches everything else itself over its pinned connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PushPayload {
    /// The request (opaque id).
    pub request_id: String,
    /// Its urgency.
    pub urgency: Urgency,
    /// What happened.
    pub category: PushCategory,
}

impl PushPayload {
    /// The wire name of the urgency (`normal`, `urgent`, `very_urgent`, `flash`).
    pub fn urgency_str(&self) -> &'static str {
        match self.urgency {
            Urgency::Normal => "normal",
            Urgency::Urgent => "urgent",
            Urgency::VeryUrgent => "very_urgent",
            Urgency::Flash => "flash",
        }
    }

    /// Whether the push should interrupt: anything marked khẩn or above.
    pub fn is_urgent(&self) -> bool {
        self.urgency != Urgency::Normal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_has_only_id_urgency_and_category() {
        let p = PushPayload {
            request_id: "r1".into(),
            urgency: Urgency::VeryUrgent,
            category: PushCategory::NewRequest,
        };
        assert_eq!(
            serde_json::to_string(&p).expect("serialises"),
            r#"{"request_id":"r1","urgency":"very_urgent","category":"new_request"}"#,
            "the app parses exactly these three fields"
        );
        assert_eq!(
            serde_json::to_value(p.urgency).expect("urgency"),
            p.urgency_str(),
            "urgency_str is the serde name"
        );
    }

    #[test]
    fn categories_have_their_wire_names_and_keys() {
        for c in [PushCategory::NewRequest, PushCategory::DeadlineReminder] {
            assert_eq!(
                serde_json::to_value(c).expect("category"),
                c.as_str(),
                "as_str is the serde name"
            );
            assert_eq!(
                c.apns_title_loc_key(),
                format!("push.{}.title", c.as_str()),
                "{c:?}"
            );
            assert_eq!(
                c.apns_loc_key(),
                format!("push.{}.body", c.as_str()),
                "{c:?}"
            );
        }
        assert_eq!(
            PushCategory::DeadlineReminder.as_str(),
            "deadline_reminder",
            "the app's name for it"
        );
    }

    #[test]
    fn quiet_hours_are_checked() {
        let q = |s: Option<&str>, e: Option<&str>| QuietHours {
            start: s.map(str::to_owned),
            end: e.map(str::to_owned),
        };
        assert_eq!(q(None, None).minutes(), Ok(None), "none");
        assert_eq!(
            q(Some("22:00"), Some("06:30")).minutes(),
            Ok(Some((22 * 60, 6 * 60 + 30))),
            "across midnight"
        );
        assert_eq!(
            q(Some("00:00"), Some("23:59")).minutes(),
            Ok(Some((0, 23 * 60 + 59))),
            "the extremes"
        );
        for (s, e, what) in [
            (Some("22:00"), None, "start without end"),
            (None, Some("06:30"), "end without start"),
            (Some("24:00"), Some("06:30"), "hour 24"),
            (Some("22:60"), Some("06:30"), "minute 60"),
            (Some("7:00"), Some("06:30"), "one digit"),
            (Some("07:00:00"), Some("06:30"), "seconds"),
            (Some("07h00"), Some("06:30"), "not a colon"),
            (Some("+7:00"), Some("06:30"), "a sign"),
            (Some("０７:00"), Some("06:30"), "not ASCII digits"),
            (Some(""), Some("06:30"), "empty"),
            (Some("06:30"), Some("06:30"), "start equal to end"),
        ] {
            assert!(q(s, e).minutes().is_err(), "{what}: refused");
        }
        for (s, e) in [(0, 1), (22 * 60, 6 * 60 + 30), (23 * 60 + 59, 0)] {
            assert_eq!(
                QuietHours::from_minutes(s, e).minutes(),
                Ok(Some((s, e))),
                "round trip {s} {e}"
            );
        }
        let schema =
            serde_json::to_value(<QuietHours as utoipa::PartialSchema>::schema()).expect("schema");
        for field in ["start", "end"] {
            assert_eq!(
                schema["properties"][field]["pattern"], QUIET_TIME_PATTERN,
                "the OpenAPI pattern of {field} is the one checked: {schema}"
            );
        }
    }

    #[test]
    fn providers_round_trip() {
        for p in [PushProvider::Fcm, PushProvider::Apns] {
            assert_eq!(PushProvider::parse(p.as_str()), Some(p), "{p:?}");
            assert_eq!(
                serde_json::to_value(p).expect("provider"),
                p.as_str(),
                "stored name is the wire name"
            );
        }
    }
}
