package ratelimit

// The statements of the shared counters (rate_windows, migration 00014)
// and of the schools' overrides. The flush adds many windows in one
// statement over parallel arrays, which sqlc cannot type.

// addHits adds hits to windows ($1 keys, $2 window starts, $3 hits) and
// returns each window's total across every server.
const addHits = `INSERT INTO rate_windows AS w (key, window_start, hits)
SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::bigint[])
ON CONFLICT (key, window_start) DO UPDATE SET hits = w.hits + excluded.hits
RETURNING key, window_start, hits`

// forgetOldWindows drops windows older than any limit looks back.
const forgetOldWindows = `DELETE FROM rate_windows WHERE window_start < now() - interval '1 day'`

// schoolOverrides reads the rateLimits settings of the schools that set
// them (tenant_profiles is the tenant domain's read contract).
const schoolOverrides = `SELECT id, settings -> 'rateLimits' FROM tenant_profiles WHERE settings ? 'rateLimits'`
