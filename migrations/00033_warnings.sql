-- Early warnings (预警): what the supervision job finds wrong under an org
-- unit — an overdue task, a member not learning, a probation or an
-- activist's training behind, points low at mid-period, a branch missing
-- its meetings or their minutes. One warning per cause (the cause names
-- the rule, the subject and the occasion, so the same lapse is never
-- raised twice while a new one is); it is addressed to the admins of the
-- nearest unit at or above the responsible one, escalates to the next
-- ones up when nobody acknowledges it in time, and is acknowledged and
-- resolved with a note, or cleared when its cause goes away.

-- +goose Up

CREATE TABLE warnings (
    tenant_id         uuid NOT NULL REFERENCES tenants (id),
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    rule              text NOT NULL CHECK (rule IN ('task_overdue', 'no_learning', 'probation_behind', 'activist_stalled',
                                                   'low_points', 'meetings_missing', 'minutes_missing')),
    cause             text NOT NULL CHECK (length(cause) BETWEEN 1 AND 200),
    -- The unit responsible (a person's unit, an event's, a branch).
    org_unit_id       uuid NOT NULL,
    -- Where it is addressed now: the responsible unit or one above.
    addressed_unit_id uuid NOT NULL,
    escalations       int NOT NULL DEFAULT 0,
    addressed_at      timestamptz NOT NULL DEFAULT now(),
    person_id         uuid,
    subject_type      text NOT NULL CHECK (subject_type ~ '^[a-z_]{1,40}$'),
    subject_id        uuid NOT NULL,
    -- What the job found, for the reader (e.g. the days without learning).
    details           jsonb NOT NULL DEFAULT '{}'::jsonb,
    status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved', 'cleared')),
    raised_at         timestamptz NOT NULL DEFAULT now(),
    acknowledged_at   timestamptz,
    acknowledged_by   uuid,
    resolved_at       timestamptz,
    resolved_by       uuid,
    note              text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, cause),
    FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, id),
    FOREIGN KEY (tenant_id, addressed_unit_id) REFERENCES org_units (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id),
    CHECK ((status IN ('resolved', 'cleared')) = (resolved_at IS NOT NULL))
);
CREATE INDEX warnings_open ON warnings (tenant_id, rule) WHERE status IN ('open', 'acknowledged');
CREATE INDEX warnings_unit ON warnings (tenant_id, org_unit_id, raised_at DESC);
ALTER TABLE warnings ENABLE ROW LEVEL SECURITY;
ALTER TABLE warnings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON warnings USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE ON warnings TO zhdj_app;

-- identity: the people who administer a unit (org or school admins bound
-- there, with an active account on record), whom warnings are addressed to.
CREATE VIEW unit_admin_people WITH (security_invoker = true) AS
SELECT DISTINCT b.tenant_id, b.org_unit_id, a.person_id
FROM role_bindings b JOIN accounts a ON a.tenant_id = b.tenant_id AND a.id = b.account_id
WHERE b.role IN ('tenant_admin', 'org_admin') AND a.active AND a.person_id IS NOT NULL;
GRANT SELECT ON unit_admin_people TO zhdj_app;

-- task: what a task is called; meeting: events with their titles (for
-- what a warning names).
CREATE VIEW task_titles WITH (security_invoker = true) AS
SELECT tenant_id, id, title FROM tasks;
GRANT SELECT ON task_titles TO zhdj_app;
CREATE OR REPLACE VIEW event_records WITH (security_invoker = true) AS
SELECT tenant_id, id, org_unit_id, kind, starts_at, ends_at, cancelled_at, minutes_at IS NOT NULL AS has_minutes, minutes_late, title FROM events;

-- warning: the open ones, for the cockpit.
CREATE VIEW open_warning_records WITH (security_invoker = true) AS
SELECT tenant_id, id, rule, org_unit_id, addressed_unit_id, person_id, raised_at FROM warnings WHERE status IN ('open', 'acknowledged');
GRANT SELECT ON open_warning_records TO zhdj_app;

-- Announced to live subscribers (see 00032) under the responsible unit:
-- the warnings topic, and the cockpit (its open warnings).
-- +goose StatementBegin
CREATE FUNCTION live_warning_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('zhdj_live', json_build_object('k', 'warning', 't', r.tenant_id, 'id', r.id, 'u', u.path::text)::text)
    FROM new_rows r JOIN org_units u ON u.tenant_id = r.tenant_id AND u.id = r.org_unit_id;
    PERFORM live_announce_cockpit(r.tenant_id, array_agg(DISTINCT u.path))
    FROM (SELECT DISTINCT tenant_id, org_unit_id FROM new_rows) r JOIN org_units u ON u.tenant_id = r.tenant_id AND u.id = r.org_unit_id
    GROUP BY r.tenant_id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER warnings_live_insert AFTER INSERT ON warnings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION live_warning_rows();
CREATE TRIGGER warnings_live_update AFTER UPDATE ON warnings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION live_warning_rows();

-- +goose Down
DROP TRIGGER warnings_live_update ON warnings;
DROP TRIGGER warnings_live_insert ON warnings;
DROP FUNCTION live_warning_rows();
DROP VIEW open_warning_records;
DROP VIEW task_titles;
DROP VIEW unit_admin_people;
-- event_records keeps its title: a view loses no column by CREATE OR REPLACE.
DROP TABLE warnings;
