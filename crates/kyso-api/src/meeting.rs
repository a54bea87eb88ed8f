//! Meetings on tablets (phòng họp không giấy, DESIGN.md §4.6): the agenda
//! and its documents, opinions per agenda item, and the presenter's page
//! that followers' tablets follow.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::User;

/// Longest opinion text, in characters (the gateway refuses longer; the
/// app checks before sending).
pub const MAX_OPINION: usize = 4000;

/// The presenter's zoom range (1 = fit the page), inclusive; the OpenAPI
/// schema of [`PresenterUpdate::zoom`] states the same.
pub const ZOOM: (f64, f64) = (0.25, 8.0);

/// The JSON part of a meeting's creation (multipart field `metadata`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewMeeting {
    /// Tên cuộc họp.
    #[schema(min_length = 1, pattern = "\\S")]
    pub title: String,
    /// Start, RFC 3339 / ISO 8601 with an offset (answered in Vietnam
    /// time, `+07:00`).
    #[schema(format = DateTime)]
    pub starts_at: String,
    /// End, after the start.
    #[schema(format = DateTime)]
    pub ends_at: String,
    /// Địa điểm (the meeting room).
    #[schema(min_length = 1, pattern = "\\S")]
    pub place: String,
    /// User name of the chair (chủ trì); always a participant.
    pub chair: String,
    /// User names of the participants (thành phần), the chair included
    /// or not; active users.
    #[serde(default)]
    pub participants: Vec<String>,
    /// The agenda, in order: at least one item.
    pub agenda: Vec<NewAgendaItem>,
    /// The document system's own identifier.
    #[serde(default)]
    pub external_id: Option<String>,
}

/// One agenda item of a [`NewMeeting`].
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewAgendaItem {
    /// Nội dung (what is discussed).
    #[schema(min_length = 1, pattern = "\\S")]
    pub title: String,
    /// Its documents, in order.
    #[serde(default)]
    pub documents: Vec<NewMeetingDocument>,
    /// Dự thảo kết luận, when one is proposed.
    #[serde(default)]
    pub draft_conclusion: Option<String>,
    /// The conclusion (thông báo kết luận) the chair signs in the meeting:
    /// the id of a signing request assigned to the chair (made by the same
    /// document system, when one creates the meeting). The chair signs it
    /// with the normal flow.
    #[serde(default)]
    pub conclusion_request: Option<String>,
}

/// A document of an agenda item: its title and which `files` part holds
/// its PDF (0 for the first part).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewMeetingDocument {
    /// Trích yếu.
    #[schema(min_length = 1, pattern = "\\S")]
    pub title: String,
    /// Index of its PDF among the `files` parts, in the order they are sent.
    pub file: u32,
}

/// `POST /api/v1/meetings`, as the OpenAPI document describes it: a
/// multipart form with the metadata and the PDFs (each PDF a `files` part,
/// referred to by its position).
#[derive(Debug, Clone, ToSchema)]
pub struct MeetingUpload {
    /// The meeting, its participants and agenda, as JSON.
    pub metadata: NewMeeting,
    /// The agenda documents (PDF), in the order the metadata's `file`
    /// indexes refer to.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub files: Vec<Vec<u8>>,
}

/// A meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Meeting {
    /// Identifier.
    pub id: String,
    /// Tên cuộc họp.
    pub title: String,
    /// Start, ISO 8601 in Vietnam time (`2026-03-05T14:30:00+07:00`).
    pub starts_at: String,
    /// End, ISO 8601 in Vietnam time.
    pub ends_at: String,
    /// Địa điểm.
    pub place: String,
    /// The chair's user id.
    pub chair_id: String,
    /// Who may present now: the chair, or the participant the chair
    /// delegated to (user id). The chair may always present.
    pub presenter_id: String,
    /// The participants, the chair included, by name.
    pub participants: Vec<User>,
    /// The agenda, in order.
    pub agenda: Vec<AgendaItem>,
    /// The document system's own identifier.
    pub external_id: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

/// An agenda item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AgendaItem {
    /// Identifier.
    pub id: String,
    /// Nội dung.
    pub title: String,
    /// Its documents, in order.
    pub documents: Vec<MeetingDocument>,
    /// Dự thảo kết luận, if any.
    pub draft_conclusion: Option<String>,
    /// The signing request of the conclusion the chair signs, if any.
    #[serde(default)]
    pub conclusion_request_id: Option<String>,
}

/// A document of an agenda item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MeetingDocument {
    /// Identifier (for the download and the presenter's state).
    pub id: String,
    /// Trích yếu.
    pub title: String,
    /// Number of pages.
    pub pages: u32,
    /// SHA-256 of the PDF, hex: what a downloaded or cached copy must hash to.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// Kind of an opinion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OpinionKind {
    /// Đồng ý (text optional).
    Agree,
    /// Không đồng ý (text required: why).
    Disagree,
    /// Góp ý (text required); does not change the author's stance.
    Comment,
}

