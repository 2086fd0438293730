-- name: InsertAccount :one
INSERT INTO accounts (tenant_id, username, phone_hmac, email_hmac, display_name, password_hash, person_id)
VALUES (@tenant_id, @username, @phone_hmac, @email_hmac, @display_name, @password_hash, @person_id)
RETURNING *;

-- name: AccountByUsername :one
SELECT * FROM accounts WHERE tenant_id = @tenant_id AND username = @username;

-- name: AccountByPhone :one
SELECT * FROM accounts WHERE tenant_id = @tenant_id AND phone_hmac = @phone_hmac;

-- name: AccountByEmail :one
SELECT * FROM accounts WHERE tenant_id = @tenant_id AND email_hmac = @email_hmac;

-- name: AccountByID :one
SELECT * FROM accounts WHERE tenant_id = @tenant_id AND id = @id;

-- name: SetPassword :exec
UPDATE accounts SET password_hash = @password_hash, password_changed_at = now(), updated_at = now()
WHERE tenant_id = @tenant_id AND id = @id;

-- name: InsertSession :one
INSERT INTO sessions (tenant_id, account_id, family_id, refresh_hash, expires_at, user_agent, client_ip)
VALUES (@tenant_id, @account_id, @family_id, @refresh_hash, @expires_at, @user_agent, @client_ip)
RETURNING *;

-- name: SessionByRefreshHash :one
SELECT * FROM sessions WHERE tenant_id = @tenant_id AND refresh_hash = @refresh_hash FOR UPDATE;

-- name: MarkRotated :exec
UPDATE sessions SET rotated_at = now() WHERE tenant_id = @tenant_id AND id = @id;

-- name: RevokeFamily :exec
UPDATE sessions SET revoked_at = now()
WHERE tenant_id = @tenant_id AND family_id = @family_id AND revoked_at IS NULL;

-- name: RevokeAccountSessions :exec
UPDATE sessions SET revoked_at = now()
WHERE tenant_id = @tenant_id AND account_id = @account_id AND revoked_at IS NULL AND id <> @except_id;

-- The session check behind every access token is in Service.Authenticate:
-- it runs with the role bindings in one tenant batch (one round trip).

-- name: BindingsOf :many
SELECT b.id, b.role, b.org_unit_id, u.path, u.name AS org_unit_name
FROM role_bindings b JOIN org_units u ON u.tenant_id = b.tenant_id AND u.id = b.org_unit_id
WHERE b.tenant_id = @tenant_id AND b.account_id = @account_id
ORDER BY nlevel(u.path), b.role;

-- name: InsertBinding :one
INSERT INTO role_bindings (tenant_id, account_id, role, org_unit_id, created_by)
VALUES (@tenant_id, @account_id, @role, @org_unit_id, @created_by)
ON CONFLICT (tenant_id, account_id, role, org_unit_id) DO UPDATE SET role = EXCLUDED.role
RETURNING id;

-- name: DeleteBinding :execrows
DELETE FROM role_bindings
WHERE tenant_id = @tenant_id AND account_id = @account_id AND role = @role AND org_unit_id = @org_unit_id;

-- name: UnitPath :one
SELECT path, parent_id FROM org_units WHERE tenant_id = @tenant_id AND id = @id;

-- name: RevokeSessionFamily :exec
UPDATE sessions AS s SET revoked_at = now()
FROM sessions AS cur
WHERE s.tenant_id = @tenant_id AND s.revoked_at IS NULL
  AND cur.tenant_id = s.tenant_id AND cur.id = @session_id AND s.family_id = cur.family_id;

-- name: AccountsByIDs :many
SELECT * FROM accounts WHERE tenant_id = @tenant_id AND id = ANY(@ids::uuid[]);

-- name: SchoolCode :one
-- The school's code, a word a password must not be made of.
SELECT code FROM tenant_profiles WHERE id = $1;

-- name: IdentityAccount :one
SELECT account_id FROM account_identities WHERE tenant_id = @tenant_id AND provider_id = @provider_id AND subject = @subject;

-- name: LinkIdentity :exec
INSERT INTO account_identities (tenant_id, provider_id, subject, account_id, last_used_at)
VALUES (@tenant_id, @provider_id, @subject, @account_id, now())
ON CONFLICT (tenant_id, provider_id, subject) DO UPDATE SET last_used_at = now();

-- name: LocalPasswords :one
-- Whether the school lets its people sign in with a local password
-- (settings.auth.localPasswords; on unless set to false).
SELECT coalesce((settings -> 'auth' ->> 'localPasswords')::boolean, true)::boolean AS local_passwords FROM tenant_profiles WHERE id = @id;

-- name: ActiveSessions :many
-- The sessions behind access tokens, while they and their accounts stand.
SELECT s.id, s.account_id, a.username, a.person_id
FROM sessions s JOIN accounts a ON a.tenant_id = s.tenant_id AND a.id = s.account_id
WHERE s.tenant_id = @tenant_id AND s.id = ANY(@session_ids::uuid[])
  AND s.revoked_at IS NULL AND s.expires_at > now() AND a.active;

-- name: PrincipalBindings :many
-- Accounts' role bindings as a principal carries them (BindingsOf
-- without the columns not needed there), each account's highest units
-- first.
SELECT b.account_id, b.role, b.org_unit_id, u.path::text AS org_path
FROM role_bindings b JOIN org_units u ON u.tenant_id = b.tenant_id AND u.id = b.org_unit_id
WHERE b.tenant_id = @tenant_id AND b.account_id = ANY(@account_ids::uuid[])
ORDER BY b.account_id, nlevel(u.path), b.role;

-- name: ListAccounts :many
-- A page of the school's accounts by username, after a username, of those
-- whose username or display name matches the pattern (ILIKE, escaped).
SELECT * FROM accounts
WHERE tenant_id = @tenant_id
  AND (sqlc.narg(pattern)::text IS NULL OR username ILIKE sqlc.narg(pattern) OR display_name ILIKE sqlc.narg(pattern))
  AND (sqlc.narg(after)::text IS NULL OR username > sqlc.narg(after))
ORDER BY username
LIMIT @lim;

-- name: BindingsOfAccounts :many
SELECT b.account_id, b.role, b.org_unit_id, u.name AS org_unit_name
FROM role_bindings b JOIN org_units u ON u.tenant_id = b.tenant_id AND u.id = b.org_unit_id
WHERE b.tenant_id = @tenant_id AND b.account_id = ANY(@ids::uuid[])
ORDER BY b.account_id, nlevel(u.path), b.role;
