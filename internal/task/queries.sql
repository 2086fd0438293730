-- The task domain's statements (sqlc turns them into taskdb).

-- name: TenantSettings :one
SELECT settings FROM tenant_profiles WHERE id = @id;

-- name: UnitPath :one
SELECT path::text FROM org_units WHERE tenant_id = @tenant_id AND id = @id;

-- name: PeopleWhere :many
-- Which of the named people exist, and whether each is active in the
-- subtree at path.
SELECT p.id, (p.status = 'active' AND u.path <@ CAST(sqlc.arg(path)::text AS ltree))::boolean AS inside
FROM person_profiles p JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE p.tenant_id = @tenant_id AND p.id = ANY(@ids::uuid[]);

-- name: InsertTask :one
INSERT INTO tasks (tenant_id, org_unit_id, title, requirements_html, checklist, attachments, deadline, evidence_required, points_hint, audience, created_by)
VALUES (@tenant_id, @org_unit_id, @title, @requirements_html, @checklist, @attachments, @deadline, @evidence_required, @points_hint, @audience, @created_by)
RETURNING id, created_at;

-- name: Assign :execrows
-- Assigns a task, in one statement, to every active person in the subtree
-- at path (of the stages given, when some are; of the people named, when
-- some are).
INSERT INTO task_assignments (tenant_id, task_id, person_id, org_unit_id, deadline)
SELECT p.tenant_id, @task_id, p.id, p.org_unit_id, @deadline
FROM person_profiles p JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE p.tenant_id = @tenant_id AND p.status = 'active' AND u.path <@ CAST(sqlc.arg(path)::text AS ltree)
  AND (cardinality(@stages::text[]) = 0 OR p.stage = ANY(@stages::text[]))
  AND (cardinality(@people::uuid[]) = 0 OR p.id = ANY(@people::uuid[]));

-- name: SetAssigneeCount :exec
UPDATE tasks SET assignee_count = @assignee_count WHERE tenant_id = @tenant_id AND id = @id;

-- name: GetTask :one
SELECT t.id, t.org_unit_id, u.path::text AS org_path, t.title, t.requirements_html, t.checklist, t.attachments, t.deadline,
       t.evidence_required, t.points_hint, t.assignee_count, t.created_by, t.created_at
FROM tasks t JOIN org_units u ON u.tenant_id = t.tenant_id AND u.id = t.org_unit_id
WHERE t.tenant_id = @tenant_id AND t.id = @id;

-- name: TasksByIDs :many
SELECT t.id, t.org_unit_id, u.path::text AS org_path, t.title, t.requirements_html, t.checklist, t.attachments, t.deadline,
       t.evidence_required, t.points_hint, t.assignee_count, t.created_by, t.created_at
FROM tasks t JOIN org_units u ON u.tenant_id = t.tenant_id AND u.id = t.org_unit_id
WHERE t.tenant_id = @tenant_id AND t.id = ANY(@ids::uuid[]);

-- name: TasksUnder :many
-- Tasks published at the unit at path or below, newest first, after the cursor.
SELECT t.id, t.org_unit_id, u.path::text AS org_path, t.title, t.requirements_html, t.checklist, t.attachments, t.deadline,
       t.evidence_required, t.points_hint, t.assignee_count, t.created_by, t.created_at
FROM tasks t JOIN org_units u ON u.tenant_id = t.tenant_id AND u.id = t.org_unit_id
WHERE t.tenant_id = @tenant_id AND u.path <@ CAST(sqlc.arg(path)::text AS ltree)
  AND (NOT @has_cursor::boolean OR (t.created_at, t.id) < (@after_at::timestamptz, @after_id::uuid))
ORDER BY t.created_at DESC, t.id DESC
LIMIT @max_rows;

-- name: AssignedAmong :many
-- Which of the tasks ids are assigned to the person.
SELECT task_id FROM task_assignments WHERE tenant_id = @tenant_id AND person_id = @person_id AND task_id = ANY(@ids::uuid[]);

