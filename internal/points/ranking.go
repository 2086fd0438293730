package points

// The assessment use cases: the scheme, a person's score (and why),
// rankings of people and of units, their export.

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/audit"
	"zhdj/internal/auth"
	"zhdj/internal/points/pointsdb"
	"zhdj/internal/postgres"
	"zhdj/internal/sheet"
)

var errUnitNotFound = apperr.NotFoundf("org unit not found")

// SchemeInput is a new version of the school's assessment scheme.
type SchemeInput struct {
	Indicators           []IndicatorSetting
	ShowPersonalRankings bool
	// EffectiveFrom is when it takes effect (nil: now); never before now.
	EffectiveFrom *time.Time
}

// SetScheme adds a version of the school's assessment scheme (points.manage
// school-wide), in force from its date on.
func (s *Service) SetScheme(ctx context.Context, in SchemeInput) (*Scheme, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(auth.PermPointsManage, auth.Scope{TenantID: p.TenantID}) {
		return nil, apperr.Forbiddenf("only the organisation department sets how the school is assessed")
	}
	if err := validateIndicators(in.Indicators); err != nil {
		return nil, err
	}
	now := s.now()
	from := now
	if in.EffectiveFrom != nil {
		if in.EffectiveFrom.Before(now.Add(-time.Minute)) {
			return nil, apperr.InvalidField("effectiveFrom", "a scheme takes effect from now on: the periods before keep theirs")
		}
		from = maxTime(now, *in.EffectiveFrom)
	}
	raw, err := json.Marshal(in.Indicators)
	if err != nil {
		return nil, err
	}
	var out *Scheme
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		row, err := pointsdb.New(tx).InsertScheme(ctx, pointsdb.InsertSchemeParams{TenantID: p.TenantID, Indicators: raw,
			ShowPersonalRankings: in.ShowPersonalRankings, EffectiveFrom: from, CreatedBy: p.Actor()})
		if postgres.IsUniqueViolation(err, "") {
			return apperr.Conflictf("a scheme already takes effect at that time")
		}
		if err != nil {
			return fmt.Errorf("points: set scheme: %w", err)
		}
		out = schemeFrom(p.TenantID, row.ID, raw, in.ShowPersonalRankings, from, row.CreatedAt)
		return nil
	})
	return out, err
}

func schemes(ctx context.Context, q *pointsdb.Queries, tenant uuid.UUID) ([]*Scheme, error) {
	rows, err := q.Schemes(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("points: schemes: %w", err)
	}
	out := make([]*Scheme, len(rows))
	for i, r := range rows {
		out[i] = schemeFrom(tenant, r.ID, r.Indicators, r.ShowPersonalRankings, r.EffectiveFrom, r.CreatedAt)
	}
	return out, nil
}

// schemeFor is the scheme a period is assessed by: the one in force at
// its end, or now while it lasts.
func (s *Service) schemeFor(ctx context.Context, q *pointsdb.Queries, tenant uuid.UUID, period Period) (*Scheme, error) {
	versions, err := schemes(ctx, q, tenant)
	if err != nil {
		return nil, err
	}
	return schemeAt(versions, tenant, minTime(s.now(), period.Until.Add(-time.Nanosecond))), nil
}

// SchemeNow is the scheme in force now, to anyone of the school.
func (s *Service) SchemeNow(ctx context.Context) (*Scheme, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out *Scheme
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		versions, err := schemes(ctx, pointsdb.New(tx), p.TenantID)
		out = schemeAt(versions, p.TenantID, s.now())
		return err
	})
	return out, err
}

// ScoreOf is a person's (nil: the caller's) score in a period, with each
// indicator and the kinds behind it (their entries: History by kind).
func (s *Service) ScoreOf(ctx context.Context, person *uuid.UUID, period Period) (*Score, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := ValidatePeriod(period); err != nil {
		return nil, err
	}
	var out *Score
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := pointsdb.New(tx)
		id, err := reader(ctx, q, p, person)
		if err != nil {
			return err
		}
		scheme, err := s.schemeFor(ctx, q, p.TenantID, period)
		if err != nil {
			return err
		}
		from, until := Days(period)
		rows, err := q.PersonPoints(ctx, pointsdb.PersonPointsParams{TenantID: p.TenantID, PersonID: id, FromDay: from, UntilDay: until})
		if err != nil {
			return fmt.Errorf("points: person points: %w", err)
		}
		pp := &personPoints{ID: id, Has: map[string]KindTotal{}}
		for _, r := range rows {
			pp.Has[r.Kind] = KindTotal{Kind: r.Kind, Points: int(r.Points), Entries: int(r.Entries)}
		}
		out = scheme.scored(pp, period)
		return nil
	})
	return out, err
}

