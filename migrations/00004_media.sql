-- Media: metadata of the bytes kept in the object store (MinIO / S3), their
-- derivatives, what uses them, and each school's storage usage.

-- +goose Up
CREATE TABLE media (
    tenant_id       uuid NOT NULL REFERENCES tenants (id),
    id              uuid NOT NULL DEFAULT gen_random_uuid(),
    purpose         text NOT NULL CHECK (purpose IN ('cover', 'comic_panel', 'inline_image', 'logo', 'member_photo', 'video', 'attachment', 'task_evidence')),
    visibility      text NOT NULL CHECK (visibility IN ('public', 'private')),
    org_unit_id     uuid NOT NULL,
    -- The name the uploader's file had: display only, never a path.
    filename        text NOT NULL,
    declared_type   text NOT NULL DEFAULT '',
    mime_type       text NOT NULL DEFAULT '',
    size_bytes      bigint NOT NULL CHECK (size_bytes >= 0),
    sha256          text NOT NULL DEFAULT '',
    status          text NOT NULL CHECK (status IN ('uploading', 'processing', 'ready', 'failed')),
    failure         text NOT NULL DEFAULT '',
    object_key      text NOT NULL UNIQUE,
    upload_id       text NOT NULL DEFAULT '',
    part_size       bigint NOT NULL DEFAULT 0,
    width           integer,
    height          integer,
    duration_ms     bigint,
    poster_key      text NOT NULL DEFAULT '',
    -- Processing steps that could not run here (e.g. ffprobe missing).
    notes           text[] NOT NULL DEFAULT '{}',
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id),
    FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, id)
);
CREATE INDEX media_list ON media (tenant_id, created_at DESC, id DESC);
CREATE INDEX media_uploading ON media (status, created_at) WHERE status = 'uploading';

CREATE TABLE media_derivatives (
    tenant_id  uuid NOT NULL,
    media_id   uuid NOT NULL,
    width      integer NOT NULL,
    height     integer NOT NULL,
    object_key text NOT NULL UNIQUE,
    mime_type  text NOT NULL,
    size_bytes bigint NOT NULL,
    PRIMARY KEY (tenant_id, media_id, width),
    FOREIGN KEY (tenant_id, media_id) REFERENCES media (tenant_id, id) ON DELETE CASCADE
);

-- Who uses a media item (a site's logo, a content item's cover …). A used
-- item whose user is published cannot be deleted.
CREATE TABLE media_usages (
    tenant_id  uuid NOT NULL,
    media_id   uuid NOT NULL,
    user_type  text NOT NULL,
    user_id    uuid NOT NULL,
    label      text NOT NULL,
    published  boolean NOT NULL,
    PRIMARY KEY (tenant_id, media_id, user_type, user_id),
    FOREIGN KEY (tenant_id, media_id) REFERENCES media (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX media_usages_user ON media_usages (tenant_id, user_type, user_id);

-- Bytes each school stores (reserved at upload start, corrected at the
-- end): a conditional UPDATE keeps concurrent uploads inside the quota.
CREATE TABLE media_quota_usage (
    tenant_id uuid PRIMARY KEY REFERENCES tenants (id),
    bytes     bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0)
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['media', 'media_derivatives', 'media_usages', 'media_quota_usage'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO zhdj_app', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE media_quota_usage;
DROP TABLE media_usages;
DROP TABLE media_derivatives;
DROP TABLE media;
