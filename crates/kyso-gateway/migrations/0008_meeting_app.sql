-- What the meeting screen of the app needs (issue 9).
--
-- An opinion cast offline is sent again until the gateway answers: the
-- tablet sends one Idempotency-Key per opinion, and a key seen before (for
-- the same author) gets the opinion already recorded, not a second one.
-- Several NULLs are allowed by a unique index in SQLite and PostgreSQL.
ALTER TABLE meeting_opinions ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX meeting_opinions_key ON meeting_opinions(user_id, idempotency_key);
-- The conclusion of an agenda item that the chair signs in the meeting: a
-- signing request (assigned to the chair), signed with the normal flow.
ALTER TABLE meeting_items ADD COLUMN conclusion_request_id TEXT REFERENCES requests(id);
