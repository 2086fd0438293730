-- Request counts shared by every server process, per rule, school and
-- subject (client address or account) and fixed window; each process adds
-- its local counts in one statement a few times a second (see
-- internal/ratelimit). Not per school under row security: the key names
-- the school, and no school's data is in it.

-- +goose Up
CREATE TABLE rate_windows (
    key          text NOT NULL,
    window_start timestamptz NOT NULL,
    hits         bigint NOT NULL CHECK (hits >= 0),
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_windows_start ON rate_windows (window_start);
GRANT SELECT, INSERT, UPDATE, DELETE ON rate_windows TO zhdj_app;

-- +goose Down
DROP TABLE rate_windows;
