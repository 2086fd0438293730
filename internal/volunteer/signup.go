package volunteer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/postgres"
	"zhdj/internal/volunteer/volunteerdb"
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

// signUpRequest is one sign-up in a batch, with its answer once written.
type signUpRequest struct {
	person uuid.UUID
	out    signUpOutcome
}

type signUpOutcome struct {
	su  *SignUp
	err error
}

// WaitingSignUps is how many sign-ups for an activity wait for the batch
// being written (queue depth, for monitoring; this server only).
func (s *Service) WaitingSignUps(tenant, activity uuid.UUID) int {
	return s.signUps.Waiting(activityKey{tenant, activity})
}

// SignUp takes a place for the caller (a person on record) or, when the
// places are taken, a place on the waitlist (said so in the result). The
// number of confirmed places never passes the capacity, however many
// sign-ups arrive at once on however many servers.
func (s *Service) SignUp(ctx context.Context, activityID uuid.UUID) (*SignUp, error) {
	p, person, err := auth.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	k := activityKey{p.TenantID, activityID}
	r := &signUpRequest{person: person}
	s.signUps.Do(k, r, func(batch []*signUpRequest) []int {
		s.writeSignUps(ctx, k, batch)
		return nil
	})
	return r.out.su, r.out.err
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
				r.out = signUpOutcome{err: errors.New("volunteer: sign-up batch failed")}
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
		r.out = out[i]
	}
	s.batchWritten(len(batch), len(alone))
}

// signUpCandidate is what the rules need to know of one person.
type signUpCandidate struct {
	found       bool
	c           Candidate
	existing    SignUpStatus // "" for none
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
	queueSignUpReads(reads, k, persons, cands, &a, &settings)
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
			case c.existing != "" && c.existing != SignUpCancelled:
				out[i].err = errAlreadySignedUp
			case c.existing != "" && len(persons) > 1:
				again = append(again, i)
			default:
				take = append(take, p)
			}
		}
		if len(take) == 0 {
			return nil, nil
		}
		answer := func(su *SignUp) { out[index[su.PersonID]].su = su }
		if cands[take[0]].existing != "" {
			// Someone who cancelled signs up again on the same row (alone
			// in the transaction). Checked before the commit that the row
			// was still cancelled: were it not, nothing is kept.
			taken, err := retake(ctx, tx, k, take[0], answer)
			if err != nil {
				return nil, err
			}
			if !taken {
				return nil, errAlreadySignedUp
			}
			return nil, nil
		}
		// First sign-ups: the statements go with the COMMIT in one round
		// trip, so the lock on this popular row is held for the server's
		// work only. A sign-up of one of them that got in meanwhile (on
		// another server) makes the INSERT fail and nothing is kept.
		final := &pgx.Batch{}
		queueTakePlaces(final, k, take, answer)
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

var errAlreadySignedUp error = &apperr.Error{Kind: apperr.Conflict, Msg: "you are already signed up for this activity", Fields: map[string]string{"activityId": "already signed up"}}

