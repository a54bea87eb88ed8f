-- Meetings on tablets (DESIGN.md §4.6, src/meetings.rs). Times of the
-- meeting itself are kept as given, normalised to Vietnam time (+07:00);
-- every other time is RFC 3339 UTC, as elsewhere.
--
-- Created by a document system (integrator_id) or a clerk (creator_user_id).
-- presenter_id: who may present besides the chair (the chair by default).
CREATE TABLE meetings (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    place TEXT NOT NULL,
    chair_id TEXT NOT NULL REFERENCES users(id),
    presenter_id TEXT NOT NULL REFERENCES users(id),
    integrator_id TEXT REFERENCES integrator_keys(id),
    creator_user_id TEXT REFERENCES users(id),
    external_id TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE meeting_participants (
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (meeting_id, user_id)
);
CREATE INDEX meeting_participants_user ON meeting_participants(user_id);
CREATE TABLE meeting_items (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    draft_conclusion TEXT
);
CREATE INDEX meeting_items_meeting ON meeting_items(meeting_id, position);
-- The PDFs are in the content-addressed store, recorded in `documents`.
CREATE TABLE meeting_documents (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    item_id TEXT NOT NULL REFERENCES meeting_items(id),
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    pages BIGINT NOT NULL,
    document_sha256 TEXT NOT NULL REFERENCES documents(sha256)
);
CREATE INDEX meeting_documents_meeting ON meeting_documents(meeting_id, position);
-- Opinions, append-only (each also in the audit chain). kind: agree |
-- disagree | comment; a participant's stance is their latest agree or
-- disagree.
CREATE TABLE meeting_opinions (
    id TEXT PRIMARY KEY,
    meeting_id TEXT NOT NULL REFERENCES meetings(id),
    item_id TEXT NOT NULL REFERENCES meeting_items(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT,
    at TEXT NOT NULL
);
CREATE INDEX meeting_opinions_item ON meeting_opinions(meeting_id, item_id, seq);
-- The presenter's current state, one row per meeting: followers that
-- (re)connect, after a restart too, start from it. seq grows by one with
-- every change.
CREATE TABLE meeting_presenter (
    meeting_id TEXT PRIMARY KEY REFERENCES meetings(id),
    document_id TEXT NOT NULL REFERENCES meeting_documents(id),
    page BIGINT NOT NULL,
    zoom DOUBLE PRECISION NOT NULL,
    presenter_id TEXT NOT NULL REFERENCES users(id),
    seq BIGINT NOT NULL,
    at TEXT NOT NULL
);
