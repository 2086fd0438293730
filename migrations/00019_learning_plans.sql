-- Learning plans: how many micro-lessons a membership stage must complete
-- in a period (activists: six a quarter), set by an org unit for everyone
-- under it, overridden by a unit below with a plan of its own.

-- +goose Up
CREATE TABLE learning_plans (
    tenant_id        uuid NOT NULL REFERENCES tenants (id),
    id               uuid NOT NULL DEFAULT gen_random_uuid(),
    org_unit_id      uuid NOT NULL,
    stage            text NOT NULL CHECK (stage IN ('applicant', 'activist', 'candidate', 'probationary', 'full')),
    period           text NOT NULL CHECK (period IN ('month', 'quarter', 'year')),
    required_lessons integer NOT NULL CHECK (required_lessons BETWEEN 1 AND 100),
    -- When set, only lessons of this series count.
    series           text NOT NULL DEFAULT '' CHECK (length(series) <= 100),
    updated_by       uuid,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, org_unit_id, stage),
    FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, id)
);
ALTER TABLE learning_plans ENABLE ROW LEVEL SECURITY;
ALTER TABLE learning_plans FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON learning_plans USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE ON learning_plans TO zhdj_app;

-- +goose Down
DROP TABLE learning_plans;
