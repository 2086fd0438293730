-- Appeals (申诉): a member (or their branch for them) disputes an entry of
-- the ledger or a score of a period, with a reason; the organisation
-- department upholds it with a compensating entry or rejects it with a
-- note, and the appellant is told.

-- +goose Up
CREATE TABLE points_appeals (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    -- Whose points are disputed.
    person_id     uuid NOT NULL,
    -- What: an entry, or the score of [period_from, period_until).
    entry_id      uuid,
    period_from   timestamptz,
    period_until  timestamptz,
    reason        text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'rejected')),
    resolution    text NOT NULL DEFAULT '' CHECK (length(resolution) <= 1000),
    -- The compensating entry of an upheld appeal.
    correction_id uuid,
    filed_by      uuid,
    filed_at      timestamptz NOT NULL DEFAULT now(),
    resolved_by   uuid,
    resolved_at   timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id),
    FOREIGN KEY (tenant_id, entry_id) REFERENCES points_entries (tenant_id, id),
    FOREIGN KEY (tenant_id, correction_id) REFERENCES points_entries (tenant_id, id),
    CHECK ((entry_id IS NULL) <> (period_from IS NULL)),
    CHECK ((period_from IS NULL) = (period_until IS NULL) AND (period_from IS NULL OR period_until > period_from)),
    CHECK ((status = 'open') = (resolved_at IS NULL)),
    CHECK (status <> 'upheld' OR correction_id IS NOT NULL),
    CHECK (status <> 'rejected' OR length(resolution) >= 1)
);
-- One open appeal per entry.
CREATE UNIQUE INDEX points_appeals_open_entry ON points_appeals (tenant_id, entry_id) WHERE status = 'open' AND entry_id IS NOT NULL;
CREATE INDEX points_appeals_person ON points_appeals (tenant_id, person_id, filed_at DESC, id DESC);
CREATE INDEX points_appeals_status ON points_appeals (tenant_id, status, filed_at DESC, id DESC);

ALTER TABLE points_appeals ENABLE ROW LEVEL SECURITY;
ALTER TABLE points_appeals FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON points_appeals USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE ON points_appeals TO zhdj_app;

-- +goose Down
DROP TABLE points_appeals;
