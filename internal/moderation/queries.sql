-- The moderation domain's statements (sqlc turns them into moderationdb).

-- name: ScreenState :one
-- What screening a post needs, in one round trip: the version of the
-- school's word list (0: none set) and the end of the account's ban in
-- force at now (the epoch: none).
SELECT coalesce((SELECT version FROM moderation_words w WHERE w.tenant_id = sqlc.arg(tenant_id)), 0)::bigint AS version,
       coalesce(b.until, 'epoch'::timestamptz)::timestamptz AS ban_until, coalesce(b.reason, '')::text AS ban_reason
FROM (SELECT 1) one
LEFT JOIN moderation_bans b ON b.tenant_id = sqlc.arg(tenant_id) AND b.account_id = sqlc.arg(account_id) AND b.until > sqlc.arg(now);

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
