package learning

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/gather"
	"zhdj/internal/learning/learningdb"
	"zhdj/internal/postgres"
)

// Service is the learning use cases: starting to study an item, its
// heartbeats, and a person's progress.
type Service struct {
	pool *pgxpool.Pool
	now  func() time.Time
	// studyable keeps each school's studyable items for CatalogueTTL.
	studyable *expirable.LRU[uuid.UUID, []Studyable]
	// beats gathers a school's heartbeats that arrive while the previous
	// ones are being written (see beats.go).
	beats *gather.Queue[uuid.UUID, *beatRequest]
}

// NewService returns a Service over pool.
func NewService(pool *pgxpool.Pool) *Service {
	return &Service{pool: pool, now: time.Now, studyable: expirable.NewLRU[uuid.UUID, []Studyable](1024, nil, CatalogueTTL),
		beats: gather.New[uuid.UUID, *beatRequest](maxBeatBatch)}
}

var (
	errNoItem     = apperr.NotFoundf("no published item to study")
	errNoSession  = apperr.InvalidField("session", "no such learning session of yours: start studying the item first")
	errWatchWhat  = apperr.InvalidField("mode", "only a micro-lesson is watched; articles and comics are read")
	errReadWhat   = apperr.InvalidField("mode", "a micro-lesson is watched, not read")
	errNoDuration = apperr.InvalidField("content", "the micro-lesson has no duration to watch yet")
)

// rules returns the school's learning rules.
func rules(ctx context.Context, q *learningdb.Queries, tenant uuid.UUID) (Rules, error) {
	settings, err := q.TenantSettings(ctx, tenant)
	if err != nil {
		return Rules{}, fmt.Errorf("learning: the school's rules: %w", err)
	}
	return RulesFrom(settings), nil
}

// studyLength reads how long a published item takes to study in mode m.
func studyLength(ctx context.Context, q *learningdb.Queries, tenant, content uuid.UUID, m Mode) (learningdb.StudyLengthRow, error) {
	l, err := q.StudyLength(ctx, learningdb.StudyLengthParams{TenantID: tenant, ID: content})
	switch {
	case apperr.Is(postgres.Err(err, "content"), apperr.NotFound):
		return l, errNoItem
	case err != nil:
		return l, fmt.Errorf("learning: the item's length: %w", err)
	case l.Status != "published":
		return l, errNoItem
	case m == ModeWatch && l.Type != "micro_lesson":
		return l, errWatchWhat
	case m == ModeRead && l.Type == "micro_lesson":
		return l, errReadWhat
	case m == ModeWatch && l.DurationSeconds <= 0:
		return l, errNoDuration
	}
	return l, nil
}

// Start opens a session for the caller (a person on record) to study a
// published item: a micro-lesson is watched, an article or comic read. The
// first start fixes the time the item requires.
func (s *Service) Start(ctx context.Context, content uuid.UUID, m Mode) (*Session, error) {
	p, personID, err := auth.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	if m != ModeWatch && m != ModeRead {
		return nil, apperr.InvalidField("mode", "must be watch or read")
	}
	out := &Session{TenantID: p.TenantID}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := learningdb.New(tx)
		l, err := studyLength(ctx, q, p.TenantID, content, m)
		if err != nil {
			return err
		}
		r, err := rules(ctx, q, p.TenantID)
		if err != nil {
			return err
		}
		row, err := q.StartProgress(ctx, learningdb.StartProgressParams{TenantID: p.TenantID, PersonID: personID, ContentID: content,
			Mode: string(m), RequiredSeconds: int32(r.RequiredSeconds(m, int(l.DurationSeconds), int(l.TextChars)))})
		if err != nil {
			return fmt.Errorf("learning: start: %w", err)
		}
		out.Progress = progressFrom(p.TenantID, learningdb.MyProgressRow(row))
		out.ID, err = q.InsertSession(ctx, learningdb.InsertSessionParams{TenantID: p.TenantID, PersonID: personID, ContentID: content,
			Mode: string(m), At: s.now()})
		if err != nil {
			return fmt.Errorf("learning: start: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Mine returns a page of the caller's progress, most recently studied
// first.
func (s *Service) Mine(ctx context.Context, first int, after *Cursor) (*Page, error) {
	p, personID, err := auth.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	page := &Page{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		arg := learningdb.MyProgressParams{TenantID: p.TenantID, PersonID: personID, HasCursor: after != nil, MaxRows: int32(first + 1)}
		if after != nil {
			arg.AfterAt, arg.AfterContent = after.UpdatedAt, after.ContentID
		}
		rows, err := learningdb.New(tx).MyProgress(ctx, arg)
		if err != nil {
			return fmt.Errorf("learning: progress: %w", err)
		}
		for _, r := range rows {
			page.Items = append(page.Items, progressFrom(p.TenantID, r))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(page.Items) > first {
		page.Items, page.HasNext = page.Items[:first], true
	}
	return page, nil
}

func progressFrom(tenant uuid.UUID, r learningdb.MyProgressRow) *Progress {
	return &Progress{TenantID: tenant, PersonID: r.PersonID, ContentID: r.ContentID, Mode: Mode(r.Mode), Seconds: int(r.Seconds),
		RequiredSeconds: int(r.RequiredSeconds), SkippedBeats: int(r.SkippedBeats), RejectedBeats: int(r.RejectedBeats),
		CompletedAt: r.CompletedAt, StartedAt: r.StartedAt, UpdatedAt: r.UpdatedAt}
}