impl OpinionKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OpinionKind::Agree => "agree",
            OpinionKind::Disagree => "disagree",
            OpinionKind::Comment => "comment",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "agree" => OpinionKind::Agree,
            "disagree" => OpinionKind::Disagree,
            "comment" => OpinionKind::Comment,
            _ => return None,
        })
    }
}

/// `POST /api/v1/device/meetings/{id}/items/{item}/opinions`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NewOpinion {
    /// Agree, disagree or comment.
    pub kind: OpinionKind,
    /// The comment: required (1 to 4000 characters) for `disagree` and
    /// `comment`, optional for `agree`.
    #[serde(default)]
    pub text: Option<String>,
}

/// An opinion given on an agenda item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Opinion {
    /// Identifier.
    pub id: String,
    /// The agenda item.
    pub item_id: String,
    /// Agree, disagree or comment.
    pub kind: OpinionKind,
    /// The comment, if any.
    pub text: Option<String>,
    /// The author's user id; `null` where the reader may not see names
    /// (see [`MeetingSummary::names_visible`]).
    pub author: Option<String>,
    /// Whether the reader wrote it.
    pub mine: bool,
    /// RFC 3339.
    pub at: String,
}

/// The opinions on one agenda item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ItemSummary {
    /// The agenda item.
    pub item_id: String,
    /// Participants whose latest agree/disagree is agree.
    pub agree: u32,
    /// Participants whose latest agree/disagree is disagree.
    pub disagree: u32,
    /// Opinions of kind `comment`.
    pub comments: u32,
    /// Every opinion that has a text (comments, and the reasons given with
    /// agree or disagree), oldest first.
    pub opinions: Vec<Opinion>,
    /// The reader's own latest agree/disagree, if any.
    pub my_stance: Option<OpinionKind>,
}

/// The opinions of a meeting, item by item (the secretary's summary).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MeetingSummary {
    /// The meeting.
    pub meeting_id: String,
    /// Whether authors are shown: to the chair and to whoever created the
    /// meeting (the document system or clerk keeping the minutes); other
    /// participants see the counts and texts, and only their own
    /// opinions as theirs.
    pub names_visible: bool,
    /// One per agenda item, in agenda order.
    pub items: Vec<ItemSummary>,
}

/// `POST /api/v1/device/meetings/{id}/presenter`: what the presenter shows.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PresenterUpdate {
    /// A document of this meeting.
    pub document_id: String,
    /// Page, from 1.
    #[schema(minimum = 1)]
    pub page: u32,
    /// Zoom factor, 0.25 to 8 (1 = fit the page).
    #[schema(minimum = 0.25, maximum = 8.0)]
    pub zoom: f64,
}

/// The presenter's current state, as followers receive it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PresenterState {
    /// The meeting.
    pub meeting_id: String,
    /// The document shown.
    pub document_id: String,
    /// Page, from 1.
    pub page: u32,
    /// Zoom factor.
    pub zoom: f64,
    /// Who presented it (user id).
    pub presenter: String,
    /// Increases by one with every change, across gateway restarts: a
    /// follower ignores any state whose `seq` is not above the last it showed.
    pub seq: u64,
    /// RFC 3339.
    pub at: String,
}

/// `POST /api/v1/device/meetings/{id}/presenter/delegate`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PresenterDelegation {
    /// The participant (user id) who may present besides the chair;
    /// `null` gives it back to the chair alone.
    #[serde(default)]
    pub presenter: Option<String>,
}

/// One server-sent event of `GET /api/v1/device/meetings/{id}/events`
/// (`event: presenter`, `data:` a [`PresenterState`] as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PresenterEventMessage {
    /// The event type.
    pub event: PresenterEventType,
    /// A [`PresenterState`], as JSON.
    #[schema(content_media_type = "application/json")]
    pub data: String,
}

/// The types of event on a meeting's stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PresenterEventType {
    /// The presenter's state (first the current one, then each change).
    Presenter,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opinion_kinds_round_trip() {
        for k in [
            OpinionKind::Agree,
            OpinionKind::Disagree,
            OpinionKind::Comment,
        ] {
            assert_eq!(OpinionKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_string(&k).expect("json"),
                format!("\"{}\"", k.as_str())
            );
        }
        assert_eq!(OpinionKind::parse("abstain"), None);
    }

    #[test]
    fn the_zoom_schema_states_the_checked_range() {
        let schema = serde_json::to_value(<PresenterUpdate as utoipa::PartialSchema>::schema())
            .expect("schema");
        let zoom = &schema["properties"]["zoom"];
        assert_eq!(zoom["minimum"].as_f64(), Some(ZOOM.0), "{schema}");
        assert_eq!(zoom["maximum"].as_f64(), Some(ZOOM.1), "{schema}");
    }
}
