-- Learning: what each person studies, as progress while it happens (a
-- micro-lesson watched, an article or comic read) and, once something is
-- done, as an immutable learning fact that the points ledger and the
-- cockpit will be computed from.

-- +goose Up
CREATE TABLE learning_facts (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id   uuid NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('lesson_completed', 'reading_completed')),
    -- What caused it (a content item, later a quiz attempt, an event, a
    -- task): a source gives one fact of a kind per person.
    source_type text NOT NULL CHECK (source_type ~ '^[a-z_]{1,40}$'),
    source_id   uuid NOT NULL,
    occurred_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by uuid,
    details     jsonb NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, person_id, kind, source_type, source_id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id)
);
CREATE INDEX learning_facts_person ON learning_facts (tenant_id, person_id, occurred_at DESC);

-- +goose StatementBegin
CREATE FUNCTION learning_facts_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'learning_facts is append-only';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER learning_facts_no_update BEFORE UPDATE OR DELETE ON learning_facts
    FOR EACH ROW EXECUTE FUNCTION learning_facts_append_only();
CREATE TRIGGER learning_facts_no_truncate BEFORE TRUNCATE ON learning_facts
    FOR EACH STATEMENT EXECUTE FUNCTION learning_facts_append_only();

-- A person's progress on one item in one mode: for watching, the seconds
-- of the video actually watched (merged intervals: a replay does not count
-- twice); for reading, the seconds spent reading.
CREATE TABLE learning_progress (
    tenant_id        uuid NOT NULL,
    person_id        uuid NOT NULL,
    content_id       uuid NOT NULL,
    mode             text NOT NULL CHECK (mode IN ('watch', 'read')),
    watched          int4multirange NOT NULL DEFAULT '{}',
    seconds          integer NOT NULL DEFAULT 0 CHECK (seconds >= 0),
    required_seconds integer NOT NULL CHECK (required_seconds > 0),
    skipped_beats    integer NOT NULL DEFAULT 0,
    rejected_beats   integer NOT NULL DEFAULT 0,
    completed_at     timestamptz,
    started_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, person_id, content_id, mode),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id),
    FOREIGN KEY (tenant_id, content_id) REFERENCES contents (tenant_id, id) ON DELETE CASCADE
)
-- Every heartbeat updates its progress and its session: room on each page
-- keeps those updates HOT (no index touched; updated_at, the one indexed
-- column a beat may change, moves once a minute at most).
WITH (fillfactor = 70);
CREATE INDEX learning_progress_recent ON learning_progress (tenant_id, person_id, updated_at DESC, content_id DESC);

-- One viewing (or reading) of an item: where the last heartbeat left it.
CREATE TABLE learning_sessions (
    tenant_id     uuid NOT NULL,
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id     uuid NOT NULL,
    content_id    uuid NOT NULL,
    mode          text NOT NULL CHECK (mode IN ('watch', 'read')),
    last_position integer NOT NULL DEFAULT 0 CHECK (last_position >= 0),
    last_playing  boolean NOT NULL DEFAULT false,
    last_beat_at  timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id, content_id, mode) REFERENCES learning_progress (tenant_id, person_id, content_id, mode) ON DELETE CASCADE
)
WITH (fillfactor = 70);

-- content: how long an item takes to study — a micro-lesson's duration,
-- its series,
-- the characters of an article's text (tags left out) or of a comic's
-- captions and descriptions.
CREATE VIEW content_study_lengths WITH (security_invoker = true) AS
SELECT c.tenant_id, c.id, c.type, c.status, COALESCE(c.body ->> 'series', '') AS series,
       COALESCE((c.body ->> 'durationSeconds')::int, 0) AS duration_seconds,
       CASE c.type
         WHEN 'article' THEN length(regexp_replace(COALESCE(c.body ->> 'html', ''), '<[^>]*>', '', 'g'))
         WHEN 'comic' THEN COALESCE((SELECT sum(length(COALESCE(p ->> 'caption', '')) + length(COALESCE(p ->> 'alt', '')))
                                      FROM jsonb_array_elements(COALESCE(c.body -> 'panels', '[]'::jsonb)) p), 0)::int
         ELSE length(COALESCE(c.body ->> 'transcript', ''))
       END AS text_chars
FROM contents c;

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['learning_facts', 'learning_progress', 'learning_sessions'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
    END LOOP;
END $$;
-- +goose StatementEnd
GRANT SELECT, INSERT ON learning_facts TO zhdj_app;
GRANT SELECT, INSERT, UPDATE ON learning_progress, learning_sessions TO zhdj_app;
GRANT SELECT ON content_study_lengths TO zhdj_app;

-- +goose Down
DROP VIEW content_study_lengths;
DROP TABLE learning_sessions;
DROP TABLE learning_progress;
DROP TABLE learning_facts;
DROP FUNCTION learning_facts_append_only();