-- name: MyAssignments :many
-- A person's assignments, nearest deadline first, after the cursor, each
-- with its task and its latest submission (the whole page in one
-- statement).
SELECT a.task_id, a.person_id, a.org_unit_id, a.deadline, a.status, a.late, a.assigned_at, a.updated_at,
       t.org_unit_id AS task_unit_id, u.path::text AS task_path, t.title, t.requirements_html, t.checklist, t.attachments,
       t.evidence_required, t.points_hint, t.assignee_count, t.created_by, t.created_at,
       (SELECT jsonb_build_object('id', s.id, 'text', s.text, 'attachments', s.attachments, 'items', s.items, 'submitted_at', s.submitted_at,
                                  'decision', s.decision, 'decided_by', s.decided_by, 'decided_at', s.decided_at, 'comment', s.comment)
        FROM task_submissions s
        WHERE s.tenant_id = a.tenant_id AND s.task_id = a.task_id AND s.person_id = a.person_id
        ORDER BY s.submitted_at DESC, s.id DESC
        LIMIT 1) AS latest
FROM task_assignments a
JOIN tasks t ON t.tenant_id = a.tenant_id AND t.id = a.task_id
JOIN org_units u ON u.tenant_id = t.tenant_id AND u.id = t.org_unit_id
WHERE a.tenant_id = @tenant_id AND a.person_id = @person_id
  AND (cardinality(@statuses::text[]) = 0 OR a.status = ANY(@statuses::text[]))
  AND (NOT @has_cursor::boolean OR (a.deadline, a.task_id) > (@after_at::timestamptz, @after_id::uuid))
ORDER BY a.deadline, a.task_id
LIMIT @max_rows;

-- name: Assignment :one
SELECT a.task_id, a.person_id, a.org_unit_id, a.deadline, a.status, a.late, a.assigned_at, a.updated_at
FROM task_assignments a
WHERE a.tenant_id = @tenant_id AND a.task_id = @task_id AND a.person_id = @person_id;

-- name: AssignmentForUpdate :one
SELECT a.task_id, a.person_id, a.org_unit_id, a.deadline, a.status, a.late, a.assigned_at, a.updated_at
FROM task_assignments a
WHERE a.tenant_id = @tenant_id AND a.task_id = @task_id AND a.person_id = @person_id
FOR UPDATE;

-- name: SetAssignmentStatus :one
UPDATE task_assignments SET status = @status, late = @late, updated_at = now()
WHERE tenant_id = @tenant_id AND task_id = @task_id AND person_id = @person_id
RETURNING task_id, person_id, org_unit_id, deadline, status, late, assigned_at, updated_at;

-- name: InsertSubmission :one
INSERT INTO task_submissions (tenant_id, task_id, person_id, text, attachments, items, submitted_at)
VALUES (@tenant_id, @task_id, @person_id, @text, @attachments, @items, @submitted_at)
RETURNING id, task_id, person_id, text, attachments, items, submitted_at, decision, decided_by, decided_at, comment;

-- name: SubmissionForUpdate :one
-- A submission with what reviewing it needs: its assignment and where the
-- assignee is in the tree. Both rows are held until the transaction ends.
SELECT s.id, s.task_id, s.person_id, s.text, s.attachments, s.items, s.submitted_at, s.decision, s.decided_by, s.decided_at, s.comment,
       a.status AS assignment_status, u.path::text AS assignee_path, t.deadline, t.points_hint
FROM task_submissions s
JOIN task_assignments a ON a.tenant_id = s.tenant_id AND a.task_id = s.task_id AND a.person_id = s.person_id
JOIN tasks t ON t.tenant_id = s.tenant_id AND t.id = s.task_id
JOIN org_units u ON u.tenant_id = a.tenant_id AND u.id = a.org_unit_id
WHERE s.tenant_id = @tenant_id AND s.id = @id
FOR UPDATE OF s, a;

-- name: DecideSubmission :one
UPDATE task_submissions SET decision = @decision, decided_by = @decided_by, decided_at = @decided_at, comment = @comment
WHERE tenant_id = @tenant_id AND id = @id AND decision IS NULL
RETURNING id, task_id, person_id, text, attachments, items, submitted_at, decision, decided_by, decided_at, comment;

-- name: SubmissionsOf :many
-- An assignee's submissions to a task, latest first, with where the
-- assignee is in the tree.
SELECT s.id, s.task_id, s.person_id, s.text, s.attachments, s.items, s.submitted_at, s.decision, s.decided_by, s.decided_at, s.comment,
       u.path::text AS assignee_path
FROM task_submissions s
JOIN task_assignments a ON a.tenant_id = s.tenant_id AND a.task_id = s.task_id AND a.person_id = s.person_id
JOIN org_units u ON u.tenant_id = a.tenant_id AND u.id = a.org_unit_id
WHERE s.tenant_id = @tenant_id AND s.task_id = @task_id AND s.person_id = @person_id
ORDER BY s.submitted_at DESC, s.id DESC;

