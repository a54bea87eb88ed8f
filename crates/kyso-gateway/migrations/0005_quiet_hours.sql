-- Quiet hours and deadline reminders (push/quiet.rs, push/mod.rs).
--
-- A leader's quiet hours: minutes after local midnight in Vietnam
-- (UTC+07:00), start inclusive, end exclusive; start > end wraps midnight.
-- No row: no quiet hours.
CREATE TABLE quiet_hours (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    start_minute BIGINT NOT NULL,
    end_minute BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);
-- A push held by quiet hours: `next_at` was set to the end of the quiet
-- hours and `held_until` to the same instant. While the two are equal the
-- row is held (not claimed, not backing off), so a change of the leader's
-- quiet hours can release it at once.
ALTER TABLE push_outbox ADD COLUMN held_until TEXT;
-- The one deadline reminder of a request, recorded in the transaction that
-- queues its pushes: the primary key makes it once, across restarts and
-- with several gateways on one database.
CREATE TABLE push_reminders (
    request_id TEXT PRIMARY KEY REFERENCES requests(id),
    queued_at TEXT NOT NULL,
    pushes BIGINT NOT NULL
);