// peopleOf scores the people assessed under a unit (path) in a period.
func peopleOf(ctx context.Context, q *pointsdb.Queries, tenant uuid.UUID, path string, scheme *Scheme, period Period) ([]*Ranked, error) {
	var rows []pointsdb.PeoplePointsRow
	var err error
	if kind, start, ok := Calendar(period); ok {
		var got []pointsdb.PeoplePeriodPointsRow
		got, err = q.PeoplePeriodPoints(ctx, pointsdb.PeoplePeriodPointsParams{TenantID: tenant, Path: path, PeriodKind: kind, PeriodStart: start})
		for _, r := range got {
			rows = append(rows, pointsdb.PeoplePointsRow(r))
		}
	} else {
		from, until := Days(period)
		rows, err = q.PeoplePoints(ctx, pointsdb.PeoplePointsParams{TenantID: tenant, Path: path, FromDay: from, UntilDay: until})
	}
	if err != nil {
		return nil, fmt.Errorf("points: people's points: %w", err)
	}
	byID := map[uuid.UUID]*personPoints{}
	var order []*personPoints
	for _, r := range rows {
		pp := byID[r.ID]
		if pp == nil {
			pp = &personPoints{ID: r.ID, Name: r.Name, OrgUnitID: r.OrgUnitID, OrgPath: r.OrgPath, Has: map[string]KindTotal{}}
			byID[r.ID] = pp
			order = append(order, pp)
		}
		if r.Kind != nil {
			pp.Has[*r.Kind] = KindTotal{Kind: *r.Kind, Points: int(r.Points), Entries: int(r.Entries)}
		}
	}
	out := make([]*Ranked, len(order))
	for i, pp := range order {
		out[i] = &Ranked{PersonID: pp.ID, Name: pp.Name, OrgUnitID: pp.OrgUnitID, orgPath: pp.OrgPath, Score: scheme.scored(pp, period)}
	}
	return out, nil
}

// readableUnit reads the path of a unit whose member records the caller
// reads (its admins and those above); to others it is not found.
func readableUnit(ctx context.Context, q *pointsdb.Queries, p *auth.Principal, unit uuid.UUID) (string, error) {
	path, err := unitPath(ctx, q, p.TenantID, unit)
	if err != nil {
		return "", err
	}
	if !p.Can(auth.PermMemberRead, auth.Scope{TenantID: p.TenantID, OrgPath: path}) {
		return "", errUnitNotFound
	}
	return path, nil
}

// rankingOf reads who may see the ranking of the people of a unit: those
// who read its member records, and, where the school shows personal
// rankings, the people of the unit; to others of the unit it is
// forbidden, and to the rest the unit is not found.
func rankingOf(ctx context.Context, q *pointsdb.Queries, p *auth.Principal, path string, scheme *Scheme) error {
	if p.Can(auth.PermMemberRead, auth.Scope{TenantID: p.TenantID, OrgPath: path}) {
		return nil
	}
	if p.PersonID != nil {
		mine, err := q.PersonUnitPath(ctx, pointsdb.PersonUnitPathParams{TenantID: p.TenantID, ID: *p.PersonID})
		if err == nil && auth.Within(mine, path) {
			if scheme.ShowPersonalRankings {
				return nil
			}
			return apperr.Forbiddenf("personal rankings are not shown to members in this school")
		}
	}
	return errUnitNotFound
}

// RankCursor is a position in a ranking (best first).
type RankCursor struct {
	Score float64
	Name  string
	ID    uuid.UUID
}

// RankingPage is a page of a ranking of people.
type RankingPage struct {
	Items   []*Ranked
	HasNext bool
	Total   int // people ranked
}

// RankPeople ranks the people assessed under a unit in a period, best
// first, a page at a time.
func (s *Service) RankPeople(ctx context.Context, unit uuid.UUID, period Period, first int, after *RankCursor) (*RankingPage, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	if err := ValidatePeriod(period); err != nil {
		return nil, err
	}
	var all []*Ranked
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := pointsdb.New(tx)
		path, err := unitPath(ctx, q, p.TenantID, unit)
		if err != nil {
			return err
		}
		scheme, err := s.schemeFor(ctx, q, p.TenantID, period)
		if err != nil {
			return err
		}
		if err := rankingOf(ctx, q, p, path, scheme); err != nil {
			return err
		}
		all, err = peopleOf(ctx, q, p.TenantID, path, scheme, period)
		return err
	})
	if err != nil {
		return nil, err
	}
	rank(all, false)
	page := &RankingPage{Total: len(all)}
	start := 0
	if after != nil {
		start = len(all)
		for i, r := range all {
			if r.PersonID == after.ID {
				start = i + 1
				break
			}
			// The one at the cursor is gone (moved away): resume where it
			// would stand.
			if r.Score.Score < after.Score || r.Score.Score == after.Score && r.Name > after.Name {
				start = i
				break
			}
		}
	}
	end := min(len(all), start+first)
	page.Items, page.HasNext = all[start:end], end < len(all)
	return page, nil
}

