-- The quiz domain's statements (sqlc turns them into quizdb).

-- name: InsertQuestion :one
INSERT INTO questions (tenant_id, kind, stem, options, answer, explanation, tags, created_by)
VALUES (@tenant_id, @kind, @stem, @options, @answer, @explanation, @tags, @created_by)
RETURNING id, created_at;

-- name: Questions :many
-- The bank, newest first (of a tag, when one is given), after the cursor.
SELECT id, kind, stem, options, answer, explanation, tags, active, created_at FROM questions
WHERE tenant_id = @tenant_id AND (@tag::text = '' OR tags @> ARRAY[@tag::text])
  AND (NOT @has_cursor::boolean OR (created_at, id) < (@after_at::timestamptz, @after_id::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @max_rows;

-- name: QuestionsByIDs :many
SELECT id, kind, stem, options, answer, explanation, tags, active, created_at FROM questions
WHERE tenant_id = @tenant_id AND id = ANY(@ids::uuid[]);

-- name: RandomQuestions :many
-- n random active questions (of the tags, when some are given).
SELECT id FROM questions
WHERE tenant_id = @tenant_id AND active AND (cardinality(@tags::text[]) = 0 OR tags && @tags::text[])
ORDER BY random()
LIMIT @n;

-- name: ActiveQuestionCount :one
SELECT count(*)::int FROM questions WHERE tenant_id = @tenant_id AND active AND id = ANY(@ids::uuid[]);

-- name: InsertQuiz :one
INSERT INTO quizzes (tenant_id, kind, title, question_count, tags, question_ids, time_limit_seconds, pass_score, attempts_allowed, opens_at, closes_at, created_by)
VALUES (@tenant_id, @kind, @title, @question_count, @tags, @question_ids, @time_limit_seconds, @pass_score, @attempts_allowed, @opens_at, @closes_at, @created_by)
RETURNING id, created_at;

-- name: GetQuiz :one
SELECT id, kind, title, question_count, tags, question_ids, time_limit_seconds, pass_score, attempts_allowed, opens_at, closes_at, created_at
FROM quizzes WHERE tenant_id = @tenant_id AND id = @id;

-- name: OpenQuizzes :many
-- Quizzes open at now, latest opened first, after the cursor.
SELECT id, kind, title, question_count, tags, question_ids, time_limit_seconds, pass_score, attempts_allowed, opens_at, closes_at, created_at
FROM quizzes
WHERE tenant_id = @tenant_id AND opens_at <= @now AND (closes_at IS NULL OR closes_at > @now)
  AND (NOT @has_cursor::boolean OR (opens_at, id) < (@after_at::timestamptz, @after_id::uuid))
ORDER BY opens_at DESC, id DESC
LIMIT @max_rows;

-- name: LockAttempts :exec
-- Serialises a person's attempts at one quiz (the attempts allowed).
SELECT pg_advisory_xact_lock(hashtextextended(CAST(@quiz_id::uuid AS text) || CAST(@person_id::uuid AS text), 0));

-- name: AttemptsSoFar :one
SELECT count(*)::int FROM quiz_attempts WHERE tenant_id = @tenant_id AND quiz_id = @quiz_id AND person_id = @person_id;

-- name: InsertAttempt :one
INSERT INTO quiz_attempts (tenant_id, quiz_id, person_id, question_ids, started_at, deadline_at)
VALUES (@tenant_id, @quiz_id, @person_id, @question_ids, @started_at, @deadline_at)
RETURNING id;

-- name: AttemptForUpdate :one
SELECT a.id, a.quiz_id, a.person_id, a.question_ids, a.started_at, a.deadline_at, a.submitted_at, a.correct, a.score, a.passed, q.pass_score
FROM quiz_attempts a JOIN quizzes q ON q.tenant_id = a.tenant_id AND q.id = a.quiz_id
WHERE a.tenant_id = @tenant_id AND a.id = @id AND a.person_id = @person_id
FOR UPDATE OF a;

-- name: SubmitAttempt :exec
UPDATE quiz_attempts SET submitted_at = @submitted_at, answers = @answers, correct = @correct, score = @score, passed = @passed
WHERE tenant_id = @tenant_id AND id = @id;
