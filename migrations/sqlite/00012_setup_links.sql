-- +goose Up
-- Single-purpose links that let a customer's IT admin, without an account,
-- create or edit one named connection of an org and run its test. Only the
-- hash of a link's token is kept.
CREATE TABLE setup_links (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id           INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    token_hash       TEXT NOT NULL UNIQUE,
    connection_name  TEXT NOT NULL,
    preset           TEXT NOT NULL DEFAULT '',
    created_by       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_by_email TEXT NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL,
    expires_at       DATETIME NOT NULL,
    revoked_at       DATETIME,
    last_used_at     DATETIME
);
CREATE INDEX setup_links_org ON setup_links(org_id, created_at);

-- +goose Down
DROP TABLE setup_links;
