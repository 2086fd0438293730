package member

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"zhdj/internal/apperr"
	"zhdj/internal/audit"
	"zhdj/internal/auth"
	"zhdj/internal/postgres"

	"github.com/jackc/pgx/v5"
)

// SafeCell returns s so that no spreadsheet program evaluates it: a value
// that starts like a formula (=, +, -, @, or a tab or carriage return) is
// prefixed with an apostrophe, which spreadsheets show as text.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// Export is a roster file.
type Export struct {
	Filename    string
	ContentType string
	Data        []byte
	Rows        int
}

// Export writes the records matching f that the caller may read to an
// .xlsx roster. It needs member.export; unmasked identifiers also need
// member.read_pii over every exported record. The export is audited.
func (s *Service) Export(ctx context.Context, f Filter, unmasked bool) (*Export, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Has(auth.PermMemberExport) {
		return nil, apperr.Forbiddenf("you may not export member records")
	}
	var people []*Person
	var after *Cursor
	for {
		page, err := s.List(ctx, f, MaxPageSize, after)
		if err != nil {
			return nil, err
		}
		people = append(people, page.People...)
		if !page.HasNext {
			break
		}
		last := page.People[len(page.People)-1]
		after = &Cursor{Name: last.Name, ID: last.ID}
	}
	codes, err := s.unitCodes(ctx, p, people)
	if err != nil {
		return nil, err
	}
	wb := excelize.NewFile()
	defer wb.Close()
	sheet := "党员名册"
	if err := wb.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	sw, err := wb.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	header := make([]any, len(ExportHeaders))
	for i, h := range ExportHeaders {
		header[i] = h
	}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, err
	}
	for i, m := range people {
		phone, citizen := m.PhoneMasked, m.CitizenIDMasked
		if unmasked {
			if !p.Can(auth.PermMemberReadPII, s.scope(p, m.orgPath)) {
				return nil, apperr.Forbiddenf("you may export only masked identifiers of some of these members")
			}
			if phone, err = s.open(m.phoneEnc, ctxPhone); err != nil {
				return nil, err
			}
			if citizen, err = s.open(m.citizenEnc, ctxCitizen); err != nil {
				return nil, err
			}
		}
		birth, since := "", ""
		if m.BirthDate != nil {
			birth = m.BirthDate.Format(time.DateOnly)
		}
		if m.StageSince != nil {
			since = m.StageSince.Format(time.DateOnly)
		}
		gender, category := "男", "学生"
		if m.Gender == GenderFemale {
			gender = "女"
		}
		if m.Category == CategoryStaff {
			category = "教职工"
		}
		row := []string{m.Name, gender, birth, m.Ethnicity, m.NativePlace, phone, citizen, m.Education, category,
			m.Department, m.Major, m.ClassName, codes[m.OrgUnitID.String()], StageName(m.Stage), since, strings.Join(m.PartyPosts, "；")}
		cells := make([]any, len(row))
		for j, v := range row {
			// Every value is written as a string cell, never a formula, and
			// formula-looking text is defused for programs that re-parse it.
			cells[j] = excelize.Cell{Value: SafeCell(v)}
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
		return audit.Record(ctx, tx, p.TenantID, audit.Event{Action: audit.ActionExport, ActorID: actor(p), TargetType: "member_roster",
			Detail: map[string]any{"rows": len(people), "unmasked": unmasked}})
	})
	if err != nil {
		return nil, err
	}
	return &Export{
		Filename:    "党员名册-" + time.Now().UTC().Format("20060102-150405") + ".xlsx",
		ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		Data:        buf.Bytes(), Rows: len(people),
	}, nil
}

func (s *Service) open(sealedValue []byte, c string) (string, error) {
	if len(sealedValue) == 0 {
		return "", nil
	}
	v, err := s.keyring.Decrypt(sealedValue, c)
	if err != nil {
		return "", fmt.Errorf("member: export: %w", err)
	}
	return v, nil
}

// unitCodes returns the code of each person's unit, keyed by unit id.
func (s *Service) unitCodes(ctx context.Context, p *auth.Principal, people []*Person) (map[string]string, error) {
	out := map[string]string{}
	if len(people) == 0 {
		return out, nil
	}
	ids := map[string]bool{}
	var list []string
	for _, m := range people {
		if id := m.OrgUnitID.String(); !ids[id] {
			ids[id] = true
			list = append(list, id)
		}
	}
	err := postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id::text, code FROM org_units WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, p.TenantID, list)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, code string
			if err := rows.Scan(&id, &code); err != nil {
				return err
			}
			out[id] = code
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("member: unit codes: %w", err)
	}
	return out, nil
}
