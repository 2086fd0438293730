package meeting

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/checkin"
	"zhdj/internal/jobs"
	"zhdj/internal/learning"
	"zhdj/internal/media"
	"zhdj/internal/meeting/meetingdb"
	"zhdj/internal/member"
	"zhdj/internal/postgres"
)

// Service is the events use cases: scheduling, attendance, minutes.
type Service struct {
	pool *pgxpool.Pool
	jobs jobs.Inserter
	now  func() time.Time
}

// NewService returns a Service over pool.
func NewService(pool *pgxpool.Pool, inserter jobs.Inserter) *Service {
	return &Service{pool: pool, jobs: inserter, now: time.Now}
}

var (
	errNoEvent   = apperr.NotFoundf("event not found")
	errNoManage  = apperr.Forbiddenf("you may not manage the events of this org unit")
	errNotExpect = apperr.Forbiddenf("you are not expected at this event")
	errCancelled = apperr.Conflictf("the event was cancelled")
)

func rules(ctx context.Context, q *meetingdb.Queries, tenant uuid.UUID) (Rules, error) {
	settings, err := q.TenantSettings(ctx, tenant)
	if err != nil {
		return Rules{}, fmt.Errorf("meeting: the school's rules: %w", err)
	}
	return RulesFrom(settings), nil
}

func canManage(p *auth.Principal, path string) bool {
	return p.Can(auth.PermEventManage, auth.Scope{TenantID: p.TenantID, OrgPath: path})
}

// DefaultStages are who is expected when an event names none.
var DefaultStages = []member.Stage{member.StageProbationary, member.StageFull}

