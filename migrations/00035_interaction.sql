-- Interaction: suggestions and questions to an org unit with official
-- replies, votes and pins; comments on content under each site's
-- moderation; the school's sensitive-word list; bans. Text is stored as
-- written (plain text: front ends escape it).

-- +goose Up

-- A responder answers a unit's suggestions officially (delegated by its
-- admins) and moderates nothing else.
ALTER TABLE role_bindings DROP CONSTRAINT role_bindings_role_check;
ALTER TABLE role_bindings ADD CONSTRAINT role_bindings_role_check
    CHECK (role IN ('tenant_admin', 'org_admin', 'editor', 'reviewer', 'member', 'responder'));

-- The "hot" order of a suggestion (the one place of the rule): log10 of
-- its votes plus its creation time in 12-hour units, so that age decays a
-- score with nothing recomputed over time — a vote moves its own row.
CREATE FUNCTION suggestion_hot(votes int, created_at timestamptz) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN log(greatest(votes, 1)) + extract(epoch FROM created_at) / 43200;

CREATE TABLE suggestions (
    tenant_id         uuid NOT NULL REFERENCES tenants (id),
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    -- The unit asked, and (escalated) whose responders it waits for now.
    org_unit_id       uuid NOT NULL,
    category          text NOT NULL CHECK (category ~ '^[a-z0-9_]{1,40}$'),
    title             text NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    body              text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    author_id         uuid NOT NULL, -- the account
    author_name       text NOT NULL,
    anonymous         boolean NOT NULL DEFAULT false,
    public            boolean NOT NULL,
    status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'closed', 'rejected')),
    reject_reason     text NOT NULL DEFAULT '',
    -- Hidden until a moderator approves it when the word list matched.
    moderation        text NOT NULL DEFAULT 'visible' CHECK (moderation IN ('visible', 'pending', 'rejected')),
    matched_words     text[] NOT NULL DEFAULT '{}',
    due_at            timestamptz NOT NULL,
    votes             int NOT NULL DEFAULT 0 CHECK (votes >= 0),
    hot               double precision NOT NULL, -- suggestion_hot(votes, created_at)
    pinned            int, -- admins' order among the pinned (lower first)
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    answered_at       timestamptz,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, id)
);
-- The lists: newest, hot and most voted, keyset-paged. A list under a
-- unit walks the school's index in its order and keeps the subtree's rows
-- (a site's subtree is a good share of the school: a few pages' rows).
CREATE INDEX suggestions_newest ON suggestions (tenant_id, created_at DESC, id DESC);
CREATE INDEX suggestions_hot ON suggestions (tenant_id, hot DESC, id DESC);
CREATE INDEX suggestions_votes ON suggestions (tenant_id, votes DESC, id DESC);
CREATE INDEX suggestions_author ON suggestions (tenant_id, author_id, created_at DESC);
CREATE INDEX suggestions_pinned ON suggestions (tenant_id, org_unit_id, pinned) WHERE pinned IS NOT NULL;
CREATE INDEX suggestions_waiting ON suggestions (tenant_id, due_at) WHERE status = 'open';

CREATE TABLE suggestion_replies (
    tenant_id     uuid NOT NULL,
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    suggestion_id uuid NOT NULL,
    author_id     uuid NOT NULL,
    author_name   text NOT NULL,
    -- An official reply is the unit's answer; else the asker's follow-up.
    official      boolean NOT NULL,
    body          text NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    moderation    text NOT NULL DEFAULT 'visible' CHECK (moderation IN ('visible', 'pending', 'rejected')),
    matched_words text[] NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, suggestion_id) REFERENCES suggestions (tenant_id, id)
);
CREATE INDEX suggestion_replies_thread ON suggestion_replies (tenant_id, suggestion_id, created_at);

CREATE TABLE suggestion_votes (
    tenant_id     uuid NOT NULL,
    suggestion_id uuid NOT NULL,
    account_id    uuid NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, suggestion_id, account_id),
    FOREIGN KEY (tenant_id, suggestion_id) REFERENCES suggestions (tenant_id, id)
);

CREATE TABLE comments (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    id            uuid NOT NULL DEFAULT gen_random_uuid(),
    content_id    uuid NOT NULL,
    site_id       uuid NOT NULL,
    author_id     uuid NOT NULL,
    author_name   text NOT NULL,
    body          text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    status        text NOT NULL CHECK (status IN ('visible', 'pending', 'rejected', 'removed')),
    matched_words text[] NOT NULL DEFAULT '{}',
    reports       int NOT NULL DEFAULT 0,
    moderated_by  uuid,
    moderated_at  timestamptz,
    reason        text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id)
);
CREATE INDEX comments_of_content ON comments (tenant_id, content_id, created_at DESC, id DESC) WHERE status = 'visible';
CREATE INDEX comments_queue ON comments (tenant_id, created_at, id) WHERE status = 'pending';

CREATE TABLE comment_reports (
    tenant_id   uuid NOT NULL,
    comment_id  uuid NOT NULL,
    reporter_id uuid NOT NULL,
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, comment_id, reporter_id),
    FOREIGN KEY (tenant_id, comment_id) REFERENCES comments (tenant_id, id)
);

-- How comments are moderated: per site, and per content item (overrides).
CREATE TABLE comment_policies (
    tenant_id  uuid NOT NULL,
    -- Exactly one of site and content.
    site_id    uuid,
    content_id uuid,
    mode       text NOT NULL CHECK (mode IN ('pre', 'post', 'closed')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by uuid,
    CHECK ((site_id IS NULL) <> (content_id IS NULL)),
    UNIQUE (tenant_id, site_id),
    UNIQUE (tenant_id, content_id)
);

-- The school's sensitive words, one row with a version that every server
-- process compares with the one its filter was built from.
CREATE TABLE moderation_words (
    tenant_id  uuid PRIMARY KEY REFERENCES tenants (id),
    version    bigint NOT NULL DEFAULT 1,
    words      text[] NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by uuid
);

CREATE TABLE moderation_bans (
    tenant_id  uuid NOT NULL,
    account_id uuid NOT NULL,
    until      timestamptz NOT NULL,
    reason     text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
    banned_by  uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, account_id)
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['suggestions', 'suggestion_replies', 'suggestion_votes', 'comments', 'comment_reports', 'comment_policies',
                             'moderation_words', 'moderation_bans'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE ON %I TO zhdj_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd
GRANT DELETE ON suggestion_votes, moderation_bans, comment_policies TO zhdj_app;

-- interaction: suggestions waiting for an answer (early warnings read it).
CREATE VIEW suggestion_records WITH (security_invoker = true) AS
SELECT tenant_id, id, org_unit_id, category, title, status, due_at, created_at FROM suggestions WHERE moderation = 'visible';
GRANT SELECT ON suggestion_records TO zhdj_app;

-- +goose Down
DROP VIEW suggestion_records;
DROP TABLE moderation_bans;
DROP TABLE moderation_words;
DROP TABLE comment_policies;
DROP TABLE comment_reports;
DROP TABLE comments;
DROP TABLE suggestion_votes;
DROP TABLE suggestion_replies;
DROP TABLE suggestions;
DROP FUNCTION suggestion_hot(int, timestamptz);
-- Responders' bindings would break the older check: they go first.
DELETE FROM role_bindings WHERE role = 'responder';
ALTER TABLE role_bindings DROP CONSTRAINT role_bindings_role_check;
ALTER TABLE role_bindings ADD CONSTRAINT role_bindings_role_check
    CHECK (role IN ('tenant_admin', 'org_admin', 'editor', 'reviewer', 'member'));
