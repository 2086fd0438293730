-- Content: articles, micro-lessons and comics with their editorial workflow,
-- revisions, authors, and how sites feature or hide them; site webhooks.

-- +goose Up
CREATE TABLE contents (
    tenant_id          uuid NOT NULL REFERENCES tenants (id),
    id                 uuid NOT NULL DEFAULT gen_random_uuid(),
    type               text NOT NULL CHECK (type IN ('article', 'micro_lesson', 'comic')),
    slug               text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,99}$'),
    title              text NOT NULL DEFAULT '',
    summary            text NOT NULL DEFAULT '',
    cover_id           uuid,
    tags               text[] NOT NULL DEFAULT '{}',
    topics             text[] NOT NULL DEFAULT '{}',
    org_unit_id        uuid NOT NULL,
    -- Published by an upper unit to every site in its subtree (no copies).
    publish_to_subtree boolean NOT NULL DEFAULT false,
    status             text NOT NULL CHECK (status IN ('draft', 'in_review', 'scheduled', 'published', 'archived')),
    review_comment     text NOT NULL DEFAULT '',
    publish_at         timestamptz,
    published_at       timestamptz,
    -- Type-specific fields (article body, lesson video and chapters, comic panels).
    body               jsonb NOT NULL DEFAULT '{}'::jsonb,
    version            integer NOT NULL DEFAULT 1,
    view_count         bigint NOT NULL DEFAULT 0,
    created_by         uuid,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id),
    UNIQUE (tenant_id, slug),
    FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, id)
);
CREATE INDEX contents_published ON contents (tenant_id, published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX contents_unit ON contents (tenant_id, org_unit_id, updated_at DESC);
CREATE INDEX contents_tags ON contents USING gin (tags);
CREATE INDEX contents_topics ON contents USING gin (topics);

CREATE TABLE content_authors (
    tenant_id  uuid NOT NULL,
    content_id uuid NOT NULL,
    account_id uuid NOT NULL,
    position   integer NOT NULL,
    PRIMARY KEY (tenant_id, content_id, account_id),
    FOREIGN KEY (tenant_id, content_id) REFERENCES contents (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id)
);

CREATE TABLE content_revisions (
    tenant_id  uuid NOT NULL,
    content_id uuid NOT NULL,
    version    integer NOT NULL,
    saved_by   uuid,
    saved_at   timestamptz NOT NULL DEFAULT now(),
    note       text NOT NULL DEFAULT '',
    snapshot   jsonb NOT NULL,
    PRIMARY KEY (tenant_id, content_id, version),
    FOREIGN KEY (tenant_id, content_id) REFERENCES contents (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE site_featured (
    tenant_id  uuid NOT NULL,
    site_id    uuid NOT NULL,
    content_id uuid NOT NULL,
    position   integer NOT NULL,
    PRIMARY KEY (tenant_id, site_id, content_id),
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, content_id) REFERENCES contents (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE site_hidden (
    tenant_id  uuid NOT NULL,
    site_id    uuid NOT NULL,
    content_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, site_id, content_id),
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, content_id) REFERENCES contents (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE site_webhooks (
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    site_id    uuid NOT NULL,
    url        text NOT NULL,
    secret     text NOT NULL,
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE webhook_deliveries (
    tenant_id    uuid NOT NULL,
    id           bigint GENERATED ALWAYS AS IDENTITY,
    webhook_id   uuid NOT NULL,
    event        text NOT NULL,
    content_id   uuid NOT NULL,
    attempt      integer NOT NULL,
    status_code  integer,
    error        text NOT NULL DEFAULT '',
    delivered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, webhook_id) REFERENCES site_webhooks (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (tenant_id, webhook_id, delivered_at DESC);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['contents', 'content_authors', 'content_revisions', 'site_featured', 'site_hidden', 'site_webhooks', 'webhook_deliveries'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO zhdj_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd
REVOKE UPDATE, DELETE ON content_revisions, webhook_deliveries FROM zhdj_app;

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE site_webhooks;
DROP TABLE site_hidden;
DROP TABLE site_featured;
DROP TABLE content_revisions;
DROP TABLE content_authors;
DROP TABLE contents;