// Schedule schedules an event of an org unit (event.manage there), or
// records one that took place, and expects its members (of the stages
// given) at it.
func (s *Service) Schedule(ctx context.Context, in ScheduleInput) (*Event, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := in.validate(now); err != nil {
		return nil, err
	}
	if len(in.Stages) == 0 {
		in.Stages = DefaultStages
	}
	secret, err := checkin.NewSecret()
	if err != nil {
		return nil, err
	}
	var out *Event
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := meetingdb.New(tx)
		path, err := q.UnitPath(ctx, meetingdb.UnitPathParams{TenantID: p.TenantID, ID: in.OrgUnitID})
		if apperr.Is(postgres.Err(err, "org unit"), apperr.NotFound) {
			return apperr.InvalidField("orgUnit", "no such org unit")
		}
		if err != nil {
			return fmt.Errorf("meeting: org unit: %w", err)
		}
		if !canManage(p, path) {
			return errNoManage
		}
		if in.LessonID != nil {
			l, err := q.LessonStatus(ctx, meetingdb.LessonStatusParams{TenantID: p.TenantID, ID: *in.LessonID})
			if err != nil || l.Type != "micro_lesson" || l.Status != "published" {
				return apperr.InvalidField("lesson", "must be a published micro-lesson")
			}
		}
		row, err := q.InsertEvent(ctx, meetingdb.InsertEventParams{TenantID: p.TenantID, OrgUnitID: in.OrgUnitID, Kind: string(in.Kind), Title: in.Title,
			StartsAt: in.StartsAt, EndsAt: in.EndsAt, Place: in.Place, OnlineUrl: in.OnlineURL, LessonID: in.LessonID, Agenda: in.Agenda,
			CodeSecret: secret, CreatedBy: p.Actor()})
		if err != nil {
			return fmt.Errorf("meeting: schedule: %w", err)
		}
		stages := make([]string, len(in.Stages))
		for i, st := range in.Stages {
			stages[i] = string(st)
		}
		if _, err := q.ExpectAttendees(ctx, meetingdb.ExpectAttendeesParams{TenantID: p.TenantID, EventID: row.ID, Path: path, Stages: stages}); err != nil {
			return fmt.Errorf("meeting: attendees: %w", err)
		}
		out = &Event{TenantID: p.TenantID, ID: row.ID, OrgUnitID: in.OrgUnitID, orgPath: path, Kind: in.Kind, Title: in.Title, StartsAt: in.StartsAt,
			EndsAt: in.EndsAt, Place: in.Place, OnlineURL: in.OnlineURL, LessonID: in.LessonID, Agenda: in.Agenda, CreatedAt: row.CreatedAt,
			UpdatedAt: row.UpdatedAt, secret: secret, MinutesFiles: []uuid.UUID{}}
		if !in.Record {
			return s.remind(ctx, tx, q, out, now)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func eventFrom(tenant uuid.UUID, r meetingdb.GetEventRow) *Event {
	return &Event{TenantID: tenant, ID: r.ID, OrgUnitID: r.OrgUnitID, orgPath: r.OrgPath, Kind: Kind(r.Kind), Title: r.Title, StartsAt: r.StartsAt,
		EndsAt: r.EndsAt, Place: r.Place, OnlineURL: r.OnlineUrl, LessonID: r.LessonID, Agenda: r.Agenda, CreatedAt: r.CreatedAt, secret: r.CodeSecret,
		Minutes: r.Minutes, MinutesFiles: r.MinutesFiles, MinutesAt: r.MinutesAt, MinutesLate: r.MinutesLate, UpdatedAt: r.UpdatedAt,
		CancelledAt: r.CancelledAt, CancelReason: r.CancelReason}
}

// withoutMinutes leaves an event's minutes out for a reader who does not
// manage it (attendees read them through their own list).
func withoutMinutes(p *auth.Principal, e *Event) *Event {
	if !canManage(p, e.orgPath) {
		e.Minutes, e.MinutesFiles = nil, []uuid.UUID{}
	}
	return e
}

func load(ctx context.Context, q *meetingdb.Queries, tenant, id uuid.UUID) (*Event, error) {
	r, err := q.GetEvent(ctx, meetingdb.GetEventParams{TenantID: tenant, ID: id})
	if apperr.Is(postgres.Err(err, "event"), apperr.NotFound) {
		return nil, errNoEvent
	}
	if err != nil {
		return nil, fmt.Errorf("meeting: load: %w", err)
	}
	return eventFrom(tenant, r), nil
}

// ByIDs returns the events among ids, to anyone signed in to the school
// (minutes to their managers only).
func (s *Service) ByIDs(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*Event, error) {
	p := auth.FromContext(ctx)
	out := map[uuid.UUID]*Event{}
	if p == nil || p.TenantID != tenant || len(ids) == 0 {
		return out, nil
	}
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		rows, err := meetingdb.New(tx).EventsByIDs(ctx, meetingdb.EventsByIDsParams{TenantID: tenant, Ids: ids})
		if err != nil {
			return fmt.Errorf("meeting: by ids: %w", err)
		}
		for _, r := range rows {
			out[r.ID] = withoutMinutes(p, eventFrom(tenant, meetingdb.GetEventRow(r)))
		}
		return nil
	})
	return out, err
}

