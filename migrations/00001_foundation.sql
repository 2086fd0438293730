-- Foundation: schools (tenants), the org tree of each school, and the sites
-- (front ends) bound to org units. Every tenant-owned table carries
-- tenant_id and is keyed (tenant_id, id) so that row-level security and
-- tenant-scoped foreign keys can be enforced by the database.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS ltree;

CREATE TABLE tenants (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code       text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9-]{1,39}$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- Tenant configuration (rules with defaults) lives here as JSON; the
    -- domain packages own its schema.
    settings   jsonb NOT NULL DEFAULT '{}'::jsonb,
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE org_units (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    parent_id  uuid,
    kind       text NOT NULL CHECK (kind IN ('committee', 'general_branch', 'branch', 'group')),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    code       text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
    sort_order integer NOT NULL DEFAULT 0,
    active     boolean NOT NULL DEFAULT true,
    -- Materialised path of ids (labels are ids without dashes), root first;
    -- ancestors and descendants are GiST-indexed ltree look-ups.
    path       ltree NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id),
    UNIQUE (tenant_id, code),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES org_units (tenant_id, id),
    CHECK ((parent_id IS NULL) = (kind = 'committee'))
);
CREATE UNIQUE INDEX org_units_one_root ON org_units (tenant_id) WHERE parent_id IS NULL;
CREATE INDEX org_units_path ON org_units USING gist (path);
CREATE INDEX org_units_children ON org_units (tenant_id, parent_id, sort_order, id);

CREATE TABLE sites (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    org_unit_id uuid NOT NULL,
    -- Slugs are global: a front end names its site without knowing its tenant.
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description text NOT NULL DEFAULT '',
    theme       jsonb NOT NULL DEFAULT '{}'::jsonb,
    navigation  jsonb NOT NULL DEFAULT '[]'::jsonb,
    home_blocks jsonb NOT NULL DEFAULT '[]'::jsonb,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id),
    FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, id)
);
CREATE INDEX sites_org_unit ON sites (tenant_id, org_unit_id);

-- An origin belongs to at most one site in the whole deployment, so that
-- siteByOrigin is unambiguous and CORS can be derived from it.
CREATE TABLE site_origins (
    tenant_id uuid NOT NULL,
    site_id   uuid NOT NULL,
    origin    text NOT NULL PRIMARY KEY CHECK (origin ~ '^https?://[^/?#\s]+$'),
    position  integer NOT NULL DEFAULT 0,
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX site_origins_site ON site_origins (tenant_id, site_id, position);

-- +goose Down
DROP TABLE site_origins;
DROP TABLE sites;
DROP TABLE org_units;
DROP TABLE tenants;
