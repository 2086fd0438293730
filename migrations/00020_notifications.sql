-- Notifications: a person's in-app inbox. Jobs write them; a cause (what
-- a notice is about: a task assigned, an event's reminder) gives a person
-- one notice however often its job runs, on however many processes.

-- +goose Up
CREATE TABLE notifications (
    tenant_id    uuid NOT NULL REFERENCES tenants (id),
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id    uuid NOT NULL,
    kind         text NOT NULL CHECK (kind ~ '^[a-z_]{1,40}$'),
    cause        text NOT NULL CHECK (length(cause) BETWEEN 1 AND 200),
    -- What it is about (a task, an event), for the client to link to.
    subject_type text NOT NULL CHECK (subject_type ~ '^[a-z_]{1,40}$'),
    subject_id   uuid NOT NULL,
    title        text NOT NULL CHECK (length(title) <= 200),
    body         text NOT NULL DEFAULT '' CHECK (length(body) <= 2000),
    created_at   timestamptz NOT NULL DEFAULT now(),
    read_at      timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, person_id, cause),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id)
);
CREATE INDEX notifications_inbox ON notifications (tenant_id, person_id, created_at DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (tenant_id, person_id, created_at DESC, id DESC) WHERE read_at IS NULL;
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notifications USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE (read_at) ON notifications TO zhdj_app;

-- +goose Down
DROP TABLE notifications;
