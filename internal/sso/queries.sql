-- The campus sign-in domain's statements (sqlc turns them into ssodb).

-- name: InsertProvider :one
INSERT INTO identity_providers (tenant_id, name, kind, display_name, url, client_id, client_secret_sealed, link_attribute, link_to, create_accounts)
VALUES (@tenant_id, @name, @kind, @display_name, @url, @client_id, @client_secret_sealed, @link_attribute, @link_to, @create_accounts)
RETURNING id;

-- name: ActiveProvider :one
SELECT id, name, kind, display_name, url, client_id, client_secret_sealed, link_attribute, link_to, create_accounts
FROM identity_providers WHERE tenant_id = @tenant_id AND name = @name AND active;

-- name: InsertLogin :exec
INSERT INTO sso_logins (tenant_id, state, provider_id, nonce, code_verifier, return_to, expires_at)
VALUES (@tenant_id, @state, @provider_id, @nonce, @code_verifier, @return_to, @expires_at);

-- name: TakeLogin :one
-- Uses up a started sign-in (a state is good once).
DELETE FROM sso_logins WHERE tenant_id = @tenant_id AND state = @state AND provider_id = @provider_id
RETURNING nonce, code_verifier, return_to, expires_at;
