-- Issuance by the clerk (issuance.rs): the number and date the clerk gave a
-- signed request, and the issued PDF (the leader's signed revision, then the
-- agency seal's signature as a new incremental revision) in the document
-- store. The leader's signed PDF stays in signed_sha256.
ALTER TABLE requests ADD COLUMN issued_sha256 TEXT REFERENCES documents(sha256);
ALTER TABLE requests ADD COLUMN issued_number TEXT;
ALTER TABLE requests ADD COLUMN issued_date TEXT;
ALTER TABLE requests ADD COLUMN issued_by TEXT;
ALTER TABLE requests ADD COLUMN issued_at TEXT;
