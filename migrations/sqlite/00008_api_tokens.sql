-- +goose Up
-- Org-scoped API tokens: only the hash of a token is kept; it is shown
-- once, when created.
CREATE TABLE api_tokens (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id           INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    scope            TEXT NOT NULL,
    token_hash       TEXT NOT NULL UNIQUE,
    hint             TEXT NOT NULL DEFAULT '',
    created_by       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_by_email TEXT NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL,
    expires_at       DATETIME,
    last_used_at     DATETIME,
    revoked_at       DATETIME
);
CREATE INDEX api_tokens_org ON api_tokens(org_id, created_at);

-- +goose Down
DROP TABLE api_tokens;
