-- Member imports: one row per imported file, with progress that another
-- request can read while the import runs, and the per-row problems found.

-- +goose Up
CREATE TABLE member_imports (
    tenant_id      uuid NOT NULL REFERENCES tenants (id),
    id             uuid NOT NULL DEFAULT gen_random_uuid(),
    filename       text NOT NULL,
    mode           text NOT NULL CHECK (mode IN ('all_or_nothing', 'valid_rows_only')),
    status         text NOT NULL CHECK (status IN ('running', 'succeeded', 'rejected', 'failed')),
    total_rows     integer NOT NULL DEFAULT 0,
    processed_rows integer NOT NULL DEFAULT 0,
    imported_rows  integer NOT NULL DEFAULT 0,
    problems       jsonb NOT NULL DEFAULT '[]'::jsonb,
    created_by     uuid,
    created_at     timestamptz NOT NULL DEFAULT now(),
    finished_at    timestamptz,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE member_imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE member_imports FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON member_imports USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE ON member_imports TO zhdj_app;

-- +goose Down
DROP TABLE member_imports;
