-- Every server process that works background jobs renews a lease here while
-- it lives. A job still "running" under a client whose lease has lapsed was
-- left by a process that died (kill -9, OOM, a lost node): it is given back
-- to the queue at once instead of after its timeout (see internal/jobs).

-- +goose Up
CREATE TABLE job_clients (
    id           text PRIMARY KEY,
    host         text NOT NULL DEFAULT '',
    pid          integer NOT NULL DEFAULT 0,
    started_at   timestamptz NOT NULL DEFAULT now(),
    renewed_at   timestamptz NOT NULL DEFAULT now(),
    -- Each process says how long its lease lasts, so that processes with
    -- different settings judge one another right.
    expires_at   timestamptz NOT NULL
);
COMMENT ON TABLE job_clients IS
    'One row per live job client (River client ID), renewed every few seconds; a row past expires_at marks a process that died with its jobs.';
CREATE INDEX job_clients_expires ON job_clients (expires_at);
GRANT SELECT, INSERT, UPDATE, DELETE ON job_clients TO zhdj_app;

-- +goose Down
DROP TABLE job_clients;
