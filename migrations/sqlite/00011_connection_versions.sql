-- +goose Up
-- Every saved version of a connection: its settings as saved (never its
-- secret), who saved it and when. A restore copies one back as a new
-- version.
CREATE TABLE connection_versions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    org_id        INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    protocol      TEXT NOT NULL,
    preset        TEXT NOT NULL DEFAULT '',
    display_name  TEXT NOT NULL,
    logo_url      TEXT NOT NULL DEFAULT '',
    config        TEXT NOT NULL,
    provisioning  TEXT NOT NULL DEFAULT '',
    saved_by      TEXT NOT NULL DEFAULT '',
    saved_at      DATETIME NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    UNIQUE (connection_id, version)
);

-- The connections saved before history began keep their current version.
INSERT INTO connection_versions (connection_id, org_id, version, protocol, preset, display_name, logo_url, config, provisioning, saved_by, saved_at)
SELECT id, org_id, version, protocol, preset, display_name, logo_url, config, provisioning, COALESCE(updated_by, ''), updated_at FROM connections;

-- +goose Down
DROP TABLE connection_versions;
