-- The moderation queue reads what waits for a moderator across comments,
-- suggestions and follow-up replies, oldest first: each kind has its own
-- small index of pending rows (comments have had one since 00035).
--
-- A list of a small subtree's suggestions (a college's site, a branch)
-- walks each of its units' indexes in the list's order and merges them,
-- rather than the school's index keeping one row in thirty.

-- +goose Up
CREATE INDEX suggestions_queue ON suggestions (tenant_id, created_at, id) WHERE moderation = 'pending';
CREATE INDEX suggestion_replies_queue ON suggestion_replies (tenant_id, created_at, id) WHERE moderation = 'pending';
CREATE INDEX suggestions_unit_newest ON suggestions (tenant_id, org_unit_id, created_at DESC, id DESC);
CREATE INDEX suggestions_unit_hot ON suggestions (tenant_id, org_unit_id, hot DESC, id DESC);
CREATE INDEX suggestions_unit_votes ON suggestions (tenant_id, org_unit_id, votes DESC, id DESC);

-- +goose Down
DROP INDEX suggestions_unit_votes;
DROP INDEX suggestions_unit_hot;
DROP INDEX suggestions_unit_newest;
DROP INDEX suggestion_replies_queue;
DROP INDEX suggestions_queue;
