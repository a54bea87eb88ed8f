-- Incoming documents (văn bản đến) and their edXML statuses 01–06.
CREATE TABLE incoming (
    id TEXT PRIMARY KEY,
    integrator_id TEXT NOT NULL REFERENCES integrator_keys(id),
    external_id TEXT NOT NULL,
    title TEXT NOT NULL,
    number_symbol TEXT,
    document_type TEXT NOT NULL,
    sender TEXT NOT NULL,
    sender_code TEXT,
    status TEXT NOT NULL,
    assignee_id TEXT REFERENCES users(id),
    note TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (integrator_id, external_id)
);
CREATE INDEX incoming_assignee ON incoming(assignee_id, status);
CREATE TABLE incoming_events (
    id TEXT PRIMARY KEY,
    incoming_id TEXT NOT NULL REFERENCES incoming(id),
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX incoming_events_incoming ON incoming_events(incoming_id, seq);