// List returns a page of the events of an org unit and the units below
// that start in [from, until), earliest first, to anyone signed in to the
// school.
func (s *Service) List(ctx context.Context, unit uuid.UUID, from, until time.Time, first int, after *Cursor) (*Page, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	if !until.After(from) || until.Sub(from) > 366*24*time.Hour {
		return nil, apperr.InvalidField("to", "must be after from, within a year")
	}
	page := &Page{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := meetingdb.New(tx)
		path, err := q.UnitPath(ctx, meetingdb.UnitPathParams{TenantID: p.TenantID, ID: unit})
		if err != nil {
			return postgres.Err(err, "org unit")
		}
		arg := meetingdb.EventsUnderParams{TenantID: p.TenantID, Path: path, FromAt: from, UntilAt: until, HasCursor: after != nil, MaxRows: int32(first + 1)}
		if after != nil {
			arg.AfterAt, arg.AfterID = after.StartsAt, after.ID
		}
		rows, err := q.EventsUnder(ctx, arg)
		if err != nil {
			return fmt.Errorf("meeting: list: %w", err)
		}
		for _, r := range rows {
			page.Items = append(page.Items, withoutMinutes(p, eventFrom(p.TenantID, meetingdb.GetEventRow(r))))
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

// Mine returns a page of the events the caller is expected at that start
// in [from, until), earliest first, with their minutes.
func (s *Service) Mine(ctx context.Context, from, until time.Time, first int, after *Cursor) (*Page, error) {
	p, person, err := auth.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	if !until.After(from) || until.Sub(from) > 366*24*time.Hour {
		return nil, apperr.InvalidField("to", "must be after from, within a year")
	}
	page := &Page{}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		arg := meetingdb.MyEventsParams{TenantID: p.TenantID, PersonID: person, FromAt: from, UntilAt: until, HasCursor: after != nil, MaxRows: int32(first + 1)}
		if after != nil {
			arg.AfterAt, arg.AfterID = after.StartsAt, after.ID
		}
		rows, err := meetingdb.New(tx).MyEvents(ctx, arg)
		if err != nil {
			return fmt.Errorf("meeting: my events: %w", err)
		}
		for _, r := range rows {
			page.Items = append(page.Items, eventFrom(p.TenantID, meetingdb.GetEventRow(r)))
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

// CheckInCode returns the code to show attendees on site (the event's
// managers), from when check-in opens until the event ends.
func (s *Service) CheckInCode(ctx context.Context, id uuid.UUID) (*checkin.Code, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	var out checkin.Code
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := meetingdb.New(tx)
		e, err := load(ctx, q, p.TenantID, id)
		if err != nil {
			return err
		}
		if !canManage(p, e.orgPath) {
			return errNoManage
		}
		r, err := rules(ctx, q, p.TenantID)
		if err != nil {
			return err
		}
		if err := checkInOpen(e, r, s.now()); err != nil {
			return err
		}
		out = checkin.Make(e.secret, e.ID, "in", s.now(), r.CodeWindowSeconds)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func checkInOpen(e *Event, r Rules, now time.Time) error {
	switch {
	case e.Cancelled():
		return errCancelled
	case now.Before(e.StartsAt.Add(-time.Duration(r.CheckInOpensMinutes) * time.Minute)):
		return apperr.InvalidField("event", "check-in has not opened yet")
	case !now.Before(e.EndsAt):
		return apperr.InvalidField("event", "the event has ended: ask its organiser to mark your attendance")
	}
	return nil
}

// CheckIn records the caller present: with the code shown on site, or
// (code "") online, having watched the event's micro-lesson while the
// event ran. Presence is the event_attended learning fact, written once.
func (s *Service) CheckIn(ctx context.Context, id uuid.UUID, code string) (*Attendance, error) {
	p, person, err := auth.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	code = strings.TrimSpace(code)
	var out *Attendance
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := meetingdb.New(tx)
		e, a, err := expected(ctx, q, p.TenantID, id, person)
		if err != nil {
			return err
		}
		if Status(a.Status) == Present {
			out = attendanceFrom(p.TenantID, id, meetingdb.SetAttendanceRow(a))
			return nil
		}
		r, err := rules(ctx, q, p.TenantID)
		if err != nil {
			return err
		}
		now := s.now()
		if err := checkInOpen(e, r, now); err != nil {
			return err
		}
		how := "code"
		if code == "" {
			if e.LessonID == nil {
				return apperr.InvalidField("code", "enter the code shown at the event")
			}
			ok, err := learning.WatchedDuring(ctx, tx, p.TenantID, person, *e.LessonID, e.StartsAt, e.EndsAt)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.InvalidField("code", "watch the event's micro-lesson to the end while the event runs, or enter the code shown at the event")
			}
			how = "online"
		} else if !checkin.Verify(e.secret, e.ID, "in", code, now, r.CodeWindowSeconds) {
			return apperr.InvalidField("code", "the code is wrong or has expired; ask the organiser for the current one")
		}
		out, err = s.present(ctx, tx, p, e, person, how, now, "")
		return err
	})
	return out, err
}

// expected loads an event and the caller's attendance of it (held until
// the transaction ends); not being expected there is Forbidden.
func expected(ctx context.Context, q *meetingdb.Queries, tenant, id, person uuid.UUID) (*Event, meetingdb.AttendeeForUpdateRow, error) {
	e, err := load(ctx, q, tenant, id)
	if err != nil {
		return nil, meetingdb.AttendeeForUpdateRow{}, err
	}
	if e.Cancelled() {
		return nil, meetingdb.AttendeeForUpdateRow{}, errCancelled
	}
	a, err := q.AttendeeForUpdate(ctx, meetingdb.AttendeeForUpdateParams{TenantID: tenant, EventID: id, PersonID: person})
	switch {
	case apperr.Is(postgres.Err(err, "attendee"), apperr.NotFound):
		return nil, a, errNotExpect
	case err != nil:
		return nil, a, fmt.Errorf("meeting: attendance: %w", err)
	}
	return e, a, nil
}

// present marks person present at e and records the learning fact.
func (s *Service) present(ctx context.Context, tx pgx.Tx, p *auth.Principal, e *Event, person uuid.UUID, how string, now time.Time, reason string) (*Attendance, error) {
	row, err := meetingdb.New(tx).SetAttendance(ctx, meetingdb.SetAttendanceParams{TenantID: p.TenantID, EventID: e.ID, PersonID: person,
		Status: string(Present), CheckedInBy: &how, CheckedInAt: &now, Reason: reason, MarkedBy: p.Actor()})
	if err != nil {
		return nil, fmt.Errorf("meeting: present: %w", err)
	}
	if _, err := learning.RecordFact(ctx, tx, p.TenantID, learning.Fact{PersonID: person, Kind: learning.FactEventAttended, SourceType: "event",
		SourceID: e.ID, OccurredAt: now, RecordedBy: p.Actor(), Details: map[string]any{"kind": e.Kind, "how": how}}); err != nil {
		return nil, err
	}
	return attendanceFrom(p.TenantID, e.ID, row), nil
}

func attendanceFrom(tenant, event uuid.UUID, r meetingdb.SetAttendanceRow) *Attendance {
	return &Attendance{TenantID: tenant, EventID: event, PersonID: r.PersonID, Voting: r.Voting, Status: Status(r.Status),
		CheckedInBy: deref(r.CheckedInBy), CheckedInAt: r.CheckedInAt, Reason: r.Reason, UpdatedAt: r.UpdatedAt}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// RequestLeave records the caller's leave, with a reason, before the
// event starts.
func (s *Service) RequestLeave(ctx context.Context, id uuid.UUID, reason string) (*Attendance, error) {
	p, person, err := auth.RequirePerson(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if n := chars(reason); n < 1 || n > 500 {
		return nil, apperr.InvalidField("reason", "give a reason (1–500 characters)")
	}
	var out *Attendance
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := meetingdb.New(tx)
		e, a, err := expected(ctx, q, p.TenantID, id, person)
		if err != nil {
			return err
		}
		switch {
		case !s.now().Before(e.StartsAt):
			return apperr.InvalidField("event", "leave is asked for before the event starts; ask its organiser to record it")
		case Status(a.Status) == Present:
			return apperr.Conflictf("you have already checked in")
		}
		row, err := q.SetAttendance(ctx, meetingdb.SetAttendanceParams{TenantID: p.TenantID, EventID: id, PersonID: person, Status: string(OnLeave),
			Reason: reason, MarkedBy: p.Actor()})
		if err != nil {
			return fmt.Errorf("meeting: leave: %w", err)
		}
		out = attendanceFrom(p.TenantID, id, row)
		return nil
	})
	return out, err
}

// Mark records an attendee's attendance as the event's manager, once it
// has started: present (forgot to check in), on leave or absent, with a
// reason for an absence or a leave (the organiser's note). An absence is
// a learning fact (points deduct for it); marking the person present or
// on leave afterwards withdraws it (a fact that gives the points back;
// an absence counts once per event).
func (s *Service) Mark(ctx context.Context, id, person uuid.UUID, st Status, reason string) (*Attendance, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case st != Present && st != OnLeave && st != Absent:
		return nil, apperr.InvalidField("status", "must be present, leave or absent")
	case st != Present && reason == "":
		return nil, apperr.InvalidField("reason", "give the reason")
	case chars(reason) > 500:
		return nil, apperr.InvalidField("reason", "at most 500 characters")
	}
	var out *Attendance
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := meetingdb.New(tx)
		e, err := load(ctx, q, p.TenantID, id)
		if err != nil {
			return err
		}
		if !canManage(p, e.orgPath) {
			return errNoManage
		}
		if e.Cancelled() {
			return errCancelled
		}
		now := s.now()
		if now.Before(e.StartsAt) {
			return apperr.InvalidField("event", "attendance is marked once the event has started")
		}
		a, err := q.AttendeeForUpdate(ctx, meetingdb.AttendeeForUpdateParams{TenantID: p.TenantID, EventID: id, PersonID: person})
		if apperr.Is(postgres.Err(err, "attendee"), apperr.NotFound) {
			return apperr.InvalidField("person", "not expected at this event")
		}
		if err != nil {
			return fmt.Errorf("meeting: mark: %w", err)
		}
		was := Status(a.Status)
		// An absence is a fact (points deduct for it); its withdrawal too.
		absence := func(kind learning.FactKind) error {
			_, err := learning.RecordFact(ctx, tx, p.TenantID, learning.Fact{PersonID: person, Kind: kind, SourceType: "event",
				SourceID: e.ID, OccurredAt: now, RecordedBy: p.Actor(), Details: map[string]any{"kind": e.Kind, "reason": reason}})
			return err
		}
		if was == Absent && st != Absent {
			if err := absence(learning.FactAbsenceWithdrawn); err != nil {
				return err
			}
		}
		if st == Present {
			if was == Present {
				out = attendanceFrom(p.TenantID, id, meetingdb.SetAttendanceRow(a))
				return nil
			}
			out, err = s.present(ctx, tx, p, e, person, "organiser", now, reason)
			return err
		}
		if was == Present {
			return apperr.Conflictf("this person checked in; their attendance is a record and stays")
		}
		if st == Absent && was != Absent {
			if err := absence(learning.FactEventAbsent); err != nil {
				return err
			}
		}
		row, err := q.SetAttendance(ctx, meetingdb.SetAttendanceParams{TenantID: p.TenantID, EventID: id, PersonID: person, Status: string(st),
			Reason: reason, MarkedBy: p.Actor()})
		if err != nil {
			return fmt.Errorf("meeting: mark: %w", err)
		}
		out = attendanceFrom(p.TenantID, id, row)
		return nil
	})
	return out, err
}

