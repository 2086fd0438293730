package moderation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/audit"
	"zhdj/internal/auth"
	"zhdj/internal/moderation/moderationdb"
	"zhdj/internal/postgres"
)

// Service keeps each school's word list and bans, and screens posts.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time

	mu      sync.Mutex
	filters map[uuid.UUID]*versionedFilter
}

type versionedFilter struct {
	version int64
	filter  *Filter
}

// NewService returns the moderation service over pool.
func NewService(pool *pgxpool.Pool) *Service {
	return &Service{pool: pool, now: time.Now, filters: map[uuid.UUID]*versionedFilter{}}
}

// Limits of the word list.
const (
	MaxWords      = 50000
	MaxWordLength = 50
)

// Verdict is what screening found in a post.
type Verdict struct {
	// Matched are the listed words found (the post goes to review).
	Matched []string
}

// Screen checks, in the posting transaction, that account may post (no
// ban in force: FORBIDDEN until it ends) and which listed words texts
// contain. The filter is the school's current list: a process rebuilds it
// when the list's version changed, so an edit applies to the next post on
// every process.
func (s *Service) Screen(ctx context.Context, tx pgx.Tx, tenant, account uuid.UUID, texts ...string) (Verdict, error) {
	b := &pgx.Batch{}
	st := queueState(b, tenant, account, s.now())
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return Verdict{}, fmt.Errorf("moderation: screen: %w", err)
	}
	return s.Judge(ctx, tx, st, texts...)
}

// QueueState queues into b (a posting transaction's first round trip)
// what screening a post of account needs; Judge screens with it once the
// batch has run.
func (s *Service) QueueState(b *pgx.Batch, tenant, account uuid.UUID) *State {
	return queueState(b, tenant, account, s.now())
}

// Judge is Screen with the state read: a banned author is FORBIDDEN; the
// listed words texts contain are found (db reads the list when this
// process's copy is older).
func (s *Service) Judge(ctx context.Context, db moderationdb.DBTX, st *State, texts ...string) (Verdict, error) {
	if st.banUntil.After(st.now) {
		return Verdict{}, apperr.Forbiddenf("you may not post until %s: %s", st.banUntil.In(beijing).Format("2006-01-02 15:04"), st.banReason)
	}
	f, err := s.filter(ctx, moderationdb.New(db), st.tenant, st.version)
	if err != nil {
		return Verdict{}, err
	}
	var v Verdict
	seen := map[string]bool{}
	for _, t := range texts {
		for _, w := range f.Match(t) {
			if !seen[w] {
				seen[w] = true
				v.Matched = append(v.Matched, w)
			}
		}
	}
	return v, nil
}

var beijing = time.FixedZone("UTC+8", 8*3600)

// filter is the school's filter of the list at version, rebuilt when the
// version moved.
func (s *Service) filter(ctx context.Context, q *moderationdb.Queries, tenant uuid.UUID, version int64) (*Filter, error) {
	s.mu.Lock()
	cur := s.filters[tenant]
	s.mu.Unlock()
	if cur != nil && cur.version == version {
		return cur.filter, nil
	}
	var words []string
	if version > 0 {
		row, err := q.Words(ctx, tenant)
		if err != nil {
			return nil, fmt.Errorf("moderation: word list: %w", err)
		}
		version, words = row.Version, row.Words
	}
	f, err := NewFilter(words)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if cur := s.filters[tenant]; cur == nil || cur.version < version {
		s.filters[tenant] = &versionedFilter{version: version, filter: f}
	}
	s.mu.Unlock()
	return f, nil
}

// WordList is a school's list as set.
type WordList struct {
	Version int64
	Words   []string
}

// Words returns the school's list (moderate, school-wide).
func (s *Service) Words(ctx context.Context) (*WordList, error) {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermModerate)
	if err != nil {
		return nil, err
	}
	out := &WordList{Words: []string{}}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		row, err := moderationdb.New(tx).Words(ctx, p.TenantID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("moderation: word list: %w", err)
		}
		out.Version, out.Words = row.Version, row.Words
		return nil
	})
	return out, err
}

// SetWords replaces the school's list (moderate, school-wide; audited).
func (s *Service) SetWords(ctx context.Context, words []string) (*WordList, error) {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermModerate)
	if err != nil {
		return nil, err
	}
	clean := make([]string, 0, len(words))
	seen := map[string]bool{}
	for _, w := range words {
		w = strings.TrimSpace(w)
		switch n := utf8.RuneCountInString(w); {
		case n == 0:
			continue
		case n > MaxWordLength || Normalize(w) == "":
			return nil, apperr.InvalidField("words", "a word has 1–50 letters or characters (punctuation alone matches nothing)")
		}
		if !seen[w] {
			seen[w] = true
			clean = append(clean, w)
		}
	}
	if len(clean) > MaxWords {
		return nil, apperr.InvalidField("words", "at most 50000 words")
	}
	out := &WordList{Words: clean}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		v, err := moderationdb.New(tx).SetWords(ctx, moderationdb.SetWordsParams{TenantID: p.TenantID, Words: clean, UpdatedBy: p.Actor()})
		if err != nil {
			return fmt.Errorf("moderation: set words: %w", err)
		}
		out.Version = v
		return audit.Record(ctx, tx, p.TenantID, audit.Event{Action: audit.ActionModerate, Subject: "word_list", ActorID: p.Actor(), TargetType: "word_list",
			TargetID: p.TenantID.String(), Detail: map[string]any{"words": len(clean), "version": v}})
	})
	return out, err
}

// Ban keeps account from posting until a moment (moderate, school-wide;
// audited).
func (s *Service) Ban(ctx context.Context, account uuid.UUID, until time.Time, reason string) error {
	p, err := auth.AuthorizeTenantWide(ctx, auth.PermModerate)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	var v apperr.Validation
	if n := utf8.RuneCountInString(reason); n < 1 || n > 500 {
		v.Add("reason", "give the reason (1–500 characters)")
	}
	if !until.After(s.now()) {
		v.Add("until", "a ban ends in the future")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := moderationdb.New(tx)
		ok, err := q.AccountExists(ctx, moderationdb.AccountExistsParams{TenantID: p.TenantID, ID: account})
		if err != nil {
			return fmt.Errorf("moderation: account: %w", err)
		}
		if !ok {
			return apperr.NotFoundf("account not found")
		}
		if err := q.Ban(ctx, moderationdb.BanParams{TenantID: p.TenantID, AccountID: account, Until: until, Reason: reason, BannedBy: p.Actor()}); err != nil {
			return fmt.Errorf("moderation: ban: %w", err)
		}
		return audit.Record(ctx, tx, p.TenantID, audit.Event{Action: audit.ActionModerate, Subject: "ban", ActorID: p.Actor(), TargetType: "account",
			TargetID: account.String(), Detail: map[string]any{"until": until, "reason": reason}})
	})
}
