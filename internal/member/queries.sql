-- name: InsertPerson :one
INSERT INTO people (tenant_id, name, gender, birth_date, ethnicity, native_place,
    phone_enc, phone_masked, phone_hmac, citizen_id_enc, citizen_id_masked, citizen_id_hmac,
    education, category, department, major, class_name, org_unit_id, stage, stage_since, party_posts)
VALUES (@tenant_id, @name, @gender, @birth_date, @ethnicity, @native_place,
    @phone_enc, @phone_masked, @phone_hmac, @citizen_id_enc, @citizen_id_masked, @citizen_id_hmac,
    @education, @category, @department, @major, @class_name, @org_unit_id, @stage, @stage_since, @party_posts)
RETURNING *;

-- name: UpdatePerson :one
UPDATE people SET name = @name, gender = @gender, birth_date = @birth_date, ethnicity = @ethnicity,
    native_place = @native_place, phone_enc = @phone_enc, phone_masked = @phone_masked, phone_hmac = @phone_hmac,
    citizen_id_enc = @citizen_id_enc, citizen_id_masked = @citizen_id_masked, citizen_id_hmac = @citizen_id_hmac,
    education = @education, category = @category, department = @department, major = @major,
    class_name = @class_name, party_posts = @party_posts, version = version + 1, updated_at = now()
WHERE tenant_id = @tenant_id AND id = @id AND version = @version
RETURNING *;

-- name: GetPerson :one
SELECT p.*, u.path AS org_path FROM people p
JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE p.tenant_id = @tenant_id AND p.id = @id;

-- name: GetPersonForUpdate :one
SELECT p.*, u.path AS org_path FROM people p
JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE p.tenant_id = @tenant_id AND p.id = @id
FOR UPDATE OF p;

-- name: PeopleByIDs :many
SELECT p.*, u.path AS org_path FROM people p
JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE p.tenant_id = @tenant_id AND p.id = ANY(@ids::uuid[]);

-- name: SetStage :one
UPDATE people SET stage = @stage, stage_since = @stage_since, version = version + 1, updated_at = now()
WHERE tenant_id = @tenant_id AND id = @id
RETURNING version;

-- name: SetUnitAndStatus :one
UPDATE people SET org_unit_id = @org_unit_id, status = @status, version = version + 1, updated_at = now()
WHERE tenant_id = @tenant_id AND id = @id
RETURNING version;

-- name: InsertEvent :exec
INSERT INTO membership_events (tenant_id, person_id, kind, from_stage, to_stage, effective_on, actor_id, detail)
VALUES (@tenant_id, @person_id, @kind, @from_stage, @to_stage, @effective_on, @actor_id, @detail);

-- name: EventsOf :many
SELECT * FROM membership_events
WHERE tenant_id = @tenant_id AND person_id = ANY(@person_ids::uuid[])
ORDER BY person_id, effective_on, created_at;

-- name: InsertTransfer :exec
INSERT INTO org_transfers (tenant_id, person_id, direction, from_unit_id, to_unit_id, external_org, letter_no, reason, effective_on, actor_id)
VALUES (@tenant_id, @person_id, @direction, @from_unit_id, @to_unit_id, @external_org, @letter_no, @reason, @effective_on, @actor_id);

-- name: TransfersOf :many
SELECT * FROM org_transfers
WHERE tenant_id = @tenant_id AND person_id = ANY(@person_ids::uuid[])
ORDER BY person_id, effective_on, created_at;

-- name: UnitPathKind :one
SELECT path, kind FROM org_units WHERE tenant_id = @tenant_id AND id = @id;

-- name: UnitsByCodes :many
SELECT id, code, path, kind FROM org_units WHERE tenant_id = @tenant_id AND code = ANY(@codes::text[]);

-- name: StagesOf :many
SELECT id, stage FROM people WHERE tenant_id = @tenant_id AND id = ANY(@ids::uuid[]);

-- name: TenantSettings :one
SELECT settings FROM tenant_profiles WHERE id = @id;

-- name: PersonIDByCitizenHMAC :one
SELECT id FROM people WHERE tenant_id = @tenant_id AND citizen_id_hmac = @citizen_id_hmac;

-- name: InsertImport :exec
INSERT INTO member_imports (tenant_id, id, filename, mode, status, total_rows, created_by, file_sealed)
VALUES (@tenant_id, @id, @filename, @mode, 'running', @total_rows, @created_by, @file_sealed);

-- name: ImportToRun :one
-- The import a job works, with whether this transaction holds the import's
-- lock (one run at a time; the row itself stays free for progress
-- reports). A rerun after a crash finds it finished if the first run
-- committed.
SELECT pg_try_advisory_xact_lock(hashtext('zhdj_member_import'), hashtext(id::text)) AS locked, status, mode, filename, file_sealed
FROM member_imports WHERE tenant_id = @tenant_id AND id = @id;

-- name: UpdateImportProgress :exec
UPDATE member_imports SET processed_rows = @processed_rows WHERE tenant_id = @tenant_id AND id = @id;

-- name: FinishImport :exec
UPDATE member_imports
SET status = @status, processed_rows = @processed_rows, imported_rows = @imported_rows, problems = @problems, finished_at = now(),
    file_sealed = NULL
WHERE tenant_id = @tenant_id AND id = @id;

-- name: GetImport :one
SELECT id, filename, mode, status, total_rows, processed_rows, imported_rows, problems, created_at, finished_at
FROM member_imports WHERE tenant_id = @tenant_id AND id = @id;

-- name: ExistingCitizenIDs :many
SELECT citizen_id_hmac FROM people WHERE tenant_id = @tenant_id AND citizen_id_hmac = ANY(@hmacs::bytea[]);

-- name: ListPeople :many
-- The records the caller may read (all of the school, or those under the
-- caller's units), in one unit (with or without the units below it) or
-- anywhere, by stage, found by a part of the name or an exact phone or
-- citizen ID (their keyed hashes), by name.
SELECT p.*, u.path AS org_path
FROM people p
JOIN org_units u ON u.tenant_id = p.tenant_id AND u.id = p.org_unit_id
WHERE p.tenant_id = @tenant_id
  AND (@see_all::boolean OR u.path <@ ANY(CAST(sqlc.arg(paths)::text[] AS ltree[])))
  AND (sqlc.narg(unit_path)::text IS NULL
       OR (@descendants::boolean AND u.path <@ CAST(sqlc.narg(unit_path)::text AS ltree))
       OR (NOT @descendants::boolean AND p.org_unit_id = @unit_id::uuid))
  AND (cardinality(@stages::text[]) = 0 OR p.stage = ANY(@stages::text[]))
  AND (@with_out::boolean OR p.status = 'active')
  AND (@query::text = ''
       OR strpos(p.name, @query::text) > 0
       OR p.phone_hmac = @phone_idx::bytea
       OR p.citizen_id_hmac = @citizen_idx::bytea)
  AND (NOT @has_cursor::boolean OR (p.name, p.id) > (@after_name::text, @after_id::uuid))
ORDER BY p.name, p.id
LIMIT @max_rows;

-- name: UnitCodes :many
SELECT id, code FROM org_units WHERE tenant_id = @tenant_id AND id = ANY(@ids::uuid[]);
