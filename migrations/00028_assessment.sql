-- Assessment (考核): a school's preset indicators with their weights and
-- monthly targets (versioned by the moment they take effect, as points
-- rules are), and a roll-up of the ledger per person, kind and day that
-- scores and rankings read instead of the ledger itself.

-- +goose Up
-- The kind a correction counts under (the kind of the entry it corrects,
-- or one it names); NULL: only in the total. A fact's entry counts under
-- its own kind.
ALTER TABLE points_entries ADD COLUMN counts_as text CHECK (counts_as ~ '^[a-z_]{1,40}$' AND counts_as <> 'correction');
ALTER TABLE points_entries ADD CONSTRAINT points_entries_counts_as_correction CHECK (counts_as IS NULL OR source_type = 'correction');

CREATE TABLE assessment_schemes (
    tenant_id              uuid NOT NULL REFERENCES tenants (id),
    id                     uuid NOT NULL DEFAULT gen_random_uuid(),
    -- [{"indicator": "learning", "weight": 40, "monthlyTarget": 20}, …]
    indicators             jsonb NOT NULL,
    -- Whether members see the ranking of the people of their unit.
    show_personal_rankings boolean NOT NULL,
    effective_from         timestamptz NOT NULL,
    created_by             uuid,
    created_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, effective_from)
);
CREATE TRIGGER assessment_schemes_no_update BEFORE UPDATE OR DELETE ON assessment_schemes
    FOR EACH ROW EXECUTE FUNCTION points_append_only();

-- What a person was given per kind (a correction's counts_as, or
-- 'correction') and day in Beijing, kept by the ledger's inserts.
CREATE TABLE points_by_day (
    tenant_id uuid NOT NULL,
    person_id uuid NOT NULL,
    kind      text NOT NULL,
    day       date NOT NULL,
    points    int NOT NULL,
    entries   int NOT NULL,
    PRIMARY KEY (tenant_id, person_id, kind, day)
);
CREATE INDEX points_by_day_day ON points_by_day (tenant_id, day);

-- +goose StatementBegin
CREATE FUNCTION points_roll_up() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER points_entries_roll_up AFTER INSERT ON points_entries
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION points_roll_up();
INSERT INTO points_by_day (tenant_id, person_id, kind, day, points, entries)
SELECT tenant_id, person_id, CASE WHEN source_type = 'correction' THEN 'correction' ELSE kind END,
       (occurred_at AT TIME ZONE 'UTC' + interval '8 hours')::date, sum(amount), count(*)
FROM points_entries GROUP BY 1, 2, 3, 4;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['assessment_schemes', 'points_by_day'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
    END LOOP;
END $$;
-- +goose StatementEnd
GRANT SELECT, INSERT ON assessment_schemes TO zhdj_app;
-- Written only by the ledger's trigger (as the inserting role).
GRANT SELECT, INSERT, UPDATE ON points_by_day TO zhdj_app;

-- +goose Down
DROP TRIGGER points_entries_roll_up ON points_entries;
DROP FUNCTION points_roll_up();
DROP TABLE points_by_day;
DROP TABLE assessment_schemes;
ALTER TABLE points_entries DROP CONSTRAINT points_entries_counts_as_correction;
ALTER TABLE points_entries DROP COLUMN counts_as;
