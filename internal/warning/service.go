package warning

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/learning"
	"zhdj/internal/postgres"
	"zhdj/internal/warning/warningdb"
)

// Plans says where a person stands with their learning plan (learning's
// rule); the probation rule asks it.
type Plans interface {
	PlanFor(ctx context.Context, tenant, person uuid.UUID) (*learning.PlanProgress, error)
}

// Service raises, lists and answers warnings.
type Service struct {
	pool  *pgxpool.Pool
	plans Plans
	now   func() time.Time
}

// NewService returns the warnings service over pool.
func NewService(pool *pgxpool.Pool, plans Plans) *Service {
	return &Service{pool: pool, plans: plans, now: time.Now}
}

// Cursor is a position in a list of warnings (newest first).
type Cursor struct {
	RaisedAt time.Time
	ID       uuid.UUID
}

// Filter picks warnings under a unit: of some statuses and rules (none:
// all).
type Filter struct {
	OrgUnitID uuid.UUID
	Statuses  []Status
	Rules     []Rule
}

// Page is one page of warnings.
type Page struct {
	Items   []*Warning
	HasNext bool
}

// MaxPageSize is the largest page.
const MaxPageSize = 100

var (
	errNoUnit    = apperr.NotFoundf("org unit not found")
	errNoWarning = apperr.NotFoundf("warning not found")
)

// readableUnit is the path of a unit whose member records the caller
// reads (its warnings are about its people); any other is not found.
func readableUnit(ctx context.Context, q *warningdb.Queries, p *auth.Principal, unit uuid.UUID) (string, error) {
	path, err := q.UnitPath(ctx, warningdb.UnitPathParams{TenantID: p.TenantID, ID: unit})
	if apperr.Is(postgres.Err(err, "org unit"), apperr.NotFound) {
		return "", errNoUnit
	}
	if err != nil {
		return "", fmt.Errorf("warning: unit: %w", err)
	}
	if !p.Can(auth.PermMemberRead, auth.Scope{TenantID: p.TenantID, OrgPath: path}) {
		return "", errNoUnit
	}
	return path, nil
}

// List returns the warnings whose responsible unit lies under the unit,
// newest first.
func (s *Service) List(ctx context.Context, f Filter, first int, after *Cursor) (*Page, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	page := &Page{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := warningdb.New(tx)
		path, err := readableUnit(ctx, q, p, f.OrgUnitID)
		if err != nil {
			return err
		}
		arg := warningdb.WarningsParams{TenantID: p.TenantID, Path: path, Statuses: strs(f.Statuses), Rules: strs(f.Rules),
			HasCursor: after != nil, MaxRows: int32(first + 1)}
		if after != nil {
			arg.AfterAt, arg.AfterID = after.RaisedAt, after.ID
		}
		rows, err := q.Warnings(ctx, arg)
		if err != nil {
			return fmt.Errorf("warning: list: %w", err)
		}
		for _, r := range rows {
			page.Items = append(page.Items, warningFrom(p.TenantID, warningdb.WarningRow(r)))
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

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// Get returns one warning the caller may read.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (*Warning, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out *Warning
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		out, err = readable(ctx, warningdb.New(tx), p, id)
		return err
	})
	return out, err
}

func readable(ctx context.Context, q *warningdb.Queries, p *auth.Principal, id uuid.UUID) (*Warning, error) {
	r, err := q.Warning(ctx, warningdb.WarningParams{TenantID: p.TenantID, ID: id})
	if apperr.Is(postgres.Err(err, "warning"), apperr.NotFound) {
		return nil, errNoWarning
	}
	if err != nil {
		return nil, fmt.Errorf("warning: read: %w", err)
	}
	if !p.Can(auth.PermMemberRead, auth.Scope{TenantID: p.TenantID, OrgPath: r.Path}) {
		return nil, errNoWarning
	}
	return warningFrom(p.TenantID, r), nil
}

// Acknowledge says someone is on an open warning (warning.manage at its
// unit or above), with an optional note; it stops escalating.
func (s *Service) Acknowledge(ctx context.Context, id uuid.UUID, note string) (*Warning, error) {
	return s.answer(ctx, id, note, false)
}

// Resolve closes an open or acknowledged warning with a note saying what
// was done.
func (s *Service) Resolve(ctx context.Context, id uuid.UUID, note string) (*Warning, error) {
	return s.answer(ctx, id, note, true)
}

func (s *Service) answer(ctx context.Context, id uuid.UUID, note string, resolve bool) (*Warning, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	switch n := utf8.RuneCountInString(note); {
	case resolve && n == 0:
		return nil, apperr.InvalidField("note", "say what was done about it")
	case n > MaxNote:
		return nil, apperr.InvalidField("note", "at most 2000 characters") // MaxNote
	}
	var out *Warning
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := warningdb.New(tx)
		w, err := readable(ctx, q, p, id)
		if err != nil {
			return err
		}
		if !p.Can(auth.PermWarningManage, auth.Scope{TenantID: p.TenantID, OrgPath: w.path}) {
			return apperr.Forbiddenf("only the unit's admins (or those above) answer its warnings")
		}
		var n int64
		if resolve {
			n, err = q.Resolve(ctx, warningdb.ResolveParams{TenantID: p.TenantID, ID: id, By: p.Actor(), Note: note})
		} else {
			n, err = q.Acknowledge(ctx, warningdb.AcknowledgeParams{TenantID: p.TenantID, ID: id, By: p.Actor(), Note: note})
		}
		if err != nil {
			return fmt.Errorf("warning: answer: %w", err)
		}
		if n == 0 {
			switch {
			case w.Status == Cleared:
				return apperr.Conflictf("this warning was cleared: its cause went away")
			case resolve || w.Status == Resolved:
				return apperr.Conflictf("this warning is resolved already")
			default:
				return apperr.Conflictf("this warning is acknowledged already")
			}
		}
		out, err = readable(ctx, q, p, id)
		return err
	})
	return out, err
}

func warningFrom(tenant uuid.UUID, r warningdb.WarningRow) *Warning {
	w := &Warning{TenantID: tenant, ID: r.ID, Rule: Rule(r.Rule), OrgUnitID: r.OrgUnitID, AddressedUnitID: r.AddressedUnitID,
		Escalations: int(r.Escalations), PersonID: r.PersonID, SubjectType: r.SubjectType, SubjectID: r.SubjectID,
		Status: Status(r.Status), RaisedAt: r.RaisedAt, AcknowledgedAt: r.AcknowledgedAt, ResolvedAt: r.ResolvedAt, Note: r.Note, path: r.Path}
	_ = json.Unmarshal(r.Details, &w.Details)
	w.Label = w.Details.Label
	return w
}
