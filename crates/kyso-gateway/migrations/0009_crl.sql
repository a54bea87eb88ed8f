-- The device CA's CRL (crl.rs): one row, the list last signed. It is signed
-- again when the set of revoked devices differs from the one it was made
-- from (`revoked_sha256`) or when it is older than a day; `number` (the
-- cRLNumber) is raised in the transaction that stores it, so it increases
-- across restarts and across gateways sharing a PostgreSQL database.
CREATE TABLE crl (
    id BIGINT PRIMARY KEY,
    number BIGINT NOT NULL,
    revoked_sha256 TEXT NOT NULL,
    this_update TEXT NOT NULL,
    next_update TEXT NOT NULL,
    der_hex TEXT NOT NULL
);
INSERT INTO crl (id, number, revoked_sha256, this_update, next_update, der_hex) VALUES (1, 0, '', '', '', '');
