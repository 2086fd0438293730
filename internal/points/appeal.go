package points

// Appeals (申诉): a person disputes an entry or a period's score (or their
// branch does for them), with a reason; the organisation department
// upholds it with a compensating entry or rejects it with a note, and the
// person is told either way.

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/learning"
	"zhdj/internal/notify"
	"zhdj/internal/points/pointsdb"
	"zhdj/internal/postgres"
)

// AppealStatus is where an appeal stands.
type AppealStatus string

const (
	AppealOpen     AppealStatus = "open"
	AppealUpheld   AppealStatus = "upheld"   // with a compensating entry
	AppealRejected AppealStatus = "rejected" // with a note
)

// Appeal is a dispute of an entry or of a period's score.
type Appeal struct {
	TenantID     uuid.UUID
	ID           uuid.UUID
	PersonID     uuid.UUID
	EntryID      *uuid.UUID
	Period       *Period
	Reason       string
	Status       AppealStatus
	Resolution   string
	CorrectionID *uuid.UUID
	FiledBy      *uuid.UUID
	FiledAt      time.Time
	ResolvedBy   *uuid.UUID
	ResolvedAt   *time.Time
}

// AppealInput is an appeal to file.
type AppealInput struct {
	// PersonID is whose points (nil: the caller's own; another's needs
	// member.read at their unit: a branch appealing for its member).
	PersonID *uuid.UUID
	// One of: the entry disputed, or the period whose score is.
	EntryID *uuid.UUID
	Period  *Period
	Reason  string
}

func (in *AppealInput) validate() error {
	var v apperr.Validation
	if (in.EntryID == nil) == (in.Period == nil) {
		v.Add("entry", "an appeal disputes one entry or the score of one period")
	}
	if in.Period != nil {
		if err := ValidatePeriod(*in.Period); err != nil {
			return err
		}
	}
	if n := utf8.RuneCountInString(in.Reason); n < 1 || n > 1000 {
		v.Add("reason", "give the reason (1–1000 characters)")
	}
	return v.Err()
}

func appealFrom(tenant uuid.UUID, r pointsdb.AppealsRow) *Appeal {
	a := &Appeal{TenantID: tenant, ID: r.ID, PersonID: r.PersonID, EntryID: r.EntryID, Reason: r.Reason, Status: AppealStatus(r.Status),
		Resolution: r.Resolution, CorrectionID: r.CorrectionID, FiledBy: r.FiledBy, FiledAt: r.FiledAt, ResolvedBy: r.ResolvedBy, ResolvedAt: r.ResolvedAt}
	if r.PeriodFrom != nil && r.PeriodUntil != nil {
		a.Period = &Period{From: *r.PeriodFrom, Until: *r.PeriodUntil}
	}
	return a
}

// FileAppeal files an appeal.
func (s *Service) FileAppeal(ctx context.Context, in AppealInput) (*Appeal, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if err := in.validate(); err != nil {
		return nil, err
	}
	var out *Appeal
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := pointsdb.New(tx)
		person, err := reader(ctx, q, p, in.PersonID)
		if err != nil {
			return err
		}
		if in.EntryID != nil {
			e, err := q.EntryOf(ctx, pointsdb.EntryOfParams{TenantID: p.TenantID, ID: *in.EntryID})
			if err != nil || e.PersonID != person {
				return apperr.InvalidField("entry", "no such entry of this person's")
			}
		}
		arg := pointsdb.InsertAppealParams{TenantID: p.TenantID, PersonID: person, EntryID: in.EntryID, Reason: in.Reason, FiledBy: p.Actor()}
		if in.Period != nil {
			arg.PeriodFrom, arg.PeriodUntil = &in.Period.From, &in.Period.Until
		}
		row, err := q.InsertAppeal(ctx, arg)
		if postgres.IsUniqueViolation(err, "") {
			return apperr.Conflictf("this entry is under appeal already")
		}
		if err != nil {
			return fmt.Errorf("points: appeal: %w", err)
		}
		out = &Appeal{TenantID: p.TenantID, ID: row.ID, PersonID: person, EntryID: in.EntryID, Period: in.Period, Reason: in.Reason,
			Status: AppealOpen, FiledBy: p.Actor(), FiledAt: row.FiledAt}
		return nil
	})
	return out, err
}

// Resolution is the organisation department's answer to an appeal.
type Resolution struct {
	AppealID uuid.UUID
	Uphold   bool
	// Amount is the compensating entry of an upheld appeal (±1–1000).
	Amount int
	// Note is the answer the person reads (and an upheld appeal's
	// correction's reason).
	Note string
	// Kind is what an upheld appeal of a score counts under (optional; an
	// entry's correction counts under the entry's kind).
	Kind *learning.FactKind
}

