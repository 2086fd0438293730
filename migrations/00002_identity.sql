-- Identity, access control, tenant isolation and member records.
--
-- Roles: the server connects as a login role that is a member of the
-- NOLOGIN group role zhdj_app. zhdj_app owns nothing; every grant below goes
-- to it, and row-level security (FORCEd, so even the owner obeys it) keeps
-- each transaction inside the tenant named by app.tenant_id. A transaction
-- that names no tenant sees no tenant-owned rows at all.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'zhdj_app') THEN
        CREATE ROLE zhdj_app NOLOGIN;
    END IF;
END
$$;
-- +goose StatementEnd

-- app_tenant is the tenant of the current transaction, or NULL.
CREATE FUNCTION app_tenant() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

-- Existing tables: tenant isolation. Active sites and all site origins are
-- public routing data (what any visitor's browser sees), so they are also
-- readable without a tenant; writes always need the tenant.
ALTER TABLE org_units ENABLE ROW LEVEL SECURITY;
ALTER TABLE org_units FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON org_units USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());

ALTER TABLE sites ENABLE ROW LEVEL SECURITY;
ALTER TABLE sites FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sites USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
CREATE POLICY public_read_active ON sites FOR SELECT USING (active);

ALTER TABLE site_origins ENABLE ROW LEVEL SECURITY;
ALTER TABLE site_origins FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON site_origins USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
CREATE POLICY public_read ON site_origins FOR SELECT USING (true);

CREATE TABLE accounts (
    tenant_id           uuid NOT NULL REFERENCES tenants (id),
    id                  uuid NOT NULL DEFAULT gen_random_uuid(),
    username            text NOT NULL CHECK (username ~ '^[A-Za-z0-9_.-]{2,64}$'),
    -- Phone and e-mail identify an account at login; only keyed hashes
    -- (blind indexes) are stored, never the values.
    phone_hmac          bytea,
    email_hmac          bytea,
    display_name        text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    password_hash       text NOT NULL,
    person_id           uuid,
    active              boolean NOT NULL DEFAULT true,
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id),
    UNIQUE (tenant_id, username),
    UNIQUE (tenant_id, phone_hmac),
    UNIQUE (tenant_id, email_hmac)
);

CREATE TABLE sessions (
    tenant_id    uuid NOT NULL,
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    account_id   uuid NOT NULL,
    -- Every refresh rotates the session into a new row of the same family;
    -- presenting a rotated token again revokes the whole family.
    family_id    uuid NOT NULL,
    refresh_hash bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    rotated_at   timestamptz,
    revoked_at   timestamptz,
    user_agent   text NOT NULL DEFAULT '',
    client_ip    text NOT NULL DEFAULT '',
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id)
);
CREATE INDEX sessions_family ON sessions (tenant_id, family_id);
CREATE INDEX sessions_account ON sessions (tenant_id, account_id);

CREATE TABLE role_bindings (
    tenant_id   uuid NOT NULL,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    account_id  uuid NOT NULL,
    role        text NOT NULL CHECK (role IN ('tenant_admin', 'org_admin', 'editor', 'reviewer', 'member')),
    org_unit_id uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  uuid,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, account_id, role, org_unit_id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, id)
);

