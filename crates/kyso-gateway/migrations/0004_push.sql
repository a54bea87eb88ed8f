-- Push notifications. One push token per device (the app replaces it when
-- the platform gives it a new one); removed when the device is revoked or
-- the provider says the token is gone. A token belongs to one device.
-- Tokens are sealed (AES-256-GCM, key in the data directory) and found by
-- a keyed MAC of provider and token (push/seal.rs).
CREATE TABLE push_tokens (
    device_id TEXT PRIMARY KEY REFERENCES devices(id),
    provider TEXT NOT NULL,
    token_sealed TEXT NOT NULL,
    token_mac TEXT NOT NULL UNIQUE,
    app_id TEXT,
    updated_at TEXT NOT NULL
);
-- The durable push outbox, delivered like the webhook outbox (`outbox`):
-- status pending | delivered | failed (given up, audited) | dropped (no
-- longer deliverable or needed: token gone, device revoked, request no
-- longer pending). The token is looked up at delivery, so a revoked device
-- or a replaced token is never pushed to. `payload` is the PushPayload JSON:
-- request id, urgency, category; never document text.
CREATE TABLE push_outbox (
    id TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests(id),
    device_id TEXT NOT NULL REFERENCES devices(id),
    provider TEXT NOT NULL,
    payload TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_at TEXT NOT NULL,
    status TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX push_outbox_due ON push_outbox(status, next_at);
