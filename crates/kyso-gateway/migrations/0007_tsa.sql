-- The timestamp authority (RFC 3161, tsa.rs). Serial numbers come from one
-- counter row, raised in the transaction that records the token, so they
-- are unique and increase across restarts and across gateways sharing a
-- PostgreSQL database. (0006 is another change's; the migrator applies
-- whatever version a database lacks, so the gap is harmless.)
CREATE TABLE tsa_serial (
    id BIGINT PRIMARY KEY,
    last_serial BIGINT NOT NULL
);
INSERT INTO tsa_serial (id, last_serial) VALUES (1, 0);
-- Every token issued: what was stamped (the SHA-256 imprint, hex), when,
-- under which policy, by which TSA certificate (SHA-256 of its DER, hex).
-- Never the requester's document: the TSA sees only a digest.
CREATE TABLE tsa_tokens (
    serial BIGINT PRIMARY KEY,
    gen_time TEXT NOT NULL,
    imprint TEXT NOT NULL,
    policy TEXT NOT NULL,
    tsa_cert_sha256 TEXT NOT NULL
);