-- Security-relevant events. Append-only: the server role may only insert
-- and read, and a trigger refuses updates and deletes from anyone.
CREATE TABLE audit_log (
    tenant_id   uuid NOT NULL REFERENCES tenants (id),
    id          bigint GENERATED ALWAYS AS IDENTITY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    uuid,
    action      text NOT NULL,
    subject     text NOT NULL DEFAULT '',
    target_type text NOT NULL DEFAULT '',
    target_id   text NOT NULL DEFAULT '',
    client_ip   text NOT NULL DEFAULT '',
    request_id  text NOT NULL DEFAULT '',
    detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_by_time ON audit_log (tenant_id, at DESC, id DESC);
CREATE INDEX audit_log_by_subject ON audit_log (tenant_id, action, subject, at);
CREATE INDEX audit_log_by_ip ON audit_log (tenant_id, action, client_ip, at);

-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- People: party members and everyone on the way to membership, plus
-- students and staff who take part in activities.
CREATE TABLE people (
    tenant_id         uuid NOT NULL,
    id                uuid NOT NULL DEFAULT gen_random_uuid(),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 50),
    gender            text NOT NULL CHECK (gender IN ('male', 'female')),
    birth_date        date,
    ethnicity         text NOT NULL DEFAULT '',
    native_place      text NOT NULL DEFAULT '',
    -- Personal identifiers: AES-GCM ciphertext (key version in its first
    -- byte), a masked form for display, and a keyed hash for look-ups.
    phone_enc         bytea,
    phone_masked      text NOT NULL DEFAULT '',
    phone_hmac        bytea,
    citizen_id_enc    bytea,
    citizen_id_masked text NOT NULL DEFAULT '',
    citizen_id_hmac   bytea,
    education         text NOT NULL DEFAULT '',
    category          text NOT NULL CHECK (category IN ('student', 'staff')),
    department        text NOT NULL DEFAULT '',
    major             text NOT NULL DEFAULT '',
    class_name        text NOT NULL DEFAULT '',
    photo_media_id    text NOT NULL DEFAULT '',
    -- The branch the person's organisational relationship is in (for a
    -- transferred-out person: the last one).
    org_unit_id       uuid NOT NULL,
    stage             text NOT NULL CHECK (stage IN ('none', 'applicant', 'activist', 'candidate', 'probationary', 'full', 'cancelled')),
    stage_since       date,
    party_posts       text[] NOT NULL DEFAULT '{}',
    status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'transferred_out')),
    version           integer NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id),
    UNIQUE (tenant_id, citizen_id_hmac),
    FOREIGN KEY (tenant_id, org_unit_id) REFERENCES org_units (tenant_id, id)
);
CREATE INDEX people_unit ON people (tenant_id, org_unit_id, name, id);
CREATE INDEX people_name ON people (tenant_id, name, id);

ALTER TABLE accounts ADD FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id);

-- Every step of a person's membership history, with its date and actor.
CREATE TABLE membership_events (
    tenant_id    uuid NOT NULL,
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id    uuid NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('transition', 'extend_probation', 'cancel')),
    from_stage   text NOT NULL,
    to_stage     text NOT NULL,
    effective_on date NOT NULL,
    actor_id     uuid,
    detail       jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id)
);
CREATE INDEX membership_events_person ON membership_events (tenant_id, person_id, effective_on, created_at);

-- Organisational-relationship transfers (组织关系转接), kept as history.
CREATE TABLE org_transfers (
    tenant_id    uuid NOT NULL,
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    person_id    uuid NOT NULL,
    direction    text NOT NULL CHECK (direction IN ('internal', 'out', 'in')),
    from_unit_id uuid,
    to_unit_id   uuid,
    external_org text NOT NULL DEFAULT '',
    letter_no    text NOT NULL DEFAULT '',
    reason       text NOT NULL DEFAULT '',
    effective_on date NOT NULL,
    actor_id     uuid,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES people (tenant_id, id)
);
CREATE INDEX org_transfers_person ON org_transfers (tenant_id, person_id, effective_on);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['accounts', 'sessions', 'role_bindings', 'audit_log', 'people', 'membership_events', 'org_transfers'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
    END LOOP;
END
$$;
-- +goose StatementEnd

GRANT SELECT ON goose_db_version TO zhdj_app;
GRANT SELECT, INSERT, UPDATE ON tenants TO zhdj_app;
GRANT SELECT, INSERT, UPDATE ON org_units, sites, accounts, sessions, people TO zhdj_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON site_origins, role_bindings TO zhdj_app;
GRANT SELECT, INSERT ON audit_log, membership_events, org_transfers TO zhdj_app;
GRANT EXECUTE ON FUNCTION app_tenant() TO zhdj_app;

-- +goose Down
REVOKE ALL ON tenants, org_units, sites, site_origins, goose_db_version FROM zhdj_app;
DROP TABLE org_transfers;
DROP TABLE membership_events;
ALTER TABLE accounts DROP CONSTRAINT accounts_tenant_id_person_id_fkey;
DROP TABLE people;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE role_bindings;
DROP TABLE sessions;
DROP TABLE accounts;
DROP POLICY public_read ON site_origins;
DROP POLICY tenant_isolation ON site_origins;
ALTER TABLE site_origins NO FORCE ROW LEVEL SECURITY;
ALTER TABLE site_origins DISABLE ROW LEVEL SECURITY;
DROP POLICY public_read_active ON sites;
DROP POLICY tenant_isolation ON sites;
ALTER TABLE sites NO FORCE ROW LEVEL SECURITY;
ALTER TABLE sites DISABLE ROW LEVEL SECURITY;
DROP POLICY tenant_isolation ON org_units;
ALTER TABLE org_units NO FORCE ROW LEVEL SECURITY;
ALTER TABLE org_units DISABLE ROW LEVEL SECURITY;
DROP FUNCTION app_tenant();
