package learning

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/learning/learningdb"
	"zhdj/internal/postgres"
)

// Heartbeats of a school that arrive while the previous ones are being
// written wait for them, and the next batch writes them all in one
// transaction (see package gather): the per-transaction cost, most of a
// single heartbeat's, is shared. Each beat is still judged on its
// session's row as the previous beat of that session left it: a session
// or a progress twice in a batch goes again in the next one.

// maxBeatBatch bounds one batch (and so one transaction's locks).
const maxBeatBatch = 128

// beatRequest is one heartbeat in a batch, with its answer once written.
type beatRequest struct {
	session, person uuid.UUID
	beat            Beat
	recordedBy      *uuid.UUID
	out             *Heartbeat
	err             error
}

var errBeatLost = errors.New("learning: the heartbeat's batch failed")

// Record judges a heartbeat of the caller's session and adds what it
// counts for. The beat that completes the item writes its learning fact,
// once, in the same transaction. A beat that does not count is not an
// error: its verdict says why, and the progress counts it.
func (s *Service) Record(ctx context.Context, session uuid.UUID, b Beat) (*Heartbeat, error) {
	p, personID, err := auth.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	r := &beatRequest{session: session, person: personID, beat: b, recordedBy: p.Actor(), err: errBeatLost}
	s.beats.Do(p.TenantID, r, func(batch []*beatRequest) []int { return s.writeBeats(ctx, p.TenantID, batch) })
	return r.out, r.err
}

// writeBeats writes batch and answers each of its beats but those it
// returns the positions of: a second beat of a session or a progress in
// the batch, which must be judged after the first. The batch outlives
// the leader's request if that one is cancelled: the others wait for it.
func (s *Service) writeBeats(ctx context.Context, tenant uuid.UUID, batch []*beatRequest) (again []int) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var now []*beatRequest
	at := map[*beatRequest]int{}
	sessions := map[uuid.UUID]bool{}
	for i, r := range batch {
		if sessions[r.session] {
			again = append(again, i)
			continue
		}
		sessions[r.session] = true
		at[r] = i
		now = append(now, r)
	}
	later, err := s.recordBeats(ctx, tenant, now)
	if err != nil && len(now) > 1 {
		// The batch as a whole failed (a lock another server's batch held,
		// say): nothing of it was kept; each goes alone, for its own answer.
		later = nil
		for _, r := range now {
			if _, err := s.recordBeats(ctx, tenant, []*beatRequest{r}); err != nil {
				r.out, r.err = nil, beatErr(err)
			}
		}
	} else if err != nil {
		now[0].out, now[0].err = nil, beatErr(err)
	}
	for _, r := range later {
		again = append(again, at[r])
	}
	return again
}

func beatErr(err error) error {
	if apperr.KindOf(err) != apperr.Internal {
		return err
	}
	return fmt.Errorf("learning: record: %w", err)
}

type progressKey struct {
	person, content uuid.UUID
	mode            Mode
}

// recordBeats judges and writes beats (of distinct sessions) in one
// transaction and answers each, but for those it returns: a second beat
// for a progress already in this batch. An error means nothing was kept.
func (s *Service) recordBeats(ctx context.Context, tenant uuid.UUID, beats []*beatRequest) (later []*beatRequest, err error) {
	ids := make([]uuid.UUID, len(beats))
	for i, r := range beats {
		ids[i] = r.session
	}
	found := make(map[uuid.UUID]learningdb.SessionsForBeatsRow, len(beats))
	var settings []byte
	reads := &pgx.Batch{}
	queueSessionsForBeats(reads, tenant, ids, found, &settings)
	var (
		writes   []beatWrite
		written  []beatWritten
		answered []*beatRequest
		verdicts []Verdict
	)
	err = postgres.InTenantTxCommitWith(ctx, s.pool, tenant, reads, func(postgres.Querier) (*pgx.Batch, error) {
		rules := RulesFrom(settings)
		now := s.now()
		progress := map[progressKey]bool{}
		for _, r := range beats {
			v, ok := found[r.session]
			switch {
			case !ok || v.PersonID != r.person:
				r.out, r.err = nil, errNoSession
				continue
			case v.Status != "published":
				r.out, r.err = nil, errNoItem
				continue
			}
			m := Mode(v.Mode)
			k := progressKey{r.person, v.ContentID, m}
			if progress[k] {
				later = append(later, r)
				continue
			}
			progress[k] = true
			j := Judge(m, Viewing{Position: int(v.LastPosition), Playing: v.LastPlaying, At: v.LastBeatAt}, r.beat, now, int(v.DurationSeconds), rules)
			position := 0 // a refused beat leaves the session where it was
			if m == ModeWatch {
				position = min(r.beat.Position, int(v.DurationSeconds))
			}
			writes = append(writes, beatWrite{session: r.session, person: r.person, content: v.ContentID, mode: m, judged: j,
				position: position, playing: r.beat.Playing, recordedBy: r.recordedBy})
			answered, verdicts = append(answered, r), append(verdicts, j.Verdict)
		}
		if len(writes) == 0 {
			return nil, nil
		}
		written = make([]beatWritten, len(writes))
		final := &pgx.Batch{}
		queueBeats(final, tenant, now, writes, written)
		return final, nil
	})
	if err != nil {
		return nil, err
	}
	for i, r := range answered {
		w := written[i]
		if !w.found { // a progress is never deleted: a session without one is no session
			r.out, r.err = nil, errNoSession
			continue
		}
		r.out = &Heartbeat{Verdict: verdicts[i], Progress: progressFrom(tenant, w.row), JustCompleted: w.completed}
		r.err = nil
	}
	return later, nil
}
