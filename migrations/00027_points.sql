-- Points (积分): an append-only ledger of what each person was awarded,
-- derived from the learning facts by a job (internal/points), under rules
-- a school sets per kind of fact at an org unit — inherited down the tree,
-- overridable below, and versioned by the date they take effect, so that
-- changing a rule never rewrites what was awarded. Corrections are
-- compensating entries with a reason, never changes.

-- +goose Up
-- learning's facts as other domains read them (the table stays learning's).
CREATE VIEW learning_fact_records WITH (security_invoker = true) AS
SELECT tenant_id, id, person_id, kind, source_type, source_id, occurred_at, recorded_at, details FROM learning_facts;

CREATE TABLE points_rules (
    tenant_id         uuid NOT NULL REFERENCES tenants (id),
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    org_unit_id       uuid NOT NULL,
    fact_kind         text NOT NULL CHECK (fact_kind ~ '^[a-z_]{1,40}$'),
    amount            int NOT NULL CHECK (amount BETWEEN -100 AND 100),
    -- A quiz with full marks (NULL: amount).
    full_marks_amount int CHECK (full_marks_amount BETWEEN -100 AND 100),
    -- Caps on what the kind awards a person per day, week and year (NULL: none).
    daily_cap         int CHECK (daily_cap >= 0),
    weekly_cap        int CHECK (weekly_cap >= 0),
    yearly_cap        int CHECK (yearly_cap >= 0),
    effective_from    timestamptz NOT NULL,
    created_by        uuid,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, org_unit_id, fact_kind, effective_from),
    FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, id)
);

CREATE TABLE points_entries (
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id       uuid NOT NULL,
    amount          int NOT NULL,
    -- The fact's kind, or 'correction'.
    kind            text NOT NULL CHECK (kind ~ '^[a-z_]{1,40}$'),
    -- The rule version that gave it (NULL: the default rule of its kind, or a correction).
    rule_id         uuid,
    source_type     text NOT NULL CHECK (source_type IN ('fact', 'correction')),
    -- The fact; for a correction, the correction itself.
    source_id       uuid NOT NULL,
    -- The entry a correction compensates, if it names one.
    corrects        uuid,
    idempotency_key text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    -- Reduced by a cap: amount is what the cap left.
    capped          boolean NOT NULL DEFAULT false,
    reason          text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    recorded_by     uuid,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, idempotency_key),
    UNIQUE (tenant_id, source_type, source_id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id),
    FOREIGN KEY (tenant_id, rule_id) REFERENCES points_rules (tenant_id, id),
    FOREIGN KEY (tenant_id, corrects) REFERENCES points_entries (tenant_id, id),
    CHECK ((source_type = 'correction') = (kind = 'correction')),
    CHECK (source_type <> 'correction' OR length(reason) >= 1)
);
CREATE INDEX points_entries_person ON points_entries (tenant_id, person_id, occurred_at DESC, id DESC);

-- +goose StatementBegin
CREATE FUNCTION points_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER points_entries_no_update BEFORE UPDATE OR DELETE ON points_entries
    FOR EACH ROW EXECUTE FUNCTION points_append_only();
CREATE TRIGGER points_entries_no_truncate BEFORE TRUNCATE ON points_entries
    FOR EACH STATEMENT EXECUTE FUNCTION points_append_only();
CREATE TRIGGER points_rules_no_update BEFORE UPDATE OR DELETE ON points_rules
    FOR EACH ROW EXECUTE FUNCTION points_append_only();

-- The facts not yet awarded: every fact is queued here as it is written,
-- in its own transaction, and leaves in the transaction that awards it.
CREATE TABLE points_pending (
    tenant_id uuid NOT NULL,
    fact_id   uuid NOT NULL,
    PRIMARY KEY (tenant_id, fact_id)
);

-- +goose StatementBegin
CREATE FUNCTION points_queue_fact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO points_pending (tenant_id, fact_id) VALUES (NEW.tenant_id, NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER learning_facts_to_points AFTER INSERT ON learning_facts
    FOR EACH ROW EXECUTE FUNCTION points_queue_fact();
INSERT INTO points_pending (tenant_id, fact_id) SELECT tenant_id, id FROM learning_facts;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['points_rules', 'points_entries', 'points_pending'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
    END LOOP;
END $$;
-- +goose StatementEnd
GRANT SELECT ON learning_fact_records TO zhdj_app;
GRANT SELECT, INSERT ON points_rules, points_entries TO zhdj_app;
GRANT SELECT, INSERT, DELETE ON points_pending TO zhdj_app;

-- +goose Down
DROP TRIGGER learning_facts_to_points ON learning_facts;
DROP FUNCTION points_queue_fact();
DROP TABLE points_pending;
DROP TABLE points_entries;
DROP TABLE points_rules;
DROP FUNCTION points_append_only();
DROP VIEW learning_fact_records;
