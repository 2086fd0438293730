package volunteer

import (
	"bytes"
	"context"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"

	"zhdj/internal/audit"
	"zhdj/internal/auth"
	"zhdj/internal/member"
	"zhdj/internal/postgres"
)

// RosterExport is an activity's roster as an .xlsx file.
type RosterExport struct {
	Filename    string
	ContentType string
	Data        []byte
	Rows        int
}

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
		row[i] = member.SafeCell(v)
	}
	return row
}

// ExportRoster writes an activity's roster with attendance and hours to an
// .xlsx file (organisers); the export is audited.
func (s *Service) ExportRoster(ctx context.Context, activityID uuid.UUID) (*RosterExport, error) {
	roster, err := s.Roster(ctx, activityID)
	if err != nil {
		return nil, err
	}
	p, _ := auth.Require(ctx)
	wb := excelize.NewFile()
	defer wb.Close()
	sheet := "活动名册"
	if err := wb.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	sw, err := wb.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	header := make([]any, len(RosterHeaders))
	for i, h := range RosterHeaders {
		header[i] = h
	}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, err
	}
	for i, su := range roster {
		row := rosterRow(su)
		cells := make([]any, len(row))
		for j, v := range row {
			cells[j] = excelize.Cell{Value: v} // strings, never formulas
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := wb.Write(&buf); err != nil {
		return nil, err
	}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, p.TenantID, audit.Event{Action: audit.ActionExport, ActorID: actor(p), TargetType: "activity_roster",
			TargetID: activityID.String(), Detail: map[string]any{"rows": len(roster)}})
	})
	if err != nil {
		return nil, err
	}
	return &RosterExport{Filename: "活动名册-" + time.Now().In(beijing).Format("20060102-150405") + ".xlsx",
		ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: buf.Bytes(), Rows: len(roster)}, nil
}
