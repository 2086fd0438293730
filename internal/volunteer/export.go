package volunteer

import (
	"context"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/audit"
	"zhdj/internal/auth"
	"zhdj/internal/postgres"
	"zhdj/internal/sheet"
)

// RosterHeaders are the columns of a roster export.
var RosterHeaders = []string{"姓名", "状态", "候补序号", "签到时间", "签退时间", "服务时长（小时）", "时长已确认", "调整原因", "报名时间"}

// beijing is the time zone roster times are written in (no daylight saving).
var beijing = time.FixedZone("UTC+8", 8*3600)

// rosterRow is one sign-up as roster cells, every one defused against
// formula injection (names and reasons are typed by people).
func rosterRow(su *SignUp) []string {
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(beijing).Format("2006-01-02 15:04")
	}
	status := map[SignUpStatus]string{SignUpConfirmed: "已确认", SignUpWaitlisted: "候补", SignUpCancelled: "已取消"}[su.Status]
	pos, hours, confirmed := "", "", "否"
	if su.WaitlistPosition != nil {
		pos = strconv.Itoa(*su.WaitlistPosition)
	}
	if su.Hours != nil {
		hours = strconv.FormatFloat(*su.Hours, 'f', 1, 64)
	}
	if su.HoursConfirmed {
		confirmed = "是"
	}
	row := []string{su.PersonName, status, pos, at(su.CheckedInAt), at(su.CheckedOutAt), hours, confirmed, su.HoursReason, at(&su.CreatedAt)}
	for i, v := range row {
		row[i] = sheet.SafeCell(v)
	}
	return row
}

// ExportRoster writes an activity's roster with attendance and hours to an
// .xlsx file (organisers); the export is audited.
func (s *Service) ExportRoster(ctx context.Context, activityID uuid.UUID) (*sheet.File, error) {
	roster, err := s.Roster(ctx, activityID)
	if err != nil {
		return nil, err
	}
	p, _ := auth.Require(ctx)
	w, err := sheet.New("活动名册", RosterHeaders)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	for _, su := range roster {
		if err := w.Row(rosterRow(su)); err != nil {
			return nil, err
		}
	}
	file, err := w.Finish(time.Now().In(beijing))
	if err != nil {
		return nil, err
	}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, p.TenantID, audit.Event{Action: audit.ActionExport, ActorID: p.Actor(), TargetType: "activity_roster",
			TargetID: activityID.String(), Detail: map[string]any{"rows": len(roster)}})
	})
	if err != nil {
		file.Close()
		return nil, err
	}
	return file, nil
}
