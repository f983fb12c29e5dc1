-- +goose Up
CREATE TABLE connections (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id     TEXT NOT NULL UNIQUE,
    org_id        INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    protocol      TEXT NOT NULL,
    preset        TEXT NOT NULL DEFAULT 'custom',
    display_name  TEXT NOT NULL,
    logo_url      TEXT NOT NULL DEFAULT '',
    active        BOOLEAN NOT NULL DEFAULT FALSE,
    version       INTEGER NOT NULL DEFAULT 1,
    config        TEXT NOT NULL DEFAULT '{}',
    provisioning  TEXT NOT NULL DEFAULT '{}',
    config_hash   TEXT NOT NULL DEFAULT '',
    sealed_secret TEXT NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    updated_by    TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX connections_org_name ON connections(org_id, display_name);

CREATE TABLE test_runs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_id    INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    config_version   INTEGER NOT NULL,
    config_hash      TEXT NOT NULL,
    started_by       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    started_by_email TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    error_code       TEXT NOT NULL DEFAULT '',
    reason           TEXT NOT NULL DEFAULT '',
    detail           TEXT NOT NULL DEFAULT '',
    claims           TEXT NOT NULL DEFAULT '{}',
    mapped           TEXT NOT NULL DEFAULT '{}',
    finished_at      DATETIME NOT NULL
);
CREATE INDEX test_runs_connection ON test_runs(connection_id, finished_at);

CREATE TABLE identity_links (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    subject       TEXT NOT NULL,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    DATETIME NOT NULL
);
CREATE UNIQUE INDEX identity_links_subject ON identity_links(connection_id, subject);
CREATE INDEX identity_links_user ON identity_links(user_id);

CREATE TABLE login_states (
    state_hash     TEXT PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    connection_id  INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    config_version INTEGER NOT NULL,
    pending        TEXT NOT NULL,
    binding_hash   TEXT NOT NULL,
    return_to      TEXT NOT NULL DEFAULT '/',
    is_test        BOOLEAN NOT NULL DEFAULT FALSE,
    user_id        INTEGER REFERENCES users(id) ON DELETE CASCADE,
    client_key     TEXT NOT NULL,
    created_at     DATETIME NOT NULL,
    expires_at     DATETIME NOT NULL
);
CREATE INDEX login_states_client ON login_states(client_key, expires_at);
CREATE INDEX login_states_expires ON login_states(expires_at);

-- +goose Down
DROP TABLE login_states;
DROP TABLE identity_links;
DROP TABLE test_runs;
DROP TABLE connections;