// RankUnits ranks the units right under parent by their people's mean
// score in a period (those who read parent's member records; elsewhere
// the unit is not found).
func (s *Service) RankUnits(ctx context.Context, parent uuid.UUID, period Period) ([]*Ranked, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := ValidatePeriod(period); err != nil {
		return nil, err
	}
	var out []*Ranked
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := pointsdb.New(tx)
		path, err := readableUnit(ctx, q, p, parent)
		if err != nil {
			return err
		}
		scheme, err := s.schemeFor(ctx, q, p.TenantID, period)
		if err != nil {
			return err
		}
		children, err := q.ChildUnits(ctx, pointsdb.ChildUnitsParams{TenantID: p.TenantID, ParentID: &parent})
		if err != nil {
			return fmt.Errorf("points: units: %w", err)
		}
		people, err := peopleOf(ctx, q, p.TenantID, path, scheme, period)
		if err != nil {
			return err
		}
		for _, c := range children {
			var scores []*Score
			for _, r := range people {
				if auth.Within(r.orgPath, c.Path) {
					scores = append(scores, r.Score)
				}
			}
			out = append(out, &Ranked{Name: c.Name, OrgUnitID: c.ID, People: len(scores), Score: mean(scheme, period, scores)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rank(out, true)
	return out, nil
}

// rankingHeaders are the columns of an exported ranking (the indicators'
// follow).
var rankingHeaders = []string{"名次", "姓名", "所在组织", "总分", "积分"}

// indicatorNames are the indicators' column names in an export.
var indicatorNames = map[Indicator]string{IndicatorLearning: "学习", IndicatorTasks: "任务", IndicatorVolunteering: "志愿服务", IndicatorMeetings: "组织生活"}

// ExportRanking writes the ranking of the people under a unit in a period
// as an .xlsx file (those who read the unit's member records), each
// indicator's score in its column.
func (s *Service) ExportRanking(ctx context.Context, unit uuid.UUID, period Period) (*sheet.File, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := ValidatePeriod(period); err != nil {
		return nil, err
	}
	var all []*Ranked
	var scheme *Scheme
	names := map[uuid.UUID]string{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := pointsdb.New(tx)
		path, err := readableUnit(ctx, q, p, unit)
		if err != nil {
			return err
		}
		if scheme, err = s.schemeFor(ctx, q, p.TenantID, period); err != nil {
			return err
		}
		if all, err = peopleOf(ctx, q, p.TenantID, path, scheme, period); err != nil {
			return err
		}
		var ids []uuid.UUID
		for _, r := range all {
			ids = append(ids, r.OrgUnitID)
		}
		rows, err := q.UnitNames(ctx, pointsdb.UnitNamesParams{TenantID: p.TenantID, Ids: ids})
		if err != nil {
			return fmt.Errorf("points: unit names: %w", err)
		}
		for _, r := range rows {
			names[r.ID] = r.Name
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rank(all, false)
	headers := append([]string{}, rankingHeaders...)
	for _, set := range scheme.Indicators {
		headers = append(headers, fmt.Sprintf("%s（%d%%）", indicatorNames[set.Indicator], set.Weight))
	}
	w, err := sheet.New("考核排名", headers)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	num := func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	for _, r := range all {
		row := []string{strconv.Itoa(r.Rank), sheet.SafeCell(r.Name), sheet.SafeCell(names[r.OrgUnitID]), num(r.Score.Score), strconv.Itoa(r.Points)}
		for _, is := range r.Indicators {
			row = append(row, num(is.Score))
		}
		if err := w.Row(row); err != nil {
			return nil, err
		}
	}
	file, err := w.Finish(s.now().In(Beijing))
	if err != nil {
		return nil, err
	}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, p.TenantID, audit.Event{Action: audit.ActionExport, ActorID: p.Actor(), TargetType: "assessment_ranking",
			TargetID: unit.String(), Detail: map[string]any{"rows": len(all), "from": period.From, "until": period.Until}})
	})
	if err != nil {
		file.Close()
		return nil, err
	}
	return file, nil
}