// ResolveAppeal upholds (with a compensating entry) or rejects an open
// appeal (points.manage school-wide: the organisation department) and
// tells the person.
func (s *Service) ResolveAppeal(ctx context.Context, in Resolution) (*Appeal, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	in.Note = strings.TrimSpace(in.Note)
	var v apperr.Validation
	if n := utf8.RuneCountInString(in.Note); n < 1 || n > 500 {
		v.Add("note", "give the answer (1–500 characters)")
	}
	if in.Uphold {
		checkAmount(&v, in.Amount)
	}
	if !in.Uphold && (in.Amount != 0 || in.Kind != nil) {
		v.Add("amount", "a rejected appeal changes no points")
	}
	if in.Kind != nil && DefaultRules[*in.Kind].Kind == "" {
		v.Add("kind", "no points are awarded for this kind of fact")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var out *Appeal
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := pointsdb.New(tx)
		row, err := q.AppealForUpdate(ctx, pointsdb.AppealForUpdateParams{TenantID: p.TenantID, ID: in.AppealID})
		if apperr.Is(postgres.Err(err, "appeal"), apperr.NotFound) {
			return errNoAppeal
		}
		if err != nil {
			return fmt.Errorf("points: appeal: %w", err)
		}
		if !p.Can(auth.PermPointsManage, auth.Scope{TenantID: p.TenantID}) {
			if p.Can(auth.PermMemberRead, auth.Scope{TenantID: p.TenantID, OrgPath: row.OrgPath}) {
				return apperr.Forbiddenf("only the organisation department resolves appeals")
			}
			return errNoAppeal
		}
		a := appealFrom(p.TenantID, pointsdb.AppealsRow{ID: row.ID, PersonID: row.PersonID, EntryID: row.EntryID, PeriodFrom: row.PeriodFrom,
			PeriodUntil: row.PeriodUntil, Reason: row.Reason, Status: row.Status, FiledBy: row.FiledBy, FiledAt: row.FiledAt})
		if a.Status != AppealOpen {
			return apperr.Conflictf("this appeal is resolved already")
		}
		if in.Kind != nil && a.EntryID != nil {
			return apperr.InvalidField("kind", "a correction of an entry counts under its kind; else name a kind of fact")
		}
		now := s.now()
		a.Status, a.Resolution, a.ResolvedBy, a.ResolvedAt = AppealRejected, in.Note, p.Actor(), &now
		if in.Uphold {
			e, err := s.writeCorrection(ctx, q, p, CorrectionInput{PersonID: a.PersonID, Amount: in.Amount, Reason: in.Note, Corrects: a.EntryID,
				Kind: in.Kind},
				uuid.New(), "appeal:"+a.ID.String())
			if err != nil {
				return err
			}
			a.Status, a.CorrectionID = AppealUpheld, &e.ID
		}
		if err := q.ResolveAppeal(ctx, pointsdb.ResolveAppealParams{TenantID: p.TenantID, ID: a.ID, Status: string(a.Status), Resolution: a.Resolution,
			CorrectionID: a.CorrectionID, ResolvedBy: a.ResolvedBy, ResolvedAt: &now}); err != nil {
			return fmt.Errorf("points: resolve: %w", err)
		}
		outcome := "申诉未获支持"
		if in.Uphold {
			outcome = fmt.Sprintf("申诉已获支持，积分更正 %+d", in.Amount)
		}
		if _, err := notify.Deliver(ctx, tx, p.TenantID, notify.Notice{Kind: notify.AppealResolved, Cause: "appeal:" + a.ID.String(),
			SubjectType: "points_appeal", SubjectID: a.ID, Title: "积分申诉", Body: outcome + "：" + in.Note}, []uuid.UUID{a.PersonID}); err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, err
}

var errNoAppeal = apperr.NotFoundf("appeal not found")

// AppealFilter picks appeals: the caller's own (Mine), or those of the
// people under a unit (member.read there); of a status, or all.
type AppealFilter struct {
	Mine      bool
	OrgUnitID *uuid.UUID
	Status    *AppealStatus
}

// AppealPage is a page of appeals, latest first.
type AppealPage struct {
	Items   []*Appeal
	HasNext bool
}

// Appeals lists appeals, latest first.
func (s *Service) Appeals(ctx context.Context, f AppealFilter, first int, after *Cursor) (*AppealPage, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	page := &AppealPage{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := pointsdb.New(tx)
		arg := pointsdb.AppealsParams{TenantID: p.TenantID, HasCursor: after != nil, MaxRows: int32(first + 1), Status: (*string)(f.Status)}
		if after != nil {
			arg.AfterAt, arg.AfterID = after.OccurredAt, after.ID
		}
		switch {
		case f.Mine:
			_, me, err := auth.RequirePerson(ctx)
			if err != nil {
				return err
			}
			arg.PersonID = &me
		case f.OrgUnitID != nil:
			path, err := readableUnit(ctx, q, p, *f.OrgUnitID)
			if err != nil {
				return err
			}
			arg.Path = &path
		default:
			return apperr.InvalidField("orgUnit", "name the unit whose appeals to list, or ask for your own")
		}
		rows, err := q.Appeals(ctx, arg)
		if err != nil {
			return fmt.Errorf("points: appeals: %w", err)
		}
		for _, r := range rows {
			page.Items = append(page.Items, appealFrom(p.TenantID, r))
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

// EntriesByIDs reads entries of a school by id (for what the caller was
// allowed to see: an appeal's entry and correction), with their rules.
func (s *Service) EntriesByIDs(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*Entry, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	out := map[uuid.UUID]*Entry{}
	if p.TenantID != tenant {
		return out, nil
	}
	err = postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		q := pointsdb.New(tx)
		rows, err := q.EntriesByIDs(ctx, pointsdb.EntriesByIDsParams{TenantID: tenant, Ids: ids})
		if err != nil {
			return fmt.Errorf("points: entries: %w", err)
		}
		list := make([]*Entry, len(rows))
		for i, r := range rows {
			list[i] = entryFrom(tenant, pointsdb.HistoryRow(r))
			out[r.ID] = list[i]
		}
		return withRules(ctx, q, tenant, list)
	})
	return out, err
}
