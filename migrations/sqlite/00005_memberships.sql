-- +goose Up
-- Tenant trust: who belongs to an org, and with which roles and status, is a
-- membership row per (org, user); casbin keeps only what each role may do.
CREATE TABLE memberships (
    org_id             INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id            INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    roles              TEXT NOT NULL DEFAULT '',
    status             TEXT NOT NULL DEFAULT 'active',
    source             TEXT NOT NULL DEFAULT 'admin',
    created_at         DATETIME NOT NULL,
    last_login_at      DATETIME,
    last_connection_id INTEGER REFERENCES connections(id) ON DELETE SET NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_user ON memberships(user_id);

ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN platform_admin BOOLEAN NOT NULL DEFAULT FALSE;
-- The org whose SSO created the account (JIT), if any.
ALTER TABLE users ADD COLUMN created_by_org_id INTEGER REFERENCES organizations(id) ON DELETE SET NULL;

-- Today's casbin role rows become memberships; the account's status was
-- global, and becomes its status in each of its orgs.
INSERT INTO memberships (org_id, user_id, roles, status, source, created_at, last_login_at)
SELECT o.id, u.id,
       (SELECT group_concat(v1, ',') FROM (SELECT DISTINCT r.v1 FROM casbin_rule r
            WHERE r.ptype = 'g' AND r.v0 = 'u:' || u.id AND r.v2 = 'o:' || o.id AND r.v1 IN ('admin', 'user') ORDER BY r.v1)),
       CASE u.status WHEN 'pending' THEN 'pending' WHEN 'disabled' THEN 'disabled' ELSE 'active' END,
       'admin', u.created_at, u.last_login_at
FROM users u JOIN organizations o
WHERE EXISTS (SELECT 1 FROM casbin_rule r WHERE r.ptype = 'g' AND r.v0 = 'u:' || u.id AND r.v2 = 'o:' || o.id AND r.v1 IN ('admin', 'user'));

UPDATE users SET platform_admin = TRUE
WHERE 'u:' || id IN (SELECT v0 FROM casbin_rule WHERE ptype = 'g' AND v1 = 'platform_admin' AND v2 = '*');
UPDATE users SET disabled = TRUE WHERE status = 'disabled';

ALTER TABLE users DROP COLUMN status;
ALTER TABLE users DROP COLUMN last_login_at;
-- The policy (what each role may do) is embedded; casbin no longer stores anything.
DROP TABLE casbin_rule;

-- Adding a person to an org is an invite, accepted once.
CREATE TABLE invites (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id           INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email            TEXT NOT NULL,
    role             TEXT NOT NULL,
    token_hash       TEXT NOT NULL UNIQUE,
    created_by       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_by_email TEXT NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL,
    expires_at       DATETIME NOT NULL,
    accepted_at      DATETIME,
    accepted_by      INTEGER REFERENCES users(id) ON DELETE SET NULL,
    revoked_at       DATETIME
);
CREATE INDEX invites_org_email ON invites(org_id, email);

-- Email domains an org has proven by DNS; one org at a time per domain.
CREATE TABLE verified_domains (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id           INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    domain           TEXT NOT NULL,
    challenge        TEXT NOT NULL,
    created_at       DATETIME NOT NULL,
    verified_at      DATETIME
);
CREATE UNIQUE INDEX verified_domains_org_domain ON verified_domains(org_id, domain);
CREATE UNIQUE INDEX verified_domains_domain ON verified_domains(domain) WHERE verified_at IS NOT NULL;

-- A login started by a signed-in person to link this sign-in to their account.
ALTER TABLE login_states ADD COLUMN is_link BOOLEAN NOT NULL DEFAULT FALSE;

-- A session that came through an org's connection opens that org only: the
-- org's IdP vouches for the person there, and nowhere else.
ALTER TABLE sessions ADD COLUMN org_id INTEGER REFERENCES organizations(id) ON DELETE CASCADE;
-- Sessions that came through a connection before this migration open its org only too.
UPDATE sessions SET org_id = (SELECT c.org_id FROM connections c WHERE c.id = sessions.connection_id)
WHERE connection_id IS NOT NULL;

-- +goose Down
ALTER TABLE sessions DROP COLUMN org_id;
ALTER TABLE login_states DROP COLUMN is_link;
DROP TABLE verified_domains;
DROP TABLE invites;
CREATE TABLE casbin_rule (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    ptype VARCHAR(100) NOT NULL DEFAULT '',
    v0    VARCHAR(100) NOT NULL DEFAULT '',
    v1    VARCHAR(100) NOT NULL DEFAULT '',
    v2    VARCHAR(100) NOT NULL DEFAULT '',
    v3    VARCHAR(100) NOT NULL DEFAULT '',
    v4    VARCHAR(100) NOT NULL DEFAULT '',
    v5    VARCHAR(100) NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX idx_casbin_rule ON casbin_rule(ptype, v0, v1, v2, v3, v4, v5);
ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE users ADD COLUMN last_login_at DATETIME;
INSERT INTO casbin_rule (ptype, v0, v1, v2) SELECT 'g', 'u:' || id, 'platform_admin', '*' FROM users WHERE platform_admin;
INSERT INTO casbin_rule (ptype, v0, v1, v2) SELECT 'g', 'u:' || m.user_id, 'admin', 'o:' || m.org_id FROM memberships m WHERE ',' || m.roles || ',' LIKE '%,admin,%';
INSERT INTO casbin_rule (ptype, v0, v1, v2) SELECT 'g', 'u:' || m.user_id, 'user', 'o:' || m.org_id FROM memberships m WHERE ',' || m.roles || ',' LIKE '%,user,%';
ALTER TABLE users DROP COLUMN created_by_org_id;
ALTER TABLE users DROP COLUMN platform_admin;
ALTER TABLE users DROP COLUMN disabled;
DROP TABLE memberships;
