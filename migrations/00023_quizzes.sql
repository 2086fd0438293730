-- Quizzes (答题): a school's question bank, and quizzes drawn from it —
-- daily practice (random questions), weekly quizzes (a fixed set for the
-- week) and special exams (a fixed paper, a time limit, a pass mark, a
-- number of attempts). Attempts are timed by the server; a submitted
-- attempt is a learning fact.

-- +goose Up
CREATE TABLE questions (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    kind        text NOT NULL CHECK (kind IN ('single', 'multiple', 'true_false')),
    stem        text NOT NULL CHECK (length(stem) BETWEEN 1 AND 2000),
    options     text[] NOT NULL DEFAULT '{}' CHECK (cardinality(options) <= 8),
    -- Indexes into options (true/false: {1} true, {0} false).
    answer      integer[] NOT NULL CHECK (cardinality(answer) >= 1),
    explanation text NOT NULL DEFAULT '' CHECK (length(explanation) <= 2000),
    tags        text[] NOT NULL DEFAULT '{}',
    active      boolean NOT NULL DEFAULT true,
    created_by  uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX questions_recent ON questions (tenant_id, created_at DESC, id DESC);
CREATE INDEX questions_tags ON questions USING gin (tags);

CREATE TABLE quizzes (
    tenant_id          uuid NOT NULL REFERENCES tenants (id),
    id                 uuid NOT NULL DEFAULT gen_random_uuid(),
    kind               text NOT NULL CHECK (kind IN ('daily', 'weekly', 'exam')),
    title              text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    -- Daily practice: how many random questions (of the tags, when some are given).
    question_count     integer NOT NULL CHECK (question_count BETWEEN 1 AND 200),
    tags               text[] NOT NULL DEFAULT '{}',
    -- Weekly quizzes and exams: the fixed paper.
    question_ids       uuid[] NOT NULL DEFAULT '{}',
    time_limit_seconds integer CHECK (time_limit_seconds BETWEEN 30 AND 14400),
    pass_score         integer NOT NULL DEFAULT 60 CHECK (pass_score BETWEEN 0 AND 100),
    attempts_allowed   integer CHECK (attempts_allowed BETWEEN 1 AND 100),
    opens_at           timestamptz NOT NULL,
    closes_at          timestamptz,
    created_by         uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    CHECK (closes_at IS NULL OR closes_at > opens_at)
);
CREATE INDEX quizzes_open ON quizzes (tenant_id, opens_at DESC, id DESC);

CREATE TABLE quiz_attempts (
    tenant_id    uuid NOT NULL,
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    quiz_id      uuid NOT NULL,
    person_id    uuid NOT NULL,
    question_ids uuid[] NOT NULL,
    started_at   timestamptz NOT NULL,
    -- The server's deadline (started_at + the time limit), null without one.
    deadline_at  timestamptz,
    submitted_at timestamptz,
    answers      jsonb,
    correct      integer,
    score        integer CHECK (score BETWEEN 0 AND 100),
    passed       boolean,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, quiz_id) REFERENCES quizzes (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id),
    CHECK ((submitted_at IS NULL) = (score IS NULL))
);
CREATE INDEX quiz_attempts_mine ON quiz_attempts (tenant_id, quiz_id, person_id, started_at);

-- A submitted quiz attempt is a learning fact.
ALTER TABLE learning_facts DROP CONSTRAINT learning_facts_kind_check;
ALTER TABLE learning_facts ADD CONSTRAINT learning_facts_kind_check
    CHECK (kind IN ('lesson_completed', 'reading_completed', 'task_approved', 'event_attended', 'quiz_completed'));

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['questions', 'quizzes', 'quiz_attempts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
    END LOOP;
END $$;
-- +goose StatementEnd
GRANT SELECT, INSERT, UPDATE ON questions, quizzes, quiz_attempts TO zhdj_app;

-- +goose Down
ALTER TABLE learning_facts DROP CONSTRAINT learning_facts_kind_check;
ALTER TABLE learning_facts ADD CONSTRAINT learning_facts_kind_check
    CHECK (kind IN ('lesson_completed', 'reading_completed', 'task_approved', 'event_attended'));
DROP TABLE quiz_attempts;
DROP TABLE quizzes;
DROP TABLE questions;