// CancelSignUp gives up a place (the person themself, or an organiser); a
// confirmed place goes to the first person on the waitlist.
func (s *Service) CancelSignUp(ctx context.Context, signupID uuid.UUID) (*SignUp, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out *SignUp
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		// The activity's row first, then the sign-up as it is now: every
		// change to a waitlist takes them in this order.
		su, err := loadSignUp(ctx, tx, p.TenantID, signupID, false)
		if err != nil {
			return err
		}
		a, err := loadActivity(ctx, tx, p.TenantID, su.ActivityID, true)
		if err != nil {
			return err
		}
		if su, err = loadSignUp(ctx, tx, p.TenantID, signupID, true); err != nil {
			return err
		}
		own := p.PersonID != nil && *p.PersonID == su.PersonID
		if !own && !organiser(p, a) {
			return apperr.Forbiddenf("you may cancel only your own sign-up")
		}
		if su.Status == SignUpCancelled {
			return apperr.Conflictf("the sign-up is already cancelled")
		}
		if su.CheckedInAt != nil {
			return apperr.Conflictf("the person has already checked in")
		}
		q := volunteerdb.New(tx)
		if err := q.CancelSignUp(ctx, volunteerdb.CancelSignUpParams{TenantID: p.TenantID, ID: signupID}); err != nil {
			return fmt.Errorf("volunteer: cancel: %w", err)
		}
		if su.Status == SignUpConfirmed {
			if err := q.AddConfirmed(ctx, volunteerdb.AddConfirmedParams{TenantID: p.TenantID, ID: a.ID, N: -1}); err != nil {
				return fmt.Errorf("volunteer: cancel: %w", err)
			}
			if err := promote(ctx, tx, p.TenantID, a.ID, 1); err != nil {
				return err
			}
		}
		if su.Status == SignUpWaitlisted && su.WaitlistPosition != nil {
			if err := leaveWaitlist(ctx, tx, p.TenantID, a.ID, *su.WaitlistPosition, 1); err != nil {
				return err
			}
		}
		su.Status, su.WaitlistPosition = SignUpCancelled, nil
		out = su
		return nil
	})
	return out, err
}

// promote admits up to n waitlisted people in waitlist order. The caller
// holds the activity's row.
func promote(ctx context.Context, tx pgx.Tx, tenant, activity uuid.UUID, n int) error {
	if n <= 0 {
		return nil
	}
	q := volunteerdb.New(tx)
	promoted, err := q.PromoteWaitlisted(ctx, volunteerdb.PromoteWaitlistedParams{TenantID: tenant, ActivityID: activity, N: int32(n)})
	if err != nil {
		return fmt.Errorf("volunteer: promote: %w", err)
	}
	if promoted == 0 {
		return nil
	}
	if err := q.AddConfirmed(ctx, volunteerdb.AddConfirmedParams{TenantID: tenant, ID: activity, N: promoted}); err != nil {
		return fmt.Errorf("volunteer: promote: %w", err)
	}
	return leaveWaitlist(ctx, tx, tenant, activity, 0, int(promoted))
}

// leaveWaitlist moves up by n everyone behind place on the activity's
// waitlist, after n people at or before it left (promoted from the front,
// or one cancelled), so that waitlist_position stays the place in line.
// The caller holds the activity's row, which orders every change to the
// waitlist.
func leaveWaitlist(ctx context.Context, tx pgx.Tx, tenant, activity uuid.UUID, place, n int) error {
	q := volunteerdb.New(tx)
	if err := q.MoveWaitlistUp(ctx, volunteerdb.MoveWaitlistUpParams{TenantID: tenant, ActivityID: activity, Place: int32(place), N: int32(n)}); err != nil {
		return fmt.Errorf("volunteer: move the waitlist up: %w", err)
	}
	if err := q.ShrinkWaitlist(ctx, volunteerdb.ShrinkWaitlistParams{TenantID: tenant, ID: activity, N: int32(n)}); err != nil {
		return fmt.Errorf("volunteer: move the waitlist up: %w", err)
	}
	return nil
}

// loadSignUp reads a sign-up in tx; with lock, its row is held first.
func loadSignUp(ctx context.Context, tx pgx.Tx, tenant, id uuid.UUID, lock bool) (*SignUp, error) {
	q := volunteerdb.New(tx)
	if lock {
		if _, err := q.LockSignUp(ctx, volunteerdb.LockSignUpParams{TenantID: tenant, ID: id}); err != nil {
			return nil, signUpErr(err)
		}
	}
	r, err := q.GetSignUp(ctx, volunteerdb.GetSignUpParams{TenantID: tenant, ID: id})
	if err != nil {
		return nil, signUpErr(err)
	}
	return signUpFrom(r), nil
}

func signUpErr(err error) error {
	if e := postgres.Err(err, "sign-up"); apperr.Is(e, apperr.NotFound) {
		return apperr.NotFoundf("sign-up not found")
	}
	return fmt.Errorf("volunteer: load sign-up: %w", err)
}
