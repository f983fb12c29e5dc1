-- +goose Up
-- The connections table lists an org's connections by name a page at a
-- time (and the page of one connection is counted by name): this index
-- orders them without sorting all of the org's connections.
CREATE INDEX connections_org_display_name ON connections(org_id, display_name, id);

-- +goose Down
DROP INDEX connections_org_display_name;
