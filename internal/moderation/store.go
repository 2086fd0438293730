package moderation

// The read that screening a post needs, queued into a posting
// transaction's first round trip (the one place of hand-built SQL in this
// package; the rest is in queries.sql).

import (
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// screenState is what screening a post needs, in one statement: the
// version of the school's word list (0: none set) and the end of the
// account's ban in force at now (the epoch: none), with its reason.
const screenState = `SELECT coalesce((SELECT version FROM moderation_words w WHERE w.tenant_id = $1), 0)::bigint,
       coalesce(b.until, 'epoch'::timestamptz), coalesce(b.reason, '')
FROM (SELECT 1) one
LEFT JOIN moderation_bans b ON b.tenant_id = $1 AND b.account_id = $2 AND b.until > $3`

// State is what screening a post read: see QueueState.
type State struct {
	tenant    uuid.UUID
	now       time.Time
	version   int64
	banUntil  time.Time
	banReason string
}

func queueState(b *pgx.Batch, tenant, account uuid.UUID, now time.Time) *State {
	st := &State{tenant: tenant, now: now}
	b.Queue(screenState, tenant, account, now).QueryRow(func(r pgx.Row) error {
		return r.Scan(&st.version, &st.banUntil, &st.banReason)
	})
	return st
}
