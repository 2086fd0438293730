-- A waitlisted sign-up's waitlist_position is its place in line (1 is
-- next), not the number it drew: whoever leaves the waitlist (promoted or
-- cancelled) moves everyone behind them up one, in the transaction that
-- holds the activity's row. The activity's counter is therefore how many
-- are waiting, and a new sign-up's place is that count plus one.

-- +goose Up
ALTER TABLE activities RENAME COLUMN waitlist_seq TO waitlisted_count;
COMMENT ON COLUMN activities.waitlisted_count IS
    'How many sign-ups are waitlisted; kept by the statements that change a sign-up''s status, under the activity''s row lock.';
COMMENT ON COLUMN signups.waitlist_position IS
    'Place in line while waitlisted (1 is next); NULL otherwise.';
-- Every school's waitlists, renumbered once.
ALTER TABLE signups NO FORCE ROW LEVEL SECURITY;
ALTER TABLE activities NO FORCE ROW LEVEL SECURITY;
UPDATE signups s SET waitlist_position = r.place
FROM (SELECT tenant_id, id, row_number() OVER (PARTITION BY tenant_id, activity_id ORDER BY waitlist_position, created_at, id) AS place
      FROM signups WHERE status = 'waitlisted') r
WHERE s.tenant_id = r.tenant_id AND s.id = r.id AND s.waitlist_position IS DISTINCT FROM r.place;
UPDATE activities a SET waitlisted_count = w.n
FROM (SELECT a2.tenant_id, a2.id, count(s.id) AS n FROM activities a2
      LEFT JOIN signups s ON s.tenant_id = a2.tenant_id AND s.activity_id = a2.id AND s.status = 'waitlisted'
      GROUP BY a2.tenant_id, a2.id) w
WHERE a.tenant_id = w.tenant_id AND a.id = w.id AND a.waitlisted_count <> w.n;
ALTER TABLE signups FORCE ROW LEVEL SECURITY;
ALTER TABLE activities FORCE ROW LEVEL SECURITY;
ALTER TABLE activities ADD CONSTRAINT activities_waitlisted_count_check CHECK (waitlisted_count >= 0);

-- +goose Down
ALTER TABLE activities DROP CONSTRAINT activities_waitlisted_count_check;
COMMENT ON COLUMN signups.waitlist_position IS NULL;
COMMENT ON COLUMN activities.waitlisted_count IS NULL;
ALTER TABLE activities RENAME COLUMN waitlisted_count TO waitlist_seq;
