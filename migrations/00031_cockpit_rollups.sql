-- The cockpit's roll-ups per org unit: a figure of a subtree sums a row
-- per unit and bucket instead of walking each person's records. Each is
-- kept by a statement trigger of the table it counts, in the writing
-- transaction (a figure is never stale); each trigger groups its
-- statement's rows first, so publishing a task to a whole school is one
-- upsert per unit.
--
-- The units are where a thing happened: a learning fact counts for the
-- unit its person was in when it occurred, an assignment for the unit it
-- was given in (a transfer does not move history).

-- +goose Up

-- learning: which facts count as studying and which as volunteering (the
-- one place of this rule; others count for the points only).
CREATE FUNCTION learning_fact_category(kind text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN kind IN ('lesson_completed', 'reading_completed', 'quiz_completed') THEN 'learning'
                WHEN kind = 'volunteer_hours_confirmed' THEN 'volunteer' END;

-- Who had a fact of a category in a bucket (a Beijing day, week from
-- Monday, month, quarter, year): a person counts once per bucket however
-- many facts, and the unique key makes that true under concurrent facts.
CREATE TABLE learning_seen (
    tenant_id    uuid NOT NULL,
    bucket_kind  text NOT NULL CHECK (bucket_kind IN ('day', 'week', 'month', 'quarter', 'year')),
    bucket_start date NOT NULL,
    category     text NOT NULL,
    person_id    uuid NOT NULL,
    PRIMARY KEY (tenant_id, bucket_kind, bucket_start, category, person_id)
);

-- Per unit and bucket: facts, distinct people, volunteer hours.
CREATE TABLE learning_by_unit (
    tenant_id    uuid NOT NULL,
    bucket_kind  text NOT NULL,
    bucket_start date NOT NULL,
    category     text NOT NULL,
    org_unit_id  uuid NOT NULL,
    facts        int NOT NULL,
    people       int NOT NULL,
    hours        numeric NOT NULL,
    PRIMARY KEY (tenant_id, bucket_kind, bucket_start, category, org_unit_id)
);

-- +goose StatementBegin
CREATE FUNCTION learning_roll_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH n AS (
        -- The facts of people assessed (the cockpit's people), by day.
        SELECT f.tenant_id, f.person_id, p.org_unit_id, learning_fact_category(f.kind) AS category,
               (f.occurred_at AT TIME ZONE 'UTC' + interval '8 hours')::date AS day,
               count(*) AS facts, coalesce(sum((f.details ->> 'hours')::numeric), 0) AS hours
        FROM new_facts f JOIN assessed_people p ON p.tenant_id = f.tenant_id AND p.id = f.person_id
        WHERE learning_fact_category(f.kind) IS NOT NULL
        GROUP BY 1, 2, 3, 4, 5),
    b AS (
        SELECT n.*, k.bucket_kind, date_trunc(k.bucket_kind, n.day)::date AS bucket_start
        FROM n CROSS JOIN (VALUES ('day'), ('week'), ('month'), ('quarter'), ('year')) AS k (bucket_kind)),
    seen AS (
        INSERT INTO learning_seen (tenant_id, bucket_kind, bucket_start, category, person_id)
        SELECT DISTINCT tenant_id, bucket_kind, bucket_start, category, person_id FROM b ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT DO NOTHING
        RETURNING tenant_id, bucket_kind, bucket_start, category, person_id),
    u AS (
        SELECT b.tenant_id, b.bucket_kind, b.bucket_start, b.category, b.org_unit_id,
               sum(b.facts)::int AS facts, sum(b.hours) AS hours,
               count(DISTINCT s.person_id)::int AS people
        FROM b LEFT JOIN seen s ON s.tenant_id = b.tenant_id AND s.bucket_kind = b.bucket_kind AND s.bucket_start = b.bucket_start
                               AND s.category = b.category AND s.person_id = b.person_id
        GROUP BY 1, 2, 3, 4, 5)
    INSERT INTO learning_by_unit AS r (tenant_id, bucket_kind, bucket_start, category, org_unit_id, facts, people, hours)
    SELECT tenant_id, bucket_kind, bucket_start, category, org_unit_id, facts, people, hours FROM u ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (tenant_id, bucket_kind, bucket_start, category, org_unit_id)
    DO UPDATE SET facts = r.facts + EXCLUDED.facts, people = r.people + EXCLUDED.people, hours = r.hours + EXCLUDED.hours;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER learning_facts_roll_up AFTER INSERT ON learning_facts
    REFERENCING NEW TABLE AS new_facts FOR EACH STATEMENT EXECUTE FUNCTION learning_roll_up();

-- What is on record already.
WITH n AS (
    SELECT f.tenant_id, f.person_id, p.org_unit_id, learning_fact_category(f.kind) AS category,
           (f.occurred_at AT TIME ZONE 'UTC' + interval '8 hours')::date AS day,
           count(*) AS facts, coalesce(sum((f.details ->> 'hours')::numeric), 0) AS hours
    FROM learning_facts f JOIN assessed_people p ON p.tenant_id = f.tenant_id AND p.id = f.person_id
    WHERE learning_fact_category(f.kind) IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5),
b AS (
    SELECT n.*, k.bucket_kind, date_trunc(k.bucket_kind, n.day)::date AS bucket_start
    FROM n CROSS JOIN (VALUES ('day'), ('week'), ('month'), ('quarter'), ('year')) AS k (bucket_kind)),
seen AS (
    INSERT INTO learning_seen (tenant_id, bucket_kind, bucket_start, category, person_id)
    SELECT DISTINCT tenant_id, bucket_kind, bucket_start, category, person_id FROM b)
INSERT INTO learning_by_unit (tenant_id, bucket_kind, bucket_start, category, org_unit_id, facts, people, hours)
SELECT tenant_id, bucket_kind, bucket_start, category, org_unit_id, sum(facts)::int, count(DISTINCT person_id)::int, sum(hours)
FROM b GROUP BY 1, 2, 3, 4, 5;

-- task: assignments per unit, deadline and status.
CREATE TABLE task_assignment_counts (
    tenant_id   uuid NOT NULL,
    org_unit_id uuid NOT NULL,
    deadline    timestamptz NOT NULL,
    status      text NOT NULL,
    assignments int NOT NULL,
    PRIMARY KEY (tenant_id, org_unit_id, deadline, status)
);
CREATE INDEX task_assignment_counts_deadline ON task_assignment_counts (tenant_id, deadline);

-- +goose StatementBegin
CREATE FUNCTION task_assignments_roll_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- One upsert of the changes, in the key's order: two changes moving
    -- counts in opposite directions lock the same rows in the same order.
    -- (Each branch names only the transition tables its event has.)
    IF TG_OP = 'INSERT' THEN
        WITH d AS (SELECT tenant_id, org_unit_id, deadline, status, sum(n)::int AS n FROM (SELECT tenant_id, org_unit_id, deadline, status, 1 AS n FROM new_rows) x GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0)
        INSERT INTO task_assignment_counts AS c (tenant_id, org_unit_id, deadline, status, assignments)
        SELECT * FROM d ORDER BY 1, 2, 3, 4
        ON CONFLICT (tenant_id, org_unit_id, deadline, status) DO UPDATE SET assignments = c.assignments + EXCLUDED.assignments;
    ELSIF TG_OP = 'DELETE' THEN
        WITH d AS (SELECT tenant_id, org_unit_id, deadline, status, sum(n)::int AS n FROM (SELECT tenant_id, org_unit_id, deadline, status, -1 AS n FROM old_rows) x GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0)
        INSERT INTO task_assignment_counts AS c (tenant_id, org_unit_id, deadline, status, assignments)
        SELECT * FROM d ORDER BY 1, 2, 3, 4
        ON CONFLICT (tenant_id, org_unit_id, deadline, status) DO UPDATE SET assignments = c.assignments + EXCLUDED.assignments;
    ELSE
        WITH d AS (SELECT tenant_id, org_unit_id, deadline, status, sum(n)::int AS n FROM (SELECT tenant_id, org_unit_id, deadline, status, 1 AS n FROM new_rows UNION ALL SELECT tenant_id, org_unit_id, deadline, status, -1 FROM old_rows) x GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0)
        INSERT INTO task_assignment_counts AS c (tenant_id, org_unit_id, deadline, status, assignments)
        SELECT * FROM d ORDER BY 1, 2, 3, 4
        ON CONFLICT (tenant_id, org_unit_id, deadline, status) DO UPDATE SET assignments = c.assignments + EXCLUDED.assignments;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER task_assignments_roll_up_insert AFTER INSERT ON task_assignments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION task_assignments_roll_up();
CREATE TRIGGER task_assignments_roll_up_update AFTER UPDATE ON task_assignments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION task_assignments_roll_up();
CREATE TRIGGER task_assignments_roll_up_delete AFTER DELETE ON task_assignments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION task_assignments_roll_up();
INSERT INTO task_assignment_counts (tenant_id, org_unit_id, deadline, status, assignments)
SELECT tenant_id, org_unit_id, deadline, status, count(*) FROM task_assignments GROUP BY 1, 2, 3, 4;

-- meeting: attendees per event and status.
CREATE TABLE event_attendance_counts (
    tenant_id uuid NOT NULL,
    event_id  uuid NOT NULL,
    status    text NOT NULL,
    attendees int NOT NULL,
    PRIMARY KEY (tenant_id, event_id, status)
);

-- +goose StatementBegin
CREATE FUNCTION event_attendees_roll_up() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- One upsert of the changes, in the key's order: two changes moving
    -- counts in opposite directions lock the same rows in the same order.
    -- (Each branch names only the transition tables its event has.)
    IF TG_OP = 'INSERT' THEN
        WITH d AS (SELECT tenant_id, event_id, status, sum(n)::int AS n FROM (SELECT tenant_id, event_id, status, 1 AS n FROM new_rows) x GROUP BY 1, 2, 3 HAVING sum(n) <> 0)
        INSERT INTO event_attendance_counts AS c (tenant_id, event_id, status, attendees)
        SELECT * FROM d ORDER BY 1, 2, 3
        ON CONFLICT (tenant_id, event_id, status) DO UPDATE SET attendees = c.attendees + EXCLUDED.attendees;
    ELSIF TG_OP = 'DELETE' THEN
        WITH d AS (SELECT tenant_id, event_id, status, sum(n)::int AS n FROM (SELECT tenant_id, event_id, status, -1 AS n FROM old_rows) x GROUP BY 1, 2, 3 HAVING sum(n) <> 0)
        INSERT INTO event_attendance_counts AS c (tenant_id, event_id, status, attendees)
        SELECT * FROM d ORDER BY 1, 2, 3
        ON CONFLICT (tenant_id, event_id, status) DO UPDATE SET attendees = c.attendees + EXCLUDED.attendees;
    ELSE
        WITH d AS (SELECT tenant_id, event_id, status, sum(n)::int AS n FROM (SELECT tenant_id, event_id, status, 1 AS n FROM new_rows UNION ALL SELECT tenant_id, event_id, status, -1 FROM old_rows) x GROUP BY 1, 2, 3 HAVING sum(n) <> 0)
        INSERT INTO event_attendance_counts AS c (tenant_id, event_id, status, attendees)
        SELECT * FROM d ORDER BY 1, 2, 3
        ON CONFLICT (tenant_id, event_id, status) DO UPDATE SET attendees = c.attendees + EXCLUDED.attendees;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER event_attendees_roll_up_insert AFTER INSERT ON event_attendees
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION event_attendees_roll_up();
CREATE TRIGGER event_attendees_roll_up_update AFTER UPDATE ON event_attendees
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION event_attendees_roll_up();
CREATE TRIGGER event_attendees_roll_up_delete AFTER DELETE ON event_attendees
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION event_attendees_roll_up();
INSERT INTO event_attendance_counts (tenant_id, event_id, status, attendees)
SELECT tenant_id, event_id, status, count(*) FROM event_attendees GROUP BY 1, 2, 3;

-- points: each person's total in a calendar period (all kinds).
CREATE TABLE points_totals_by_period (
    tenant_id    uuid NOT NULL,
    period_kind  text NOT NULL,
    period_start date NOT NULL,
    person_id    uuid NOT NULL,
    points       int NOT NULL,
    PRIMARY KEY (tenant_id, period_kind, period_start, person_id)
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
        ON CONFLICT (tenant_id, person_id, kind, day) DO UPDATE SET points = d.points + EXCLUDED.points, entries = d.entries + EXCLUDED.entries),
    p AS (
        SELECT n.tenant_id, n.person_id, n.kind, k.period_kind, date_trunc(k.period_kind, n.day)::date AS period_start, n.amount
        FROM n CROSS JOIN (VALUES ('month'), ('quarter'), ('year')) AS k (period_kind)),
    by_period AS (
        INSERT INTO points_by_period AS r (tenant_id, person_id, kind, period_kind, period_start, points, entries)
        SELECT tenant_id, person_id, kind, period_kind, period_start, sum(amount), count(*) FROM p
        GROUP BY 1, 2, 3, 4, 5
        ON CONFLICT (tenant_id, period_kind, period_start, person_id, kind)
        DO UPDATE SET points = r.points + EXCLUDED.points, entries = r.entries + EXCLUDED.entries)
    INSERT INTO points_totals_by_period AS t (tenant_id, period_kind, period_start, person_id, points)
    SELECT tenant_id, period_kind, period_start, person_id, sum(amount) FROM p GROUP BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, period_kind, period_start, person_id) DO UPDATE SET points = t.points + EXCLUDED.points;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
INSERT INTO points_totals_by_period (tenant_id, period_kind, period_start, person_id, points)
SELECT tenant_id, period_kind, period_start, person_id, sum(points) FROM points_by_period GROUP BY 1, 2, 3, 4;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['learning_seen', 'learning_by_unit', 'task_assignment_counts', 'event_attendance_counts', 'points_totals_by_period'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE ON %I TO zhdj_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- Read contracts for the cockpit (each owned by the domain named).
-- learning: per unit and bucket; who studied in a bucket.
CREATE VIEW learning_unit_totals WITH (security_invoker = true) AS
SELECT tenant_id, bucket_kind, bucket_start, category, org_unit_id, facts, people, hours FROM learning_by_unit;
CREATE VIEW learning_people_seen WITH (security_invoker = true) AS
SELECT tenant_id, bucket_kind, bucket_start, category, person_id FROM learning_seen;
-- task: assignments per unit, deadline and status.
CREATE VIEW task_assignment_unit_counts WITH (security_invoker = true) AS
SELECT tenant_id, org_unit_id, deadline, status, assignments FROM task_assignment_counts WHERE assignments <> 0;
-- meeting: attendance per event and status.
CREATE VIEW event_attendance_totals WITH (security_invoker = true) AS
SELECT tenant_id, event_id, status, attendees FROM event_attendance_counts WHERE attendees <> 0;
-- points: each person's total in a calendar period.
CREATE VIEW points_person_period_totals WITH (security_invoker = true) AS
SELECT tenant_id, period_kind, period_start, person_id, points FROM points_totals_by_period;
GRANT SELECT ON learning_unit_totals, learning_people_seen, task_assignment_unit_counts, event_attendance_totals,
    points_person_period_totals TO zhdj_app;

-- +goose Down
DROP VIEW points_person_period_totals;
DROP VIEW event_attendance_totals;
DROP VIEW task_assignment_unit_counts;
DROP VIEW learning_people_seen;
DROP VIEW learning_unit_totals;
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
DROP TABLE points_totals_by_period;
DROP TRIGGER event_attendees_roll_up_delete ON event_attendees;
DROP TRIGGER event_attendees_roll_up_update ON event_attendees;
DROP TRIGGER event_attendees_roll_up_insert ON event_attendees;
DROP FUNCTION event_attendees_roll_up();
DROP TABLE event_attendance_counts;
DROP TRIGGER task_assignments_roll_up_delete ON task_assignments;
DROP TRIGGER task_assignments_roll_up_update ON task_assignments;
DROP TRIGGER task_assignments_roll_up_insert ON task_assignments;
DROP FUNCTION task_assignments_roll_up();
DROP TABLE task_assignment_counts;
DROP TRIGGER learning_facts_roll_up ON learning_facts;
DROP FUNCTION learning_roll_up();
DROP TABLE learning_by_unit;
DROP TABLE learning_seen;
DROP FUNCTION learning_fact_category(text);
