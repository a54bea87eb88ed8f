-- Copies (sao y, sao lục) of issued documents (copies.rs): each is the
-- issued PDF with the unit's seal signing once more in the copy style, then
-- B-LTA, in the document store under `sha256` (the latest version: a
-- re-timestamped copy moves on, the old version stays in the store). A
-- copy's number is the unit's own: one copy per number and unit.
CREATE TABLE copies (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests(id),
    unit_id TEXT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    number_symbol TEXT NOT NULL,
    sha256 TEXT NOT NULL REFERENCES documents(sha256),
    size BIGINT NOT NULL,
    made_by TEXT NOT NULL,
    made_at TEXT NOT NULL
);
CREATE UNIQUE INDEX copies_unit_number ON copies (unit_id, number_symbol);
CREATE INDEX copies_request ON copies (request_id, made_at);