-- name: LatestSubmissions :many
-- The latest submission of each of the assignments named by the pairs
-- (task_ids[i], person_ids[i]), with where the assignee is in the tree.
SELECT DISTINCT ON (s.task_id, s.person_id) s.id, s.task_id, s.person_id, s.text, s.attachments, s.items, s.submitted_at,
       s.decision, s.decided_by, s.decided_at, s.comment, u.path::text AS assignee_path
FROM task_submissions s
JOIN task_assignments a ON a.tenant_id = s.tenant_id AND a.task_id = s.task_id AND a.person_id = s.person_id
JOIN org_units u ON u.tenant_id = a.tenant_id AND u.id = a.org_unit_id
WHERE s.tenant_id = @tenant_id
  AND (s.task_id, s.person_id) IN (SELECT unnest(@task_ids::uuid[]), unnest(@person_ids::uuid[]))
ORDER BY s.task_id, s.person_id, s.submitted_at DESC, s.id DESC;

-- name: Assignees :many
-- A task's assignees in the subtree at path (of a status, when one is
-- given), after the cursor.
SELECT a.task_id, a.person_id, a.org_unit_id, a.deadline, a.status, a.late, a.assigned_at, a.updated_at, p.name
FROM task_assignments a
JOIN org_units u ON u.tenant_id = a.tenant_id AND u.id = a.org_unit_id
JOIN person_profiles p ON p.tenant_id = a.tenant_id AND p.id = a.person_id
WHERE a.tenant_id = @tenant_id AND a.task_id = @task_id AND u.path <@ CAST(sqlc.arg(path)::text AS ltree)
  AND (@status::text = '' OR a.status = @status::text)
  AND (NOT @has_cursor::boolean OR a.person_id > @after_id::uuid)
ORDER BY a.person_id
LIMIT @max_rows;

-- name: ProgressByUnit :many
-- A task's assignments at or below the unit at path, counted by status
-- for the unit itself and for each unit right below it (with its subtree).
SELECT g.unit_path::text AS unit_path, ou.id AS org_unit_id, g.total::int AS total, g.assigned::int AS assigned, g.in_progress::int AS in_progress,
       g.submitted::int AS submitted, g.returned::int AS returned, g.approved::int AS approved, g.overdue::int AS overdue
FROM (
    SELECT CASE WHEN nlevel(u.path) > nlevel(CAST(sqlc.arg(path)::text AS ltree))
                THEN subpath(u.path, 0, nlevel(CAST(sqlc.arg(path)::text AS ltree)) + 1) ELSE u.path END AS unit_path,
           count(*) AS total,
           count(*) FILTER (WHERE a.status = 'assigned') AS assigned,
           count(*) FILTER (WHERE a.status = 'in_progress') AS in_progress,
           count(*) FILTER (WHERE a.status = 'submitted') AS submitted,
           count(*) FILTER (WHERE a.status = 'returned') AS returned,
           count(*) FILTER (WHERE a.status = 'approved') AS approved,
           count(*) FILTER (WHERE a.status = 'overdue') AS overdue
    FROM task_assignments a JOIN org_units u ON u.tenant_id = a.tenant_id AND u.id = a.org_unit_id
    WHERE a.tenant_id = @tenant_id AND a.task_id = @task_id AND u.path <@ CAST(sqlc.arg(path)::text AS ltree)
    GROUP BY 1
) g JOIN org_units ou ON ou.tenant_id = @tenant_id AND ou.path = g.unit_path
ORDER BY g.unit_path;

-- Jobs -----------------------------------------------------------------

-- name: MarkOverdue :execrows
-- At the deadline: what is not submitted or approved by then is overdue.
UPDATE task_assignments SET status = 'overdue', updated_at = now()
WHERE tenant_id = @tenant_id AND task_id = @task_id AND deadline <= @now
  AND status IN ('assigned', 'in_progress', 'returned');

-- name: ReturnedTo :one
-- Who a returned submission goes back to, with the reviewer's comment.
SELECT person_id, comment FROM task_submissions WHERE tenant_id = @tenant_id AND id = @id;

-- name: AssigneesToNotify :many
-- A task's assignees (of the statuses given, when some are).
SELECT person_id FROM task_assignments
WHERE tenant_id = @tenant_id AND task_id = @task_id
  AND (cardinality(@statuses::text[]) = 0 OR status = ANY(@statuses::text[]));