// RecordMinutes records an event's minutes and their files (its managers)
// once it has ended; after the school's window they are marked late. The
// time recorded is the server's.
func (s *Service) RecordMinutes(ctx context.Context, id uuid.UUID, minutes string, files []uuid.UUID) (*Event, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	minutes = strings.TrimSpace(minutes)
	switch {
	case chars(minutes) < 1 || chars(minutes) > 50000:
		return nil, apperr.InvalidField("minutes", "must be 1–50000 characters")
	case len(files) > 20:
		return nil, apperr.InvalidField("attachments", "at most 20 files")
	}
	if files == nil {
		files = []uuid.UUID{}
	}
	var out *Event
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		q := meetingdb.New(tx)
		e, err := load(ctx, q, p.TenantID, id)
		if err != nil {
			return err
		}
		if !canManage(p, e.orgPath) {
			return errNoManage
		}
		if e.Cancelled() {
			return errCancelled
		}
		now := s.now()
		if now.Before(e.EndsAt) {
			return apperr.InvalidField("event", "minutes are recorded after the event has happened")
		}
		r, err := rules(ctx, q, p.TenantID)
		if err != nil {
			return err
		}
		if err := media.UseReady(ctx, tx, p.TenantID, media.Usage{UserType: "event", UserID: e.ID, Label: e.Title}, "attachments", files); err != nil {
			return err
		}
		late := now.After(e.EndsAt.AddDate(0, 0, r.MinutesWindowDays))
		at, err := q.SetMinutes(ctx, meetingdb.SetMinutesParams{TenantID: p.TenantID, ID: id, Minutes: &minutes, MinutesFiles: files, MinutesBy: p.Actor(),
			MinutesAt: &now, MinutesLate: late})
		if err != nil {
			return fmt.Errorf("meeting: minutes: %w", err)
		}
		e.Minutes, e.MinutesFiles, e.MinutesAt, e.MinutesLate = &minutes, files, at, late
		out = e
		return nil
	})
	return out, err
}

