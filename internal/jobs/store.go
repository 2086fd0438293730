package jobs

// The statements of the job queue's own upkeep. They work on River's
// tables (river_job, created by River's migrations, not ours) and on
// job_clients (migration 00012), so they are written here rather than
// generated.

// grantRiverTables grants the server's group role what River needs of
// its tables and sequences.
const grantRiverTables = `DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'river\_%' LOOP
        IF r.tablename = 'river_migration' THEN
            EXECUTE format('GRANT SELECT ON %I TO zhdj_app', r.tablename);
        ELSE
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO zhdj_app', r.tablename);
        END IF;
    END LOOP;
    FOR r IN SELECT sequence_name FROM information_schema.sequences WHERE sequence_schema = current_schema() AND sequence_name LIKE 'river\_%' LOOP
        EXECUTE format('GRANT USAGE, SELECT, UPDATE ON SEQUENCE %I TO zhdj_app', r.sequence_name);
    END LOOP;
END $$`

// renewLease records (or extends) a worker process's lease: $1 client id,
// $2 host, $3 pid, $4 seconds until it lapses.
const renewLease = `INSERT INTO job_clients (id, host, pid, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))
ON CONFLICT (id) DO UPDATE SET renewed_at = now(), expires_at = excluded.expires_at`

// releaseLease ends a worker process's lease as it stops.
const releaseLease = `DELETE FROM job_clients WHERE id = $1`

// rescueLapsed gives back to the queue the running jobs of every client
// whose lease has lapsed (discarded when they have no attempts left),
// noting why in the job's errors and counting the rescues in its metadata.
const rescueLapsed = `WITH lapsed AS (
    SELECT id FROM job_clients WHERE expires_at < now()
)
UPDATE river_job j SET
    state = (CASE WHEN j.attempt >= j.max_attempts THEN 'discarded' ELSE 'available' END)::river_job_state,
    finalized_at = CASE WHEN j.attempt >= j.max_attempts THEN now() END,
    scheduled_at = now(),
    errors = array_append(j.errors, jsonb_build_object('at', now(), 'attempt', j.attempt, 'trace', '',
        'error', 'the process working this job (' || c.id || ') stopped renewing its lease; given back to the queue')),
    metadata = j.metadata || jsonb_build_object('zhdj:lease_rescues',
        coalesce(CASE WHEN jsonb_typeof(j.metadata -> 'zhdj:lease_rescues') = 'number' THEN (j.metadata ->> 'zhdj:lease_rescues')::int END, 0) + 1)
FROM lapsed c
WHERE j.state = 'running' AND j.attempted_by[array_upper(j.attempted_by, 1)] = c.id
RETURNING j.id, j.kind, c.id`

// forgetStoppedClients forgets clients that have not renewed for a day.
const forgetStoppedClients = `DELETE FROM job_clients WHERE expires_at < now() - interval '1 day'`

// jobCounts counts the jobs River keeps, by kind and state (the queues'
// depth, and recent outcomes until River prunes them).
const jobCounts = `SELECT kind, state::text, count(*) FROM river_job GROUP BY kind, state`
