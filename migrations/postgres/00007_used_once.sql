-- +goose Up
-- Single-use ids already spent: login states (kept in the browser, sealed)
-- and, for SAML, assertion ids. A second insert of the same (kind, id_hash)
-- fails, on every instance; rows go once expired.
CREATE TABLE used_once (
    kind       TEXT     NOT NULL,
    id_hash    TEXT     NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, id_hash)
);
CREATE INDEX used_once_expires ON used_once (expires_at);
-- Logins in flight no longer live here: only first logins waiting for consent.
DELETE FROM login_states WHERE kind = 'login';

-- +goose Down
DROP TABLE used_once;
