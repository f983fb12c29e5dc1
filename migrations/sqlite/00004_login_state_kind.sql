-- +goose Up
-- A login state is either a login in flight ("login") or a first login
-- waiting for the person's consent ("consent").
ALTER TABLE login_states ADD COLUMN kind TEXT NOT NULL DEFAULT 'login';

-- +goose Down
ALTER TABLE login_states DROP COLUMN kind;
