package volunteer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/postgres"
)

// Sign-ups for a popular activity arrive in a rush (a class told at once),
// and every one of them must take the activity's row lock to get a place.
// So they are written in batches: a sign-up that arrives while a batch for
// its activity is being written waits for it, and the next batch takes all
// that waited — one transaction locks the people, reads what the rules
// need for all of them, and takes their places in arrival order with one
// UPDATE of the activity and one INSERT. Nothing waits to fill a batch: a
// sign-up arriving when none is being written goes at once, alone. The
// database still decides every place (the UPDATE runs on the activity's
// latest row), so capacity holds across several servers too.

// maxSignUpBatch bounds one batch (and so one transaction's locks).
const maxSignUpBatch = 64

type activityKey struct{ tenant, activity uuid.UUID }

type signUpRequest struct {
	person uuid.UUID
	done   chan signUpOutcome // buffered: senders never wait
}

type signUpOutcome struct {
	su  *SignUp
	err error
	// lead: the request's goroutine writes the next batch.
	lead bool
}

// signUpQueue holds, per activity, the sign-ups waiting for the batch being
// written; busy marks an activity whose batch is being written.
type signUpQueue struct {
	mu      sync.Mutex
	waiting map[activityKey][]*signUpRequest
	busy    map[activityKey]bool
}

func newSignUpQueue() *signUpQueue {
	return &signUpQueue{waiting: map[activityKey][]*signUpRequest{}, busy: map[activityKey]bool{}}
}

// join queues r and reports whether its goroutine leads (no batch is being
// written for k).
func (q *signUpQueue) join(k activityKey, r *signUpRequest) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.waiting[k] = append(q.waiting[k], r)
	if q.busy[k] {
		return false
	}
	q.busy[k] = true
	return true
}

// take removes and returns the next batch for k, in arrival order.
func (q *signUpQueue) take(k activityKey) []*signUpRequest {
	q.mu.Lock()
	defer q.mu.Unlock()
	w := q.waiting[k]
	n := min(len(w), maxSignUpBatch)
	batch := w[:n:n]
	if n == len(w) {
		delete(q.waiting, k)
	} else {
		q.waiting[k] = w[n:]
	}
	return batch
}

// handOff passes the lead to the first waiting request of k, or marks k
// idle when none waits.
func (q *signUpQueue) handOff(k activityKey) {
	q.mu.Lock()
	defer q.mu.Unlock()
	w := q.waiting[k]
	if len(w) == 0 {
		delete(q.busy, k)
		return
	}
	w[0].done <- signUpOutcome{lead: true}
}

// WaitingSignUps is how many sign-ups for an activity wait for the batch
// being written (queue depth, for monitoring; this server only).
func (s *Service) WaitingSignUps(tenant, activity uuid.UUID) int {
	s.signUps.mu.Lock()
	defer s.signUps.mu.Unlock()
	return len(s.signUps.waiting[activityKey{tenant, activity}])
}

// SignUp takes a place for the caller (a person on record) or, when the
// places are taken, a place on the waitlist (said so in the result). The
// number of confirmed places never passes the capacity, however many
// sign-ups arrive at once on however many servers.
func (s *Service) SignUp(ctx context.Context, activityID uuid.UUID) (*SignUp, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if p.PersonID == nil {
		return nil, apperr.Forbiddenf("your account is not linked to a person record")
	}
	k := activityKey{p.TenantID, activityID}
	r := &signUpRequest{person: *p.PersonID, done: make(chan signUpOutcome, 1)}
	lead := s.signUps.join(k, r)
	for {
		if lead {
			func() {
				defer s.signUps.handOff(k) // even after a panic: the next batch must go
				s.writeSignUps(ctx, k, s.signUps.take(k))
			}()
		}
		o := <-r.done
		if !o.lead {
			return o.su, o.err
		}
		lead = true
	}
}

// writeSignUps writes batch and answers each of its requests. The batch
// outlives the leader's request if that one is cancelled: the others are
// waiting for it.
func (s *Service) writeSignUps(ctx context.Context, k activityKey, batch []*signUpRequest) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	out := make([]signUpOutcome, len(batch))
	answered := false
	defer func() {
		if !answered { // a panic: nobody may wait forever
			for _, r := range batch {
				r.done <- signUpOutcome{err: errors.New("volunteer: sign-up batch failed")}
			}
		}
	}()
	persons := make([]uuid.UUID, len(batch))
	for i, r := range batch {
		persons[i] = r.person
	}
	alone, err := s.signUpBatch(ctx, k, persons, out)
	if err != nil {
		// The batch as a whole failed (a sign-up that got in meanwhile on
		// another server, say): nothing of it was kept; each goes alone, so
		// that each gets its own answer.
		alone = alone[:0]
		for i := range batch {
			alone = append(alone, i)
		}
	}
	for _, i := range alone {
		out[i] = signUpOutcome{}
		_, err := s.signUpBatch(ctx, k, persons[i:i+1], out[i:i+1])
		if err != nil {
			out[i] = signUpOutcome{err: err}
		}
	}
	answered = true
	for i, r := range batch {
		r.done <- out[i]
	}
}

