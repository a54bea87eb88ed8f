//! Incoming documents (văn bản đến) and their edXML processing statuses,
//! as the national interchange axis reports them (DESIGN.md §1, §4.2).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::HistoryEntry;

/// edXML processing status of an incoming document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum EdxmlStatus {
    /// 01 đã đến: the document arrived.
    #[serde(rename = "01")]
    Arrived,
    /// 02 từ chối tiếp nhận: refused (with a reason); final.
    #[serde(rename = "02")]
    Refused,
    /// 03 đã tiếp nhận: accepted by the clerk.
    #[serde(rename = "03")]
    Accepted,
    /// 04 đã phân công: assigned to a leader.
    #[serde(rename = "04")]
    Assigned,
    /// 05 đang xử lý: being handled.
    #[serde(rename = "05")]
    InProgress,
    /// 06 hoàn thành: done; final.
    #[serde(rename = "06")]
    Done,
}

impl EdxmlStatus {
    /// The two-digit code.
    pub fn code(self) -> &'static str {
        match self {
            EdxmlStatus::Arrived => "01",
            EdxmlStatus::Refused => "02",
            EdxmlStatus::Accepted => "03",
            EdxmlStatus::Assigned => "04",
            EdxmlStatus::InProgress => "05",
            EdxmlStatus::Done => "06",
        }
    }

    /// The status with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            EdxmlStatus::Arrived,
            EdxmlStatus::Refused,
            EdxmlStatus::Accepted,
            EdxmlStatus::Assigned,
            EdxmlStatus::InProgress,
            EdxmlStatus::Done,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    /// Whether a document may go from `self` to `to`: 01 → 02 | 03,
    /// 03 → 04, 04 → 04 (reassigned) | 05, 05 → 06.
    pub fn may_become(self, to: EdxmlStatus) -> bool {
        use EdxmlStatus::*;
        matches!(
            (self, to),
            (Arrived, Refused | Accepted)
                | (Accepted, Assigned)
                | (Assigned, Assigned | InProgress)
                | (InProgress, Done)
        )
    }

    /// The Vietnamese name.
    pub fn name_vi(self) -> &'static str {
        match self {
            EdxmlStatus::Arrived => "đã đến",
            EdxmlStatus::Refused => "từ chối tiếp nhận",
            EdxmlStatus::Accepted => "đã tiếp nhận",
            EdxmlStatus::Assigned => "đã phân công",
            EdxmlStatus::InProgress => "đang xử lý",
            EdxmlStatus::Done => "hoàn thành",
        }
    }
}

/// `POST /api/v1/incoming`: a document that arrived over the axis.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewIncoming {
    /// The document system's id for it (e.g. the edXML package id).
    pub external_id: String,
    /// Trích yếu.
    pub title: String,
    /// Số, ký hiệu of the sender.
    #[serde(default)]
    pub number_symbol: Option<String>,
    /// Kind of document (công văn, quyết định…).
    pub document_type: String,
    /// The sending agency.
    pub sender: String,
    /// The sending agency's code on the axis (mã định danh).
    #[serde(default)]
    pub sender_code: Option<String>,
}

/// `POST /api/v1/incoming/{id}/status`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IncomingStatusChange {
    /// The new status.
    pub status: EdxmlStatus,
    /// For 04: the user name of the leader it is assigned to.
    #[serde(default)]
    pub assignee: Option<String>,
    /// For 02: the reason (required); otherwise an optional note.
    #[serde(default)]
    pub note: Option<String>,
}

/// An incoming document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Incoming {
    /// Gateway id.
    pub id: String,
    /// The document system's id.
    pub external_id: String,
    /// Trích yếu.
    pub title: String,
    /// Số, ký hiệu.
    pub number_symbol: Option<String>,
    /// Kind of document.
    pub document_type: String,
    /// Sending agency.
    pub sender: String,
    /// Its code on the axis.
    pub sender_code: Option<String>,
    /// edXML status.
    pub status: EdxmlStatus,
    /// The leader it is assigned to (user name), from 04 on.
    pub assignee: Option<String>,
    /// The last note (the refusal reason for 02).
    pub note: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

/// An incoming document with its history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IncomingWithHistory {
    /// The document.
    pub incoming: Incoming,
    /// Its status changes, oldest first.
    pub history: Vec<HistoryEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_serialize_as_two_digits() {
        for code in ["01", "02", "03", "04", "05", "06"] {
            let s = EdxmlStatus::from_code(code).expect("known");
            assert_eq!(s.code(), code);
            assert_eq!(
                serde_json::to_string(&s).expect("json"),
                format!("\"{code}\"")
            );
        }
        assert_eq!(EdxmlStatus::from_code("13"), None);
    }

    #[test]
    fn only_the_axis_transitions_are_allowed() {
        use EdxmlStatus::*;
        let all = [Arrived, Refused, Accepted, Assigned, InProgress, Done];
        let allowed: Vec<(&str, &str)> = all
            .iter()
            .flat_map(|a| all.iter().map(move |b| (*a, *b)))
            .filter(|(a, b)| a.may_become(*b))
            .map(|(a, b)| (a.code(), b.code()))
            .collect();
        assert_eq!(
            allowed,
            [
                ("01", "02"),
                ("01", "03"),
                ("03", "04"),
                ("04", "04"),
                ("04", "05"),
                ("05", "06")
            ]
        );
    }
}
