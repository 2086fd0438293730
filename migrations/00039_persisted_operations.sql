-- Persisted operations: the documents clients name by their SHA-256 (the
-- automatic persisted queries protocol), shared by every server process;
-- and the operations each site's front end registered ahead of time, the
-- allow-list a production deployment may insist on (ZHDJ_OPERATIONS).

-- +goose Up
CREATE TABLE persisted_operations (
    hash       text PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
    query      text NOT NULL CHECK (octet_length(query) BETWEEN 1 AND 1048576),
    created_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT, INSERT ON persisted_operations TO zhdj_app;

CREATE TABLE registered_operations (
    tenant_id     uuid NOT NULL REFERENCES tenants (id),
    site_id       uuid NOT NULL,
    hash          text NOT NULL REFERENCES persisted_operations (hash),
    name          text NOT NULL DEFAULT '',
    registered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, site_id, hash),
    FOREIGN KEY (tenant_id, site_id) REFERENCES sites (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE registered_operations ENABLE ROW LEVEL SECURITY;
ALTER TABLE registered_operations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON registered_operations USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
-- Read before a request's school is known (as site routing is); what a
-- front end sends is no secret.
CREATE POLICY public_read ON registered_operations FOR SELECT USING (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON registered_operations TO zhdj_app;

-- +goose Down
DROP TABLE registered_operations;
DROP TABLE persisted_operations;
