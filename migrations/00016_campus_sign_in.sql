-- Campus sign-in (统一身份认证): each school may have identity providers,
-- OpenID Connect or CAS, whose users are linked to its accounts by an
-- attribute (usually the student or staff number); a school may turn its
-- local passwords off (tenants.settings.auth.localPasswords = false).

-- +goose Up
CREATE TABLE identity_providers (
    tenant_id            uuid NOT NULL REFERENCES tenants (id),
    id                   uuid NOT NULL DEFAULT gen_random_uuid(),
    name                 text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    kind                 text NOT NULL CHECK (kind IN ('oidc', 'cas')),
    display_name         text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    -- The OIDC issuer (pinned: discovery must name the same), or the CAS
    -- server's base URL.
    url                  text NOT NULL,
    client_id            text NOT NULL DEFAULT '',
    client_secret_sealed bytea,
    -- The claim (OIDC) or attribute (CAS; "user" for the CAS user name)
    -- whose value links a campus identity to an account.
    link_attribute       text NOT NULL,
    link_to              text NOT NULL CHECK (link_to IN ('username', 'email', 'phone')),
    -- Without this, someone with no account linked or matching is refused.
    create_accounts      boolean NOT NULL DEFAULT false,
    active               boolean NOT NULL DEFAULT true,
    created_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);

CREATE TABLE account_identities (
    tenant_id    uuid NOT NULL,
    provider_id  uuid NOT NULL,
    -- The provider's stable id of the person (OIDC sub, CAS user).
    subject      text NOT NULL,
    account_id   uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    PRIMARY KEY (tenant_id, provider_id, subject),
    FOREIGN KEY (tenant_id, provider_id) REFERENCES identity_providers (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX account_identities_account ON account_identities (tenant_id, account_id);

-- A sign-in under way: the state sent to the provider, with the nonce and
-- PKCE verifier (OIDC) and where to return; used once, within minutes.
CREATE TABLE sso_logins (
    tenant_id     uuid NOT NULL,
    state         text NOT NULL,
    provider_id   uuid NOT NULL,
    nonce         text NOT NULL DEFAULT '',
    code_verifier text NOT NULL DEFAULT '',
    return_to     text NOT NULL,
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, state),
    FOREIGN KEY (tenant_id, provider_id) REFERENCES identity_providers (tenant_id, id) ON DELETE CASCADE
);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['identity_providers', 'account_identities', 'sso_logins'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO zhdj_app', t);
    END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE sso_logins;
DROP TABLE account_identities;
DROP TABLE identity_providers;
