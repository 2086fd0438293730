package search

// The statements sqlc cannot type (parallel arrays, advisory locks,
// LISTEN) and those queued into one round trip with others live here; the
// queued ones are sqlc's text (searchdb), scanned here.

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/search/searchdb"
)

// The documents are joined to the ids, not matched with = ANY:
// PostgreSQL's plan cache switches a prepared statement to a generic plan
// after five runs, and the generic plan of "c.id = ANY($2)" read every
// published item of the school and compared each with every id (a third of
// a second per batch of 480 among 30,000 items, two thirds of PostgreSQL's
// time while indexing); a join looks each id up in the primary key
// whatever the plan.

// contentDocs selects the published items among ids ($2) with the active
// sites that show them.
const contentDocs = `SELECT c.id, c.type, c.title, c.summary, c.body, c.tags, c.topics, c.org_unit_id, c.published_at, c.version, c.site_ids
FROM unnest($2::uuid[]) AS ids (id)
JOIN content_documents c ON c.tenant_id = $1 AND c.id = ids.id`

// activityDocs selects the findable activities among ids ($2) with every
// active site of the school.
const activityDocs = `SELECT a.id, a.title, a.description, a.address, a.area_id, a.org_unit_id, a.starts_at, a.version,
  a.topic_names, a.partner_names, a.area_ids, a.area_names, a.site_ids
FROM unnest($2::uuid[]) AS ids (id)
JOIN activity_documents a ON a.tenant_id = $1 AND a.id = ids.id`

// listenForChanges subscribes a connection to the outbox's notifications
// (search_enqueue, migration 00007, notifies the tenant id).
const listenForChanges = "LISTEN zhdj_search"

// lockDrain takes the tenant's drain lock for the rest of tx, if no other
// drain holds it.
func lockDrain(ctx context.Context, tx pgx.Tx, tenant uuid.UUID) (bool, error) {
	var locked bool
	err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(hashtext('zhdj_search_drain'), hashtext($1::text))`, tenant).Scan(&locked)
	return locked, err
}

// upsertIndexStates records what the index now holds of items ($2 kinds,
// $3 ids, $4 in the index, $5 versions, $6 fingerprints).
const upsertIndexStates = `INSERT INTO search_index_state (tenant_id, kind, item_id, in_index, version, fingerprint, indexed_at)
	SELECT $1, k, i, n, v, f, now() FROM unnest($2::text[], $3::uuid[], $4::boolean[], $5::bigint[], $6::text[]) AS u(k, i, n, v, f)
	ON CONFLICT (tenant_id, kind, item_id) DO UPDATE SET in_index = excluded.in_index, version = excluded.version,
		fingerprint = excluded.fingerprint, indexed_at = excluded.indexed_at`

// enqueueItems queues items ($2 kinds, $3 ids) for the drain.
const enqueueItems = `SELECT search_enqueue($1, k, i) FROM unnest($2::text[], $3::uuid[]) AS u(k, i)`

// queueStates queues the look-ups of the index state of ids of kind and of
// the changes waiting for them, into out.
func queueStates(b *pgx.Batch, tenant uuid.UUID, kind Kind, ids []uuid.UUID, out map[uuid.UUID]*State) {
	b.Queue(searchdb.IndexStates, tenant, kind, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id uuid.UUID
			var st State
			if err := rows.Scan(&id, &st.InIndex, &st.Version, &st.IndexedAt); err != nil {
				return err
			}
			if cur, ok := out[id]; ok {
				st.Pending = cur.Pending
				*cur = st
			}
		}
		return rows.Err()
	})
	b.Queue(searchdb.PendingItems, tenant, kind, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id uuid.UUID
			if err := rows.Scan(&id); err != nil {
				return err
			}
			if cur, ok := out[id]; ok {
				cur.Pending = true
			}
		}
		return rows.Err()
	})
}
