-- The interaction domain's statements (sqlc turns them into interactiondb;
-- the lists, whose filters combine, are built in store.go).

-- name: TenantSettings :one
SELECT settings FROM tenant_profiles WHERE id = @id;

-- name: Unit :one
SELECT path::text AS path, name FROM org_units WHERE tenant_id = @tenant_id AND id = @id AND active;

-- name: SiteUnit :one
-- A site's org unit, and its path.
SELECT s.org_unit_id, u.path::text AS path FROM sites s JOIN org_units u ON u.tenant_id = s.tenant_id AND u.id = s.org_unit_id
WHERE s.tenant_id = @tenant_id AND s.id = @site_id AND s.active;

-- name: SiteSubtree :one
-- A site's unit's path and the units of its subtree (up to max_units of
-- them: a list walks each one's index when the subtree is small).
SELECT u.path::text AS path,
       array(SELECT c.id FROM org_units c WHERE c.tenant_id = u.tenant_id AND c.path <@ u.path LIMIT sqlc.arg(max_units))::uuid[] AS units
FROM sites s JOIN org_units u ON u.tenant_id = s.tenant_id AND u.id = s.org_unit_id
WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.id = sqlc.arg(site_id) AND s.active;

-- name: UnitSubtree :one
-- An org unit's path and the units of its subtree (as SiteSubtree).
SELECT u.path::text AS path,
       array(SELECT c.id FROM org_units c WHERE c.tenant_id = u.tenant_id AND c.path <@ u.path LIMIT sqlc.arg(max_units))::uuid[] AS units
FROM org_units u WHERE u.tenant_id = sqlc.arg(tenant_id) AND u.id = sqlc.arg(id) AND u.active;

-- name: AccountPerson :one
SELECT display_name, person_id FROM accounts WHERE tenant_id = @tenant_id AND id = @id;

-- Suggestions -------------------------------------------------------------

-- name: InsertSuggestion :one
INSERT INTO suggestions (tenant_id, org_unit_id, category, title, body, author_id, author_name, anonymous, public, moderation,
                         matched_words, due_at, hot)
VALUES (@tenant_id, @org_unit_id, @category, @title, @body, @author_id, @author_name, @anonymous, @public, @moderation,
        @matched_words::text[], @due_at, suggestion_hot(0, now()))
RETURNING id, created_at;

-- name: SuggestionsByID :many
-- Suggestions by id with their units' paths (for the access rules).
SELECT s.id, s.org_unit_id, s.category, s.title, s.body, s.author_id, s.author_name, s.anonymous, s.public, s.status, s.reject_reason,
       s.moderation, s.matched_words, s.due_at, s.votes, s.pinned, s.created_at, s.answered_at, u.path::text AS path
FROM suggestions s JOIN org_units u ON u.tenant_id = s.tenant_id AND u.id = s.org_unit_id
WHERE s.tenant_id = @tenant_id AND s.id = ANY(@ids::uuid[]);

-- name: SuggestionForUpdate :one
SELECT s.status, s.author_id, s.public, s.moderation, u.path::text AS path
FROM suggestions s JOIN org_units u ON u.tenant_id = s.tenant_id AND u.id = s.org_unit_id
WHERE s.tenant_id = @tenant_id AND s.id = @id
FOR UPDATE OF s;

-- name: SetSuggestionStatus :exec
UPDATE suggestions SET status = @status, reject_reason = @reject_reason, due_at = @due_at, updated_at = now(),
    answered_at = CASE WHEN @status::text = 'answered' THEN now() ELSE answered_at END
WHERE tenant_id = @tenant_id AND id = @id;

-- name: PinSuggestion :exec
UPDATE suggestions SET pinned = sqlc.narg(pinned), updated_at = now() WHERE tenant_id = @tenant_id AND id = @id;

-- name: InsertReply :one
INSERT INTO suggestion_replies (tenant_id, suggestion_id, author_id, author_name, official, body, moderation, matched_words)
VALUES (@tenant_id, @suggestion_id, @author_id, @author_name, @official, @body, @moderation, @matched_words::text[])
RETURNING id, created_at;

-- name: Replies :many
-- The replies of suggestions, oldest first.
SELECT id, suggestion_id, author_id, author_name, official, body, moderation, created_at FROM suggestion_replies
WHERE tenant_id = @tenant_id AND suggestion_id = ANY(@suggestions::uuid[])
ORDER BY suggestion_id, created_at, id;

-- name: Vote :execrows
INSERT INTO suggestion_votes (tenant_id, suggestion_id, account_id) VALUES (@tenant_id, @suggestion_id, @account_id)
ON CONFLICT DO NOTHING;

-- name: Unvote :execrows
DELETE FROM suggestion_votes WHERE tenant_id = @tenant_id AND suggestion_id = @suggestion_id AND account_id = @account_id;

-- name: CountVote :one
-- The suggestion's votes moved by delta, and its hot score with them.
UPDATE suggestions SET votes = votes + @delta::int, hot = suggestion_hot(votes + @delta::int, created_at)
WHERE tenant_id = @tenant_id AND id = @id
RETURNING votes;

-- name: VotedBy :many
-- Which of suggestions account voted for.
SELECT suggestion_id FROM suggestion_votes WHERE tenant_id = @tenant_id AND account_id = @account_id AND suggestion_id = ANY(@suggestions::uuid[]);

-- Comments ----------------------------------------------------------------

-- name: SetSiteCommentMode :exec
INSERT INTO comment_policies (tenant_id, site_id, mode, updated_by) VALUES (@tenant_id, @site_id, @mode, @updated_by)
ON CONFLICT (tenant_id, site_id) DO UPDATE SET mode = EXCLUDED.mode, updated_by = EXCLUDED.updated_by, updated_at = now();

-- name: SetContentCommentMode :exec
INSERT INTO comment_policies (tenant_id, content_id, mode, updated_by) VALUES (@tenant_id, @content_id, @mode, @updated_by)
ON CONFLICT (tenant_id, content_id) DO UPDATE SET mode = EXCLUDED.mode, updated_by = EXCLUDED.updated_by, updated_at = now();

-- name: Comments :many
-- The visible comments on an item on a site, newest first, after the cursor.
SELECT id, content_id, site_id, author_id, author_name, body, status, matched_words, reason, created_at FROM comments
WHERE tenant_id = @tenant_id AND content_id = @content_id AND site_id = @site_id AND status = 'visible'
  AND (NOT @has_cursor::boolean OR (created_at, id) < (@after_at::timestamptz, @after_id::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @max_rows;

-- name: CommentForUpdate :one
SELECT c.id, c.content_id, c.site_id, c.author_id, c.author_name, c.body, c.status, c.matched_words, c.reason, c.created_at,
       u.path::text AS site_path
FROM comments c JOIN sites s ON s.tenant_id = c.tenant_id AND s.id = c.site_id JOIN org_units u ON u.tenant_id = s.tenant_id AND u.id = s.org_unit_id
WHERE c.tenant_id = @tenant_id AND c.id = @id
FOR UPDATE OF c;

-- name: Report :execrows
INSERT INTO comment_reports (tenant_id, comment_id, reporter_id, reason) VALUES (@tenant_id, @comment_id, @reporter_id, @reason)
ON CONFLICT DO NOTHING;

-- name: CountReport :one
-- A report more; a visible comment reported by enough readers goes back to review.
UPDATE comments SET reports = reports + 1, status = CASE WHEN status = 'visible' AND reports + 1 >= @threshold::int THEN 'pending' ELSE status END
WHERE tenant_id = @tenant_id AND id = @id
RETURNING status;

-- name: ModerateComment :exec
UPDATE comments SET status = @status, reason = @reason, moderated_by = @moderated_by, moderated_at = now()
WHERE tenant_id = @tenant_id AND id = @id;

-- name: ModerateSuggestion :exec
UPDATE suggestions SET moderation = @moderation, updated_at = now() WHERE tenant_id = @tenant_id AND id = @id;

-- name: ReplyForUpdate :one
-- A reply with its suggestion's unit path (for the moderators' rule).
SELECT r.id, r.suggestion_id, r.moderation, r.matched_words, u.path::text AS path
FROM suggestion_replies r JOIN suggestions s ON s.tenant_id = r.tenant_id AND s.id = r.suggestion_id
  JOIN org_units u ON u.tenant_id = s.tenant_id AND u.id = s.org_unit_id
WHERE r.tenant_id = @tenant_id AND r.id = @id
FOR UPDATE OF r;

-- name: ModerateReply :exec
UPDATE suggestion_replies SET moderation = @moderation WHERE tenant_id = @tenant_id AND id = @id;

-- Moderation queue -----------------------------------------------------------

-- name: ModerationQueue :many
-- What waits for a moderator in the subtrees they moderate (everywhere:
-- all), oldest first after the cursor: each kind walks its index of
-- pending rows and keeps its first rows; the merge keeps the first of all.
-- A column a kind does not have is the nil uuid.
WITH queue AS (
    (SELECT 'comment'::text AS kind, c.id, c.created_at, c.author_name, c.body AS text, c.matched_words, c.reports,
            c.site_id, c.content_id, '00000000-0000-0000-0000-000000000000'::uuid AS suggestion_id
     FROM comments c JOIN sites si ON si.tenant_id = c.tenant_id AND si.id = c.site_id
       JOIN org_units cu ON cu.tenant_id = si.tenant_id AND cu.id = si.org_unit_id
     WHERE c.tenant_id = sqlc.arg(tenant_id) AND c.status = 'pending' AND 'comment' = ANY(sqlc.arg(kinds)::text[])
       AND (sqlc.arg(everywhere)::boolean OR cu.path <@ ANY(sqlc.arg(paths)::ltree[]))
       AND (NOT sqlc.arg(has_cursor)::boolean OR (c.created_at, c.id) > (sqlc.arg(after_at)::timestamptz, sqlc.arg(after_id)::uuid))
     ORDER BY c.created_at, c.id LIMIT sqlc.arg(max_rows))
    UNION ALL
    (SELECT 'suggestion'::text, s.id, s.created_at, s.author_name, s.title || E'\n' || s.body, s.matched_words, 0,
            '00000000-0000-0000-0000-000000000000'::uuid, '00000000-0000-0000-0000-000000000000'::uuid, s.id
     FROM suggestions s JOIN org_units su ON su.tenant_id = s.tenant_id AND su.id = s.org_unit_id
     WHERE s.tenant_id = sqlc.arg(tenant_id) AND s.moderation = 'pending' AND 'suggestion' = ANY(sqlc.arg(kinds)::text[])
       AND (sqlc.arg(everywhere)::boolean OR su.path <@ ANY(sqlc.arg(paths)::ltree[]))
       AND (NOT sqlc.arg(has_cursor)::boolean OR (s.created_at, s.id) > (sqlc.arg(after_at)::timestamptz, sqlc.arg(after_id)::uuid))
     ORDER BY s.created_at, s.id LIMIT sqlc.arg(max_rows))
    UNION ALL
    (SELECT 'reply'::text, r.id, r.created_at, r.author_name, r.body, r.matched_words, 0,
            '00000000-0000-0000-0000-000000000000'::uuid, '00000000-0000-0000-0000-000000000000'::uuid, r.suggestion_id
     FROM suggestion_replies r JOIN suggestions rs ON rs.tenant_id = r.tenant_id AND rs.id = r.suggestion_id
       JOIN org_units ru ON ru.tenant_id = rs.tenant_id AND ru.id = rs.org_unit_id
     WHERE r.tenant_id = sqlc.arg(tenant_id) AND r.moderation = 'pending' AND 'reply' = ANY(sqlc.arg(kinds)::text[])
       AND (sqlc.arg(everywhere)::boolean OR ru.path <@ ANY(sqlc.arg(paths)::ltree[]))
       AND (NOT sqlc.arg(has_cursor)::boolean OR (r.created_at, r.id) > (sqlc.arg(after_at)::timestamptz, sqlc.arg(after_id)::uuid))
     ORDER BY r.created_at, r.id LIMIT sqlc.arg(max_rows))
)
SELECT kind, id, created_at, author_name, text, matched_words, reports, site_id, content_id, suggestion_id FROM queue
ORDER BY created_at, id
LIMIT sqlc.arg(max_rows);
