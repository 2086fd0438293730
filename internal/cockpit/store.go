package cockpit

// Statements queued into one round trip live here: a cockpit's figures
// are read together (sqlc's statements, cockpitdb's constants; only their
// queueing and scanning are written here, where a grouping set's total
// row has no week).

import (
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/cockpit/cockpitdb"
)

// figureArgs are what a cockpit's statements are asked.
type figureArgs struct {
	tenant      uuid.UUID
	path        string
	from, until time.Time // the period, until no later than now
	now         time.Time
	// A calendar period's kind and start, else its days; the Monday of
	// its first week.
	periodKind          string
	periodStart         time.Time
	fromDay, untilDay   time.Time
	fromWeek            time.Time
	stagesNearNextStage []string
}

// rows read by the statements.
type figureRows struct {
	settings []byte
	stages   []stageRow
	units    []cockpitdb.UnitKindsRow
	weeks    []cockpitdb.LearningWeeksRow
	learning []cockpitdb.LearningPeriodRow // per category
	tasks    []taskRow                     // the first: the total
	events   []cockpitdb.EventsByKindRow
	children []cockpitdb.ChildUnitsRow
	points   []cockpitdb.PeriodHistogramRow
	warnings []cockpitdb.OpenWarningsRow
}

// stageRow counts people at a stage (since a date, for the stages near
// their next one; else NULL).
type stageRow struct {
	stage  string
	since  *time.Time
	people int32
}

type taskRow struct {
	week                        *time.Time
	assigned, approved, overdue int32
}

// queueFigures queues every figure's statement into b.
func queueFigures(b *pgx.Batch, a figureArgs, parent uuid.UUID, out *figureRows) {
	b.Queue(cockpitdb.TenantSettings, a.tenant).QueryRow(func(r pgx.Row) error { return r.Scan(&out.settings) })
	b.Queue(cockpitdb.StageDates, a.stagesNearNextStage, a.tenant, a.path).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			var r stageRow
			if err := rs.Scan(&r.stage, &r.since, &r.people); err != nil {
				return err
			}
			out.stages = append(out.stages, r)
		}
		return rs.Err()
	})
	b.Queue(cockpitdb.OpenWarnings, a.tenant, a.path).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			var r cockpitdb.OpenWarningsRow
			if err := rs.Scan(&r.Rule, &r.Open); err != nil {
				return err
			}
			out.warnings = append(out.warnings, r)
		}
		return rs.Err()
	})
	b.Queue(cockpitdb.UnitKinds, a.tenant, a.path).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			var r cockpitdb.UnitKindsRow
			if err := rs.Scan(&r.Kind, &r.Units); err != nil {
				return err
			}
			out.units = append(out.units, r)
		}
		return rs.Err()
	})
	b.Queue(cockpitdb.LearningWeeks, a.tenant, a.fromWeek, a.untilDay, a.path).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			var r cockpitdb.LearningWeeksRow
			if err := rs.Scan(&r.Week, &r.Facts, &r.People); err != nil {
				return err
			}
			out.weeks = append(out.weeks, r)
		}
		return rs.Err()
	})
	scanLearning := func(rs pgx.Rows) error {
		for rs.Next() {
			var r cockpitdb.LearningPeriodRow
			if err := rs.Scan(&r.Category, &r.Facts, &r.People, &r.Hours); err != nil {
				return err
			}
			out.learning = append(out.learning, r)
		}
		return rs.Err()
	}
	if a.periodKind != "" {
		b.Queue(cockpitdb.LearningPeriod, a.tenant, a.periodKind, a.periodStart, a.path).Query(scanLearning)
	} else {
		b.Queue(cockpitdb.LearningDays, a.tenant, a.fromDay, a.untilDay, a.path).Query(scanLearning)
	}
	b.Queue(cockpitdb.TasksByWeek, a.now, a.tenant, a.from, a.until, a.path).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			var r taskRow
			if err := rs.Scan(&r.week, &r.assigned, &r.approved, &r.overdue); err != nil {
				return err
			}
			out.tasks = append(out.tasks, r)
		}
		return rs.Err()
	})
	b.Queue(cockpitdb.EventsByKind, a.tenant, a.from, a.until, a.path).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			var r cockpitdb.EventsByKindRow
			if err := rs.Scan(&r.Kind, &r.Held, &r.WithMinutes, &r.Present, &r.Expected); err != nil {
				return err
			}
			out.events = append(out.events, r)
		}
		return rs.Err()
	})
	b.Queue(cockpitdb.ChildUnits, a.tenant, &parent).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			var r cockpitdb.ChildUnitsRow
			if err := rs.Scan(&r.ID, &r.Name, &r.Path); err != nil {
				return err
			}
			out.children = append(out.children, r)
		}
		return rs.Err()
	})
	scanPoints := func(rs pgx.Rows) error {
		for rs.Next() {
			var r cockpitdb.PeriodHistogramRow
			if err := rs.Scan(&r.Child, &r.Points, &r.People); err != nil {
				return err
			}
			out.points = append(out.points, r)
		}
		return rs.Err()
	}
	if a.periodKind != "" {
		b.Queue(cockpitdb.PeriodHistogram, a.path, a.tenant, a.periodKind, a.periodStart).Query(scanPoints)
	} else {
		b.Queue(cockpitdb.DayHistogram, a.path, a.fromDay, a.untilDay, a.tenant).Query(scanPoints)
	}
}
