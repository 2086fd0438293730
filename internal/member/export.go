package member

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"time"

	"zhdj/internal/apperr"
	"zhdj/internal/audit"
	"zhdj/internal/auth"
	"zhdj/internal/member/memberdb"
	"zhdj/internal/postgres"
	"zhdj/internal/sheet"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// collectEvery is how many exported rows go between garbage collections.
const collectEvery = 10_000

// Export writes the records matching f that the caller may read to an
// .xlsx roster. It needs member.export; unmasked identifiers also need
// member.read_pii over every exported record. The export is audited.
func (s *Service) Export(ctx context.Context, f Filter, unmasked bool) (*sheet.File, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Has(auth.PermMemberExport) {
		return nil, apperr.Forbiddenf("you may not export member records")
	}
	w, err := sheet.New("党员名册", ExportHeaders)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	// Page by page into the spooled sheet: memory stays one page whatever
	// the roster's size.
	rows := 0
	var after *Cursor
	for {
		page, err := s.list(ctx, f, exportPageSize, after, exportPageSize)
		if err != nil {
			return nil, err
		}
		if err := s.exportRows(ctx, p, w, page.People, unmasked); err != nil {
			return nil, err
		}
		rows += len(page.People)
		if !page.HasNext {
			break
		}
		if rows%collectEvery < exportPageSize {
			// A large export makes garbage fast; the server's GOGC lets the
			// heap grow to thrice what is live before collecting it, which
			// for tens of thousands of rows is a hundred MiB more. Collected
			// as it goes, the export keeps the server's memory flat.
			runtime.GC()
		}
		last := page.People[len(page.People)-1]
		after = &Cursor{Name: last.Name, ID: last.ID}
	}
	file, err := w.Finish(time.Now().UTC())
	if err != nil {
		return nil, err
	}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, p.TenantID, audit.Event{Action: audit.ActionExport, ActorID: p.Actor(), TargetType: "member_roster",
			Detail: map[string]any{"rows": rows, "unmasked": unmasked}})
	})
	if err != nil {
		file.Close()
		return nil, err
	}
	return file, nil
}

// exportRows writes people to w, their identifiers masked unless unmasked
// (which needs member.read_pii over each of them).
func (s *Service) exportRows(ctx context.Context, p *auth.Principal, w *sheet.Writer, people []*Person, unmasked bool) error {
	codes, err := s.unitCodes(ctx, p, people)
	if err != nil {
		return err
	}
	for _, m := range people {
		phone, citizen := m.PhoneMasked, m.CitizenIDMasked
		if unmasked {
			if !p.Can(auth.PermMemberReadPII, s.scope(p, m.orgPath)) {
				return apperr.Forbiddenf("you may export only masked identifiers of some of these members")
			}
			if phone, err = s.open(m.phoneEnc, ctxPhone); err != nil {
				return err
			}
			if citizen, err = s.open(m.citizenEnc, ctxCitizen); err != nil {
				return err
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
		// Formula-looking text is defused for programs that re-parse it.
		for j, v := range row {
			row[j] = sheet.SafeCell(v)
		}
		if err := w.Row(row); err != nil {
			return err
		}
	}
	return nil
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
	ids := map[uuid.UUID]bool{}
	var list []uuid.UUID
	for _, m := range people {
		if id := m.OrgUnitID; !ids[id] {
			ids[id] = true
			list = append(list, id)
		}
	}
	err := postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		rows, err := memberdb.New(tx).UnitCodes(ctx, memberdb.UnitCodesParams{TenantID: p.TenantID, Ids: list})
		for _, r := range rows {
			out[r.ID.String()] = r.Code
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("member: unit codes: %w", err)
	}
	return out, nil
}