// Attendees returns an event's attendance list, to its managers.
func (s *Service) Attendees(ctx context.Context, e *Event) ([]*Attendance, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if !canManage(p, e.orgPath) {
		return nil, errNoManage
	}
	var out []*Attendance
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		rows, err := meetingdb.New(tx).Attendees(ctx, meetingdb.AttendeesParams{TenantID: p.TenantID, EventID: e.ID})
		if err != nil {
			return fmt.Errorf("meeting: attendees: %w", err)
		}
		for _, r := range rows {
			a := attendanceFrom(p.TenantID, e.ID, meetingdb.SetAttendanceRow{PersonID: r.PersonID, Voting: r.Voting, Status: r.Status,
				CheckedInBy: r.CheckedInBy, CheckedInAt: r.CheckedInAt, Reason: r.Reason, MarkedBy: r.MarkedBy, UpdatedAt: r.UpdatedAt})
			a.PersonName = r.Name
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// CountsOf sums up the attendance of events (one round trip for all),
// with the quorum of members' meetings.
func (s *Service) CountsOf(ctx context.Context, tenant uuid.UUID, events []*Event) (map[uuid.UUID]*Counts, error) {
	out := map[uuid.UUID]*Counts{}
	if len(events) == 0 {
		return out, nil
	}
	ids := make([]uuid.UUID, len(events))
	for i, e := range events {
		ids[i] = e.ID
		out[e.ID] = &Counts{}
	}
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		q := meetingdb.New(tx)
		r, err := rules(ctx, q, tenant)
		if err != nil {
			return err
		}
		rows, err := q.AttendanceCounts(ctx, meetingdb.AttendanceCountsParams{TenantID: tenant, Ids: ids})
		if err != nil {
			return fmt.Errorf("meeting: counts: %w", err)
		}
		for _, row := range rows {
			out[row.EventID] = &Counts{Expected: int(row.Expected), Present: int(row.Present), OnLeave: int(row.OnLeave), Absent: int(row.Absent),
				Voting: int(row.Voting), VotingPresent: int(row.VotingPresent)}
		}
		for _, e := range events {
			if c := out[e.ID]; e.Kind == MembersMeeting {
				c.Quorum = r.Quorum(c.Voting)
				c.QuorumMet = c.VotingPresent >= c.Quorum
			}
		}
		return nil
	})
	return out, err
}

// MyAttendance returns the caller's attendance at each of events they are
// expected at (one round trip).
func (s *Service) MyAttendance(ctx context.Context, tenant uuid.UUID, events []uuid.UUID) (map[uuid.UUID]*Attendance, error) {
	p := auth.FromContext(ctx)
	out := map[uuid.UUID]*Attendance{}
	if p == nil || p.TenantID != tenant || p.PersonID == nil || len(events) == 0 {
		return out, nil
	}
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		rows, err := meetingdb.New(tx).MyAttendance(ctx, meetingdb.MyAttendanceParams{TenantID: tenant, PersonID: *p.PersonID, Ids: events})
		if err != nil {
			return fmt.Errorf("meeting: my attendance: %w", err)
		}
		for _, r := range rows {
			out[r.EventID] = attendanceFrom(tenant, r.EventID, meetingdb.SetAttendanceRow{PersonID: r.PersonID, Voting: r.Voting, Status: r.Status,
				CheckedInBy: r.CheckedInBy, CheckedInAt: r.CheckedInAt, Reason: r.Reason, MarkedBy: r.MarkedBy, UpdatedAt: r.UpdatedAt})
		}
		return nil
	})
	return out, err
}
