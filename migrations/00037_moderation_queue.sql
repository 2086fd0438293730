-- The moderation queue reads what waits for a moderator across comments,
-- suggestions and follow-up replies, oldest first: each kind has its own
-- small index of pending rows (comments have had one since 00035).

-- +goose Up
CREATE INDEX suggestions_queue ON suggestions (tenant_id, created_at, id) WHERE moderation = 'pending';
CREATE INDEX suggestion_replies_queue ON suggestion_replies (tenant_id, created_at, id) WHERE moderation = 'pending';

-- +goose Down
DROP INDEX suggestion_replies_queue;
DROP INDEX suggestions_queue;
