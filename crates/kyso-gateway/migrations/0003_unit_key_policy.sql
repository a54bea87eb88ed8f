-- Per-unit key policy: 1 = only keys proven to be in secure hardware (key
-- attestation); 0 = software keys too (desktop clerks).
ALTER TABLE units ADD COLUMN require_hardware BIGINT NOT NULL DEFAULT 0;
