-- +goose Up
-- One counter that every instance bumps after changing casbin_rule and the
-- others poll, so a role change made anywhere is enforced everywhere.
CREATE TABLE authz_revision (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    revision BIGINT NOT NULL
);
INSERT INTO authz_revision (id, revision) VALUES (1, 0);

-- +goose Down
DROP TABLE authz_revision;