// signUpCandidate is what the rules need to know of one person.
type signUpCandidate struct {
	found       bool
	c           Candidate
	existing    *string
	overlapping int
}

// signUpBatch signs up persons (in arrival order) for k's activity in one
// transaction and writes each one's answer to out. A person who signs up
// again after cancelling (their row is reused) is left for a transaction
// of their own: their index is returned in again. An error means nothing
// was kept and out is not complete.
func (s *Service) signUpBatch(ctx context.Context, k activityKey, persons []uuid.UUID, out []signUpOutcome) (again []int, err error) {
	var (
		a        *Activity
		settings []byte
		cands    = map[uuid.UUID]*signUpCandidate{}
	)
	for _, p := range persons {
		cands[p] = &signUpCandidate{}
	}
	reads := &pgx.Batch{}
	// These statements take arrays, for which PostgreSQL would plan each
	// execution anew (about a millisecond each, most of a sign-up's cost);
	// their plans do not depend on the values: plan them once per
	// connection.
	reads.Queue(`SELECT set_config('plan_cache_mode', 'force_generic_plan', true)`)
	// Locking the people's rows (in id order, so batches never deadlock)
	// serialises each person's sign-ups: the next statements (a fresh
	// snapshot) see a sign-up of theirs committed a moment ago, so the
	// overlap cap and one sign-up per person hold under concurrency.
	reads.Queue(`SELECT id, stage, category, status = 'active' FROM people WHERE tenant_id = $1 AND id = ANY($2) ORDER BY id FOR NO KEY UPDATE`,
		k.tenant, persons).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id uuid.UUID
			var c Candidate
			if err := rows.Scan(&id, &c.Stage, &c.Category, &c.Active); err != nil {
				return err
			}
			cands[id].found, cands[id].c = true, c
		}
		return rows.Err()
	})
	reads.Queue(`SELECT `+activityColumns+`, (SELECT settings FROM tenants WHERE id = $1)
		FROM activities a JOIN org_units u ON u.tenant_id = a.tenant_id AND u.id = a.org_unit_id
		WHERE a.tenant_id = $1 AND a.id = $2`, k.tenant, k.activity).QueryRow(func(row pgx.Row) error {
		a = &Activity{}
		err := row.Scan(append(activityDest(a), &settings)...)
		if errors.Is(err, pgx.ErrNoRows) {
			return errActivityNotFound
		}
		return err
	})
	reads.Queue(`SELECT p.id,
			(SELECT status FROM signups WHERE tenant_id = $1 AND activity_id = $2 AND person_id = p.id),
			(SELECT count(*) FROM signups s JOIN activities o ON o.tenant_id = s.tenant_id AND o.id = s.activity_id
			 WHERE s.tenant_id = $1 AND s.person_id = p.id AND s.status <> 'cancelled' AND o.id <> $2
			   AND o.status <> 'cancelled' AND o.starts_at < a.ends_at AND o.ends_at > a.starts_at)
		FROM unnest($3::uuid[]) AS p(id) JOIN activities a ON a.tenant_id = $1 AND a.id = $2`,
		k.tenant, k.activity, persons).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id uuid.UUID
			var existing *string
			var overlapping int
			if err := rows.Scan(&id, &existing, &overlapping); err != nil {
				return err
			}
			cands[id].existing, cands[id].overlapping = existing, overlapping
		}
		return rows.Err()
	})
	dup := map[int]int{} // a person twice in the batch (a double click): index → first
	err = postgres.InTenantTxCommitWith(ctx, s.pool, k.tenant, reads, func(tx postgres.Querier) (*pgx.Batch, error) {
		rules := RulesFrom(settings)
		now := s.now()
		var take []uuid.UUID
		index := map[uuid.UUID]int{}
		for i, p := range persons {
			c := cands[p]
			if first, twice := index[p]; twice {
				dup[i] = first
				continue
			}
			index[p] = i
			switch err := checkSignUp(a, c.c, now, c.overlapping, rules); {
			case !c.found:
				out[i].err = apperr.Forbiddenf("your person record was not found")
			case err != nil:
				out[i].err = err
			case c.existing != nil && SignUpStatus(*c.existing) != SignUpCancelled:
				out[i].err = errAlreadySignedUp
			case c.existing != nil && len(persons) > 1:
				again = append(again, i)
			default:
				take = append(take, p)
			}
		}
		if len(take) == 0 {
			return nil, nil
		}
		// The places: one UPDATE takes as many confirmed places as are
		// left (its SET sees the row as it was: last_signup_places says how
		// many it took) and places in line behind those waiting for the
		// rest (see leaveWaitlist), on the
		// activity's latest row, so the capacity holds under any
		// concurrency; one INSERT records the sign-ups in arrival order.
		sql := `WITH slot AS (
				UPDATE activities SET
					confirmed_count = confirmed_count + LEAST(GREATEST(capacity - confirmed_count, 0), $3),
					waitlisted_count = waitlisted_count + $3 - LEAST(GREATEST(capacity - confirmed_count, 0), $3),
					signup_count = signup_count + $3,
					last_signup_places = LEAST(GREATEST(capacity - confirmed_count, 0), $3)
				WHERE tenant_id = $1 AND id = $2
				RETURNING last_signup_places AS placed, waitlisted_count - ($3 - last_signup_places) AS waiting_before)
			INSERT INTO signups (tenant_id, activity_id, person_id, status, waitlist_position)
			SELECT $1, $2, u.person, CASE WHEN u.n <= slot.placed THEN 'confirmed' ELSE 'waitlisted' END,
				CASE WHEN u.n <= slot.placed THEN NULL ELSE slot.waiting_before + u.n - slot.placed END
			FROM slot, unnest($4::uuid[]) WITH ORDINALITY AS u(person, n)`
		const returning = ` RETURNING person_id, id, created_at, waitlist_position, status`
		scan := func(rows pgx.Rows) (n int, err error) {
			for rows.Next() {
				su := &SignUp{TenantID: k.tenant, ActivityID: k.activity}
				var status string
				if err := rows.Scan(&su.PersonID, &su.ID, &su.CreatedAt, &su.WaitlistPosition, &status); err != nil {
					return n, err
				}
				su.Status = SignUpStatus(status)
				out[index[su.PersonID]].su = su
				n++
			}
			return n, rows.Err()
		}
		if cands[take[0]].existing != nil {
			// Someone who cancelled signs up again on the same row (alone
			// in the transaction). Checked before the commit that the row
			// was still cancelled: were it not, nothing is kept.
			rows, err := tx.Query(ctx, sql+`
			ON CONFLICT (tenant_id, activity_id, person_id) DO UPDATE SET status = EXCLUDED.status, waitlist_position = EXCLUDED.waitlist_position,
				checked_in_at = NULL, checked_out_at = NULL, hours = NULL, hours_confirmed = false, hours_reason = '', updated_at = now()
			WHERE signups.status = 'cancelled'`+returning, k.tenant, k.activity, 1, take)
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			if n, err := scan(rows); err != nil || n == 0 {
				return nil, cmp.Or(err, errAlreadySignedUp)
			}
			return nil, nil
		}
		// First sign-ups: the statements go with the COMMIT in one round
		// trip, so the lock on this popular row is held for the server's
		// work only. A sign-up of one of them that got in meanwhile (on
		// another server) makes the INSERT fail and nothing is kept.
		final := &pgx.Batch{}
		final.Queue(sql+returning, k.tenant, k.activity, len(take), take).Query(func(rows pgx.Rows) error {
			_, err := scan(rows)
			return err
		})
		return final, nil
	})
	switch {
	case err == nil:
	case len(persons) > 1 && postgres.IsUniqueViolation(err, ""):
		return nil, err
	case postgres.IsUniqueViolation(err, ""):
		out[0] = signUpOutcome{err: errAlreadySignedUp}
	case errors.As(err, new(*apperr.Error)):
		for i := range out {
			out[i] = signUpOutcome{err: err}
		}
	default:
		err = fmt.Errorf("volunteer: sign up: %w", err)
		for i := range out {
			out[i] = signUpOutcome{err: err}
		}
	}
	for i, first := range dup {
		if out[first].su != nil {
			out[i] = signUpOutcome{err: errAlreadySignedUp}
		} else {
			out[i] = out[first]
		}
	}
	return again, nil
}

var errAlreadySignedUp error = &apperr.Error{Kind: apperr.Conflict, Msg: "you are already signed up for this activity", Fields: map[string]string{"input.activityId": "already signed up"}}
