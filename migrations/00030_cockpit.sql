-- The data cockpit (党建数据座舱) reads what the other domains recorded
-- through the views they promise here, and the ledger through a roll-up
-- per person, kind and calendar period (month, quarter and year in
-- Beijing) that the ledger's inserts keep current in their own
-- transaction: a figure of a standard period reads one row per person and
-- kind, never the ledger.

-- +goose Up
CREATE TABLE points_by_period (
    tenant_id    uuid NOT NULL,
    person_id    uuid NOT NULL,
    kind         text NOT NULL,
    period_kind  text NOT NULL CHECK (period_kind IN ('month', 'quarter', 'year')),
    period_start date NOT NULL,
    points       int NOT NULL,
    entries      int NOT NULL,
    PRIMARY KEY (tenant_id, period_kind, period_start, person_id, kind)
);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION points_roll_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH n AS (
        SELECT tenant_id, person_id, CASE WHEN source_type = 'correction' THEN coalesce(counts_as, 'correction') ELSE kind END AS kind,
               (occurred_at AT TIME ZONE 'UTC' + interval '8 hours')::date AS day, amount
        FROM new_entries),
    by_day AS (
        INSERT INTO points_by_day AS d (tenant_id, person_id, kind, day, points, entries)
        SELECT tenant_id, person_id, kind, day, sum(amount), count(*) FROM n GROUP BY 1, 2, 3, 4
        ON CONFLICT (tenant_id, person_id, kind, day) DO UPDATE SET points = d.points + EXCLUDED.points, entries = d.entries + EXCLUDED.entries)
    INSERT INTO points_by_period AS p (tenant_id, person_id, kind, period_kind, period_start, points, entries)
    SELECT n.tenant_id, n.person_id, n.kind, k.period_kind, date_trunc(k.period_kind, n.day)::date, sum(n.amount), count(*)
    FROM n CROSS JOIN (VALUES ('month'), ('quarter'), ('year')) AS k (period_kind)
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_id, period_kind, period_start, person_id, kind)
    DO UPDATE SET points = p.points + EXCLUDED.points, entries = p.entries + EXCLUDED.entries;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
INSERT INTO points_by_period (tenant_id, person_id, kind, period_kind, period_start, points, entries)
SELECT d.tenant_id, d.person_id, d.kind, k.period_kind, date_trunc(k.period_kind, d.day)::date, sum(d.points), sum(d.entries)
FROM points_by_day d CROSS JOIN (VALUES ('month'), ('quarter'), ('year')) AS k (period_kind)
GROUP BY 1, 2, 3, 4, 5;

ALTER TABLE points_by_period ENABLE ROW LEVEL SECURITY;
ALTER TABLE points_by_period FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON points_by_period USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE ON points_by_period TO zhdj_app;

-- points: who is assessed (scores, rankings, the cockpit's rates): people
-- on record who are members or in party development — the one place this
-- rule is written.
CREATE VIEW assessed_people WITH (security_invoker = true) AS
SELECT p.tenant_id, p.id, p.name, p.org_unit_id, u.path AS org_path, p.stage
FROM people p JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE p.status = 'active' AND p.stage NOT IN ('none', 'cancelled');
GRANT SELECT ON assessed_people TO zhdj_app;

-- Read contracts for the cockpit (each owned by the domain named).
-- points: what each person has per kind in a calendar period.
CREATE VIEW points_period_totals WITH (security_invoker = true) AS
SELECT tenant_id, person_id, kind, period_kind, period_start, points, entries FROM points_by_period;
-- task: when an assignment counts as overdue at a moment (the one place
-- of this rule: past its deadline, neither approved nor waiting for review).
CREATE FUNCTION task_assignment_overdue(status text, deadline timestamptz, at timestamptz) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN status = 'overdue' OR (deadline < at AND status NOT IN ('approved', 'submitted'));
-- task: each assignment as it stands.
CREATE VIEW task_assignment_records WITH (security_invoker = true) AS
SELECT tenant_id, task_id, person_id, org_unit_id, deadline, status, late, updated_at FROM task_assignments;
-- meeting: events (not their codes or minutes) and who attended.
CREATE VIEW event_records WITH (security_invoker = true) AS
SELECT tenant_id, id, org_unit_id, kind, starts_at, ends_at, cancelled_at, minutes_at IS NOT NULL AS has_minutes, minutes_late FROM events;
CREATE VIEW event_attendance_records WITH (security_invoker = true) AS
SELECT tenant_id, event_id, person_id, status FROM event_attendees;
-- points: per day, for a period that is not a calendar one.
CREATE VIEW points_day_totals WITH (security_invoker = true) AS
SELECT tenant_id, person_id, kind, day, points, entries FROM points_by_day;
GRANT SELECT ON points_period_totals, points_day_totals, task_assignment_records, event_records, event_attendance_records TO zhdj_app;
-- member: when a person reached their stage (the cockpit's "near their
-- next stage").
CREATE OR REPLACE VIEW person_profiles WITH (security_invoker = true) AS
SELECT tenant_id, id, name, gender, category, department, phone_masked, citizen_id_masked,
       org_unit_id, stage, status, stage_since
FROM people;

-- The facts of a period, school-wide (learning's table; the cockpit's trend).
CREATE INDEX learning_facts_time ON learning_facts (tenant_id, occurred_at) INCLUDE (person_id, kind);
CREATE INDEX task_assignments_deadline ON task_assignments (tenant_id, deadline) INCLUDE (person_id, status);
CREATE INDEX events_time ON events (tenant_id, starts_at);

-- +goose Down
DROP VIEW assessed_people;
DROP FUNCTION task_assignment_overdue(text, timestamptz, timestamptz);
DROP INDEX events_time;
DROP INDEX task_assignments_deadline;
DROP INDEX learning_facts_time;
-- person_profiles keeps stage_since: other views depend on it, and a
-- view loses no column by CREATE OR REPLACE.
DROP VIEW points_day_totals;
DROP VIEW event_attendance_records;
DROP VIEW event_records;
DROP VIEW task_assignment_records;
DROP VIEW points_period_totals;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION points_roll_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO points_by_day AS d (tenant_id, person_id, kind, day, points, entries)
    SELECT n.tenant_id, n.person_id, CASE WHEN n.source_type = 'correction' THEN coalesce(n.counts_as, 'correction') ELSE n.kind END,
           (n.occurred_at AT TIME ZONE 'UTC' + interval '8 hours')::date, sum(n.amount), count(*)
    FROM new_entries n
    GROUP BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, person_id, kind, day) DO UPDATE SET points = d.points + EXCLUDED.points, entries = d.entries + EXCLUDED.entries;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
DROP TABLE points_by_period;
