-- +goose Up
-- The access change log (models/access_changes.go): each change of access
-- names, under the authz revision it made, whose access changed (org_id 0:
-- on the platform), so that other instances drop only those cached
-- standings. Pruned by revision.
CREATE TABLE authz_changes (
    revision BIGINT PRIMARY KEY,
    user_id  BIGINT NOT NULL,
    org_id   BIGINT NOT NULL
);

-- Lookups that scanned a table at 100k orgs and 1M users.
-- /admin/orgs lists organizations by name (case-insensitive, in byte
-- order on both databases), a page at a time, and finds them by the start
-- of their name: both are ranges of this index.
CREATE INDEX organizations_lower_name_id ON organizations(LOWER(name), id);
-- Foreign keys whose ON DELETE actions otherwise scan the referring table
-- when an org, a connection or a user is deleted.
CREATE INDEX users_created_by_org_id ON users(created_by_org_id);
CREATE INDEX memberships_last_connection_id ON memberships(last_connection_id);
CREATE INDEX sessions_org_id ON sessions(org_id);
CREATE INDEX audit_events_actor_id ON audit_events(actor_id);

-- +goose Down
DROP INDEX audit_events_actor_id;
DROP INDEX sessions_org_id;
DROP INDEX memberships_last_connection_id;
DROP INDEX users_created_by_org_id;
DROP INDEX organizations_lower_name_id;
DROP TABLE authz_changes;
