-- The moderation domain's statements (sqlc turns them into moderationdb).

-- name: Words :one
SELECT version, words FROM moderation_words WHERE tenant_id = @tenant_id;

-- name: SetWords :one
INSERT INTO moderation_words AS w (tenant_id, words, updated_by) VALUES (@tenant_id, @words::text[], @updated_by)
ON CONFLICT (tenant_id) DO UPDATE SET words = EXCLUDED.words, version = w.version + 1, updated_at = now(), updated_by = EXCLUDED.updated_by
RETURNING version;

-- name: Ban :exec
INSERT INTO moderation_bans (tenant_id, account_id, until, reason, banned_by) VALUES (@tenant_id, @account_id, @until, @reason, @banned_by)
ON CONFLICT (tenant_id, account_id) DO UPDATE SET until = EXCLUDED.until, reason = EXCLUDED.reason, banned_by = EXCLUDED.banned_by, created_at = now();

-- name: Unban :execrows
DELETE FROM moderation_bans WHERE tenant_id = @tenant_id AND account_id = @account_id;

-- name: AccountExists :one
SELECT EXISTS (SELECT 1 FROM account_names WHERE tenant_id = @tenant_id AND id = @id);
