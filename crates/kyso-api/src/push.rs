//! Push notifications (DESIGN.md §4.5, §7.6): how a device registers its
//! push token, and the one payload every push carries: a request id, an
//! urgency and a category the app localises. Never a title or any text of
//! the document.

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
}

impl PushCategory {
    /// The wire name: FCM `data.category`, APNs `aps.category` and top-level `category`.
    pub fn as_str(self) -> &'static str {
        match self {
            PushCategory::NewRequest => "new_request",
        }
    }

    /// APNs `aps.alert.title-loc-key`: the key of the title in the iOS
    /// app's `Localizable.strings`.
    pub fn apns_title_loc_key(self) -> &'static str {
        match self {
            PushCategory::NewRequest => "push.new_request.title",
        }
    }

    /// APNs `aps.alert.loc-key`: the key of the body in the iOS app's
    /// `Localizable.strings`.
    pub fn apns_loc_key(self) -> &'static str {
        match self {
            PushCategory::NewRequest => "push.new_request.body",
        }
    }
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
