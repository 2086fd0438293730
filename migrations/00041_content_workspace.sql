-- The workspace (an editor's drafts, a reviewer's queue): a school's items
-- in any status, newest change first, paged by (updated_at, id).

-- +goose Up
CREATE INDEX contents_workspace ON contents (tenant_id, updated_at DESC, id DESC);

-- +goose Down
DROP INDEX contents_workspace;
