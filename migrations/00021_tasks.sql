-- Tasks: an org unit asks its members for something by a deadline; each
-- assignee submits evidence, a reviewer approves it (a learning fact) or
-- returns it with a comment.

-- +goose Up
CREATE TABLE tasks (
    tenant_id         uuid NOT NULL REFERENCES tenants (id),
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    org_unit_id       uuid NOT NULL,
    title             text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    requirements_html text NOT NULL DEFAULT '',
    checklist         text[] NOT NULL DEFAULT '{}' CHECK (cardinality(checklist) <= 50),
    attachments       uuid[] NOT NULL DEFAULT '{}',
    deadline          timestamptz NOT NULL,
    evidence_required boolean NOT NULL DEFAULT false,
    points_hint       integer NOT NULL DEFAULT 0 CHECK (points_hint BETWEEN 0 AND 1000),
    -- Whom it was assigned to, as asked: {"orgUnit", "stages"} or {"people"}.
    audience          jsonb NOT NULL,
    assignee_count    integer NOT NULL DEFAULT 0,
    created_by        uuid,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, id)
);
CREATE INDEX tasks_by_unit ON tasks (tenant_id, org_unit_id, deadline DESC, id DESC);

CREATE TABLE task_assignments (
    tenant_id    uuid NOT NULL,
    task_id      uuid NOT NULL,
    person_id    uuid NOT NULL,
    -- The person's unit when assigned (progress is counted by it).
    org_unit_id  uuid NOT NULL,
    -- The task's deadline, here so that a person's list is one index scan.
    deadline     timestamptz NOT NULL,
    status       text NOT NULL DEFAULT 'assigned'
                 CHECK (status IN ('assigned', 'in_progress', 'submitted', 'returned', 'approved', 'overdue')),
    -- Submitted after the deadline.
    late         boolean NOT NULL DEFAULT false,
    assigned_at  timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, task_id, person_id),
    FOREIGN KEY (tenant_id, task_id) REFERENCES tasks (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id)
);
CREATE INDEX task_assignments_mine ON task_assignments (tenant_id, person_id, deadline, task_id);
CREATE INDEX task_assignments_by_unit ON task_assignments (tenant_id, task_id, org_unit_id, status);

CREATE TABLE task_submissions (
    tenant_id    uuid NOT NULL,
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    task_id      uuid NOT NULL,
    person_id    uuid NOT NULL,
    text         text NOT NULL DEFAULT '' CHECK (length(text) <= 5000),
    attachments  uuid[] NOT NULL DEFAULT '{}',
    -- Evidence per checklist item: [{"item": 0, "text": "…", "attachments": [...]}].
    items        jsonb NOT NULL DEFAULT '[]'::jsonb,
    submitted_at timestamptz NOT NULL DEFAULT now(),
    decision     text CHECK (decision IN ('approved', 'returned')),
    decided_by   uuid,
    decided_at   timestamptz,
    comment      text NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, task_id, person_id) REFERENCES task_assignments (tenant_id, task_id, person_id) ON DELETE CASCADE,
    CHECK ((decision IS NULL) = (decided_at IS NULL))
);
CREATE INDEX task_submissions_of ON task_submissions (tenant_id, task_id, person_id, submitted_at DESC);

-- An approved task is a learning fact.
ALTER TABLE learning_facts DROP CONSTRAINT learning_facts_kind_check;
ALTER TABLE learning_facts ADD CONSTRAINT learning_facts_kind_check
    CHECK (kind IN ('lesson_completed', 'reading_completed', 'task_approved'));

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tasks', 'task_assignments', 'task_submissions'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
    END LOOP;
END $$;
-- +goose StatementEnd
GRANT SELECT, INSERT, UPDATE (assignee_count) ON tasks TO zhdj_app;
GRANT SELECT, INSERT, UPDATE ON task_assignments, task_submissions TO zhdj_app;

-- +goose Down
ALTER TABLE learning_facts DROP CONSTRAINT learning_facts_kind_check;
ALTER TABLE learning_facts ADD CONSTRAINT learning_facts_kind_check
    CHECK (kind IN ('lesson_completed', 'reading_completed'));
DROP TABLE task_submissions;
DROP TABLE task_assignments;
DROP TABLE tasks;
