package member

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/xuri/excelize/v2"

	"zhdj/internal/apperr"
	"zhdj/internal/audit"
	"zhdj/internal/auth"
	"zhdj/internal/member/memberdb"
	"zhdj/internal/postgres"
	"zhdj/internal/sheet"
)

// ImportMode says what happens to the valid rows of a file with problems.
type ImportMode string

const (
	ImportAllOrNothing  ImportMode = "all_or_nothing"  // any problem: import nothing
	ImportValidRowsOnly ImportMode = "valid_rows_only" // import the rows without problems
)

// Limits of an import.
const (
	MaxImportBytes = 20 << 20
	MaxImportRows  = 20000
	progressEvery  = 500
)

// Import is the state of one import.
type Import struct {
	ID            uuid.UUID
	Filename      string
	Mode          ImportMode
	Status        string // running, succeeded, rejected, failed
	TotalRows     int
	ProcessedRows int
	ImportedRows  int
	Problems      []sheet.Problem
	CreatedAt     time.Time
	FinishedAt    *time.Time
}

// column is one importable column: the names a header may use for it
// (Chinese first: the template's), and the field it fills.
type column struct {
	key   string
	names []string
}

var columns = []column{
	{"name", []string{"姓名", "name"}},
	{"gender", []string{"性别", "gender"}},
	{"birthDate", []string{"出生日期", "birthDate", "birth_date"}},
	{"ethnicity", []string{"民族", "ethnicity"}},
	{"nativePlace", []string{"籍贯", "nativePlace", "native_place"}},
	{"phone", []string{"手机号", "手机号码", "phone"}},
	{"citizenId", []string{"身份证号", "身份证号码", "citizenId", "citizen_id"}},
	{"education", []string{"学历", "education"}},
	{"category", []string{"人员类别", "类别", "category"}},
	{"department", []string{"院系部门", "院系", "部门", "department"}},
	{"major", []string{"专业", "major"}},
	{"className", []string{"班级", "className", "class"}},
	{"branchCode", []string{"支部编码", "所在支部编码", "branchCode", "branch_code"}},
	{"stage", []string{"党员发展阶段", "发展阶段", "stage"}},
	{"stageSince", []string{"阶段起始日期", "stageSince", "stage_since"}},
	{"partyPosts", []string{"党内职务", "partyPosts", "party_posts"}},
}

// ExportHeaders are the column titles of an exported roster (and of the
// import template), in order.
var ExportHeaders = []string{"姓名", "性别", "出生日期", "民族", "籍贯", "手机号", "身份证号", "学历", "人员类别", "院系部门", "专业", "班级", "支部编码", "党员发展阶段", "阶段起始日期", "党内职务"}

var stageNames = map[string]Stage{
	"": StageNone, "无": StageNone, "群众": StageNone, "none": StageNone,
	"入党申请人": StageApplicant, "申请人": StageApplicant, "applicant": StageApplicant,
	"入党积极分子": StageActivist, "积极分子": StageActivist, "activist": StageActivist,
	"发展对象": StageCandidate, "candidate": StageCandidate,
	"预备党员": StageProbationary, "probationary": StageProbationary,
	"正式党员": StageFull, "党员": StageFull, "full": StageFull,
}

// StageName is the Chinese name of a stage used in rosters.
func StageName(s Stage) string {
	switch s {
	case StageApplicant:
		return "入党申请人"
	case StageActivist:
		return "入党积极分子"
	case StageCandidate:
		return "发展对象"
	case StageProbationary:
		return "预备党员"
	case StageFull:
		return "正式党员"
	case StageCancelled:
		return "已取消预备党员资格"
	}
	return "无"
}

type importRow struct {
	line       int
	fields     Fields
	branchCode string
	unitID     uuid.UUID
	stage      Stage
	stageSince *time.Time
	broken     bool // a cell could not be read; the row is not imported
}

// parseDate accepts 2006-01-02, 2006/1/2, 2006.1.2 and 20060102, and Excel
// serial day numbers.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "2006-1-2", "2006/1/2", "2006.1.2", "20060102", "2006年1月2日"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	var serial float64
	if _, err := fmt.Sscanf(s, "%g", &serial); err == nil && serial > 1 && serial < 100000 {
		if t, err := excelize.ExcelDateToTime(serial, false); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date such as 2001-09-30", s)
}

// Import starts importing a roster (.xlsx or .csv, header in the first
// row): it checks the file's shape (type, size, header, row count) at once,
// records the import and queues it as a background job, and returns the
// running import; ImportStatus reads its progress. The job checks every
// row (citizen ID per GB 11643 and against the birth date, phone, dates,
// branch codes within the caller's units, stage names, duplicates) and
// imports in one transaction either every row (mode all_or_nothing, and
// only when no row has a problem) or the valid rows. Problems are reported
// per row and column. A formula-looking cell ("=…") is only ever stored as
// text.
func (s *Service) Import(ctx context.Context, filename string, data []byte, mode ImportMode, importID uuid.UUID) (*Import, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Has(auth.PermMemberWrite) {
		return nil, apperr.Forbiddenf("you may not import member records")
	}
	if mode != ImportAllOrNothing && mode != ImportValidRowsOnly {
		return nil, apperr.InvalidField("mode", "must be all_or_nothing or valid_rows_only")
	}
	if len(data) > MaxImportBytes {
		return nil, apperr.InvalidField("file", fmt.Sprintf("is larger than %d MiB", MaxImportBytes>>20))
	}
	if importID == uuid.Nil {
		importID = uuid.New()
	}
	filename = sanitizeFilename(filename)
	table, err := sheet.ReadTable(filename, data)
	if err != nil {
		return nil, apperr.InvalidField("file", err.Error())
	}
	if len(table) < 2 {
		return nil, apperr.InvalidField("file", "has no data rows under the header row")
	}
	if len(table)-1 > MaxImportRows {
		return nil, apperr.InvalidField("file", fmt.Sprintf("has %d rows; at most %d per file", len(table)-1, MaxImportRows))
	}
	if _, headerProblems := headerIndex(table[0]); len(headerProblems) > 0 {
		return nil, &apperr.Error{Kind: apperr.Invalid, Msg: "the header row is not a member roster: " + strings.Join(headerProblems, "; "),
			Fields: map[string]string{"file": strings.Join(headerProblems, "; ")}}
	}
	if s.jobs == nil {
		return nil, fmt.Errorf("member: import: no job queue configured")
	}
	sealed, err := s.keyring.Encrypt(string(data), ctxImportFile)
	if err != nil {
		return nil, fmt.Errorf("member: seal the import file: %w", err)
	}
	res := &Import{ID: importID, Filename: filename, Mode: mode, Status: "running", TotalRows: len(table) - 1, Problems: []sheet.Problem{}}
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		if err := memberdb.New(tx).InsertImport(ctx, memberdb.InsertImportParams{TenantID: p.TenantID, ID: importID, Filename: filename, Mode: string(mode),
			TotalRows: int32(res.TotalRows), CreatedBy: p.Actor(), FileSealed: sealed}); err != nil {
			return err
		}
		_, err := s.jobs.InsertTx(ctx, tx, ImportArgs{TenantID: p.TenantID, ImportID: importID, By: *p}, nil)
		return err
	})
	if err != nil {
		if postgres.IsUniqueViolation(err, "") {
			return nil, apperr.Conflictf("an import with this id already exists")
		}
		return nil, fmt.Errorf("member: start import: %w", err)
	}
	return res, nil
}

// ctxImportFile is the encryption context of import files.
const ctxImportFile = "member_imports.file"

// ImportArgs asks for a recorded import to be run, with the authority of
// the person who started it (the rows must lie in their units).
type ImportArgs struct {
	TenantID uuid.UUID      `json:"tenant_id"`
	ImportID uuid.UUID      `json:"import_id"`
	By       auth.Principal `json:"by"`
}

// Kind names the job.
func (ImportArgs) Kind() string { return "member.import" }

// InsertOpts gives an import three tries (a database that went away).
func (ImportArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 3} }

// ImportWorker runs imports.
type ImportWorker struct {
	river.WorkerDefaults[ImportArgs]
	Members *Service
}

// Timeout leaves a 10,000-row roster time to be checked and written.
func (w *ImportWorker) Timeout(*river.Job[ImportArgs]) time.Duration { return 15 * time.Minute }

// Work runs the import; on its last attempt a failure is recorded as the
// import's.
func (w *ImportWorker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	err := w.Members.runImport(ctx, job.Args)
	if err != nil && job.Attempt >= job.MaxAttempts {
		res := &Import{ID: job.Args.ImportID, Status: "failed", Problems: []sheet.Problem{}}
		if ferr := w.Members.finishImport(ctx, job.Args.TenantID, res); ferr != nil {
			return errors.Join(err, ferr)
		}
		return nil
	}
	return err
}

// runImport checks and imports the rows of a recorded import. The import
// row is locked for the whole run and marked finished in the transaction
// that writes the people, so a run repeated after a crash either finds it
// done or starts over with nothing written.
func (s *Service) runImport(ctx context.Context, a ImportArgs) error {
	p := &a.By
	ctx = auth.WithPrincipal(ctx, p)
	res := &Import{ID: a.ImportID}
	var problems []sheet.Problem
	done := false
	err := postgres.InTenantTx(ctx, s.pool, a.TenantID, func(tx pgx.Tx) error {
		q := memberdb.New(tx)
		imp, err := q.ImportToRun(ctx, memberdb.ImportToRunParams{TenantID: a.TenantID, ID: a.ImportID})
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && imp.Status != "running") {
			done = true
			return nil
		}
		if err != nil {
			return err
		}
		if !imp.Locked {
			return errors.New("member: another run of this import is under way")
		}
		data, err := s.keyring.Decrypt(imp.FileSealed, ctxImportFile)
		if err != nil {
			return fmt.Errorf("member: open the import file: %w", err)
		}
		table, err := sheet.ReadTable(imp.Filename, []byte(data))
		if err != nil {
			return fmt.Errorf("member: read the import file: %w", err)
		}
		index, _ := headerIndex(table[0])
		res.Filename, res.Mode, res.TotalRows = imp.Filename, ImportMode(imp.Mode), len(table)-1
		var rows []importRow
		rows, problems = parseRows(table, index)
		valid, more, err := s.checkRows(ctx, q, p, rows)
		if err != nil {
			return err
		}
		problems = append(problems, more...)
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].Row < problems[j].Row })
		if len(problems) > 0 && res.Mode == ImportAllOrNothing {
			res.Status, res.ProcessedRows = "rejected", res.TotalRows
			return nil
		}
		for start := 0; start < len(valid); start += progressEvery {
			end := min(start+progressEvery, len(valid))
			b := &pgx.Batch{}
			for _, r := range valid[start:end] {
				if err := s.queueInsert(b, p, r); err != nil {
					return err
				}
			}
			if err := tx.SendBatch(ctx, b).Close(); err != nil {
				return fmt.Errorf("member: import rows: %w", err)
			}
			res.ImportedRows = end
			s.reportProgress(ctx, a.TenantID, a.ImportID, end)
		}
		res.Status, res.ProcessedRows, res.Problems = "succeeded", res.TotalRows, problems
		if err := audit.Record(ctx, tx, a.TenantID, audit.Event{Action: audit.ActionImport, ActorID: p.Actor(), TargetType: "member_import",
			TargetID: a.ImportID.String(), Detail: map[string]any{"filename": res.Filename, "rows": res.TotalRows, "imported": res.ImportedRows, "problems": len(problems)}}); err != nil {
			return err
		}
		return finishImportTx(ctx, q, a.TenantID, res)
	})
	if err != nil || done || res.Status == "succeeded" {
		return err
	}
	res.Problems = problems
	return s.finishImport(ctx, a.TenantID, res)
}

func sanitizeFilename(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	if name == "" || name == "." || name == "/" {
		name = "upload"
	}
	return name
}

// headerIndex maps field keys to column positions.
func headerIndex(header []string) (map[string]int, []string) {
	index := map[string]int{}
	var problems []string
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if h == "" {
			continue
		}
		found := false
		for _, c := range columns {
			for _, n := range c.names {
				if strings.EqualFold(h, n) {
					if _, dup := index[c.key]; dup {
						problems = append(problems, fmt.Sprintf("column %q appears twice", h))
					}
					index[c.key], found = i, true
				}
			}
		}
		if !found {
			problems = append(problems, fmt.Sprintf("unknown column %q", h))
		}
	}
	for _, need := range []string{"name", "gender", "category", "branchCode"} {
		if _, ok := index[need]; !ok {
			problems = append(problems, fmt.Sprintf("missing column %s", columnTitle(need)))
		}
	}
	return index, problems
}

func columnTitle(key string) string {
	for _, c := range columns {
		if c.key == key {
			return c.names[0]
		}
	}
	return key
}

func parseRows(table [][]string, index map[string]int) ([]importRow, []sheet.Problem) {
	var rows []importRow
	var problems []sheet.Problem
	for i, rec := range table[1:] {
		line := i + 2
		cell := func(key string) string {
			pos, ok := index[key]
			if !ok || pos >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[pos])
		}
		empty := true
		for _, v := range rec {
			if strings.TrimSpace(v) != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		r := importRow{line: line, branchCode: cell("branchCode")}
		bad := func(key, msg string) {
			problems = append(problems, sheet.Problem{Row: line, Column: columnTitle(key), Message: msg})
			r.broken = true
		}
		f := Fields{Name: cell("name"), Ethnicity: cell("ethnicity"), NativePlace: cell("nativePlace"), Phone: cell("phone"),
			CitizenID: cell("citizenId"), Education: cell("education"), Department: cell("department"), Major: cell("major"), ClassName: cell("className")}
		switch g := cell("gender"); g {
		case "男", "male", "M", "m":
			f.Gender = GenderMale
		case "女", "female", "F", "f":
			f.Gender = GenderFemale
		default:
			bad("gender", fmt.Sprintf("%q is not 男 or 女", g))
		}
		switch c := cell("category"); c {
		case "学生", "student":
			f.Category = CategoryStudent
		case "教职工", "教师", "职工", "staff":
			f.Category = CategoryStaff
		default:
			bad("category", fmt.Sprintf("%q is not 学生 or 教职工", c))
		}
		if v := cell("birthDate"); v != "" {
			d, err := parseDate(v)
			if err != nil {
				bad("birthDate", err.Error())
			} else {
				f.BirthDate = &d
			}
		}
		if v := cell("partyPosts"); v != "" {
			for _, post := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '；' || r == '、' || r == ',' || r == '，' }) {
				f.PartyPosts = append(f.PartyPosts, strings.TrimSpace(post))
			}
		}
		st, ok := stageNames[cell("stage")]
		if !ok {
			bad("stage", fmt.Sprintf("%q is not a stage (入党申请人, 入党积极分子, 发展对象, 预备党员, 正式党员 or empty)", cell("stage")))
		}
		r.stage = st
		if v := cell("stageSince"); v != "" {
			d, err := parseDate(v)
			if err != nil {
				bad("stageSince", err.Error())
			} else {
				r.stageSince = &d
			}
		} else if st != StageNone {
			bad("stageSince", "is required for a stage")
		}
		if r.branchCode == "" {
			bad("branchCode", "is required")
		}
		r.fields = f
		rows = append(rows, r)
	}
	return rows, problems
}

// checkRows validates fields, branch codes and duplicates; it returns the
// rows with no problem at all (none from parsing either).
func (s *Service) checkRows(ctx context.Context, q *memberdb.Queries, p *auth.Principal, rows []importRow) ([]importRow, []sheet.Problem, error) {
	var problems []sheet.Problem
	codes := map[string]bool{}
	for _, r := range rows {
		codes[r.branchCode] = true
	}
	list := make([]string, 0, len(codes))
	for c := range codes {
		list = append(list, c)
	}
	units, err := q.UnitsByCodes(ctx, memberdb.UnitsByCodesParams{TenantID: p.TenantID, Codes: list})
	if err != nil {
		return nil, nil, fmt.Errorf("member: branch codes: %w", err)
	}
	unitByCode := map[string]memberdb.UnitsByCodesRow{}
	for _, u := range units {
		unitByCode[u.Code] = u
	}
	seenCitizen := map[string]int{}
	var hmacs [][]byte
	type checked struct {
		row  importRow
		norm normalized
		unit memberdb.UnitsByCodesRow
		ok   bool
	}
	all := make([]checked, 0, len(rows))
	for _, r := range rows {
		c := checked{row: r, ok: !r.broken}
		bad := func(col, msg string) {
			problems = append(problems, sheet.Problem{Row: r.line, Column: col, Message: msg})
			c.ok = false
		}
		if r.broken { // already reported; its other cells may be misleading
			all = append(all, c)
			continue
		}
		n, err := r.fields.validate()
		var ae *apperr.Error
		if errors.As(err, &ae) {
			for field, msg := range ae.Fields {
				key := strings.SplitN(field, "[", 2)[0]
				bad(columnTitle(key), msg)
			}
		}
		c.norm = n
		if r.branchCode != "" {
			u, ok := unitByCode[r.branchCode]
			switch {
			case !ok:
				bad(columnTitle("branchCode"), fmt.Sprintf("no org unit has the code %q", r.branchCode))
			case !p.Can(auth.PermMemberWrite, auth.Scope{TenantID: p.TenantID, OrgPath: u.Path}):
				bad(columnTitle("branchCode"), fmt.Sprintf("%q is not one of the units you manage", r.branchCode))
			}
			c.unit = u
		}
		if n.citizenID != "" {
			if first, dup := seenCitizen[n.citizenID]; dup {
				bad(columnTitle("citizenId"), fmt.Sprintf("the same citizen ID is on row %d", first))
			} else {
				seenCitizen[n.citizenID] = r.line
				hmacs = append(hmacs, s.keyring.Index("citizen_id", n.citizenID))
			}
		}
		all = append(all, c)
	}
	existing := map[string]bool{}
	if len(hmacs) > 0 {
		found, err := q.ExistingCitizenIDs(ctx, memberdb.ExistingCitizenIDsParams{TenantID: p.TenantID, Hmacs: hmacs})
		if err != nil {
			return nil, nil, fmt.Errorf("member: existing citizen IDs: %w", err)
		}
		for _, h := range found {
			existing[string(h)] = true
		}
	}
	var valid []importRow
	for i := range all {
		c := &all[i]
		if c.norm.citizenID != "" && existing[string(s.keyring.Index("citizen_id", c.norm.citizenID))] {
			problems = append(problems, sheet.Problem{Row: c.row.line, Column: columnTitle("citizenId"), Message: "a person with this citizen ID is already on record"})
			c.ok = false
		}
		if c.ok {
			r := c.row
			r.fields = c.norm.Fields
			r.fields.Phone, r.fields.CitizenID = c.norm.phone, c.norm.citizenID
			r.unitID = c.unit.ID
			valid = append(valid, r)
		}
	}
	return valid, problems, nil
}

// queueInsert adds the insert of one checked row to b.
func (s *Service) queueInsert(b *pgx.Batch, p *auth.Principal, r importRow) error {
	unit := r.unitID
	n := normalized{Fields: r.fields, phone: r.fields.Phone, citizenID: r.fields.CitizenID}
	enc, err := s.seal(n)
	if err != nil {
		return err
	}
	if n.PartyPosts == nil {
		n.PartyPosts = []string{}
	}
	// The statement is InsertPerson's (queries.sql), its arguments in its order.
	b.Queue(memberdb.InsertPerson,
		p.TenantID, n.Name, string(n.Gender), n.BirthDate, n.Ethnicity, n.NativePlace,
		enc.phoneEnc, enc.phoneMasked, enc.phoneIdx, enc.citizenEnc, enc.citizenMasked, enc.citizenIdx,
		n.Education, string(n.Category), n.Department, n.Major, n.ClassName, unit, string(r.stage), r.stageSince, n.PartyPosts)
	return nil
}

// reportProgress records progress outside the import's transaction, so
// that it is visible while the import runs. A report that fails is logged
// and the import goes on: progress is a hint, the import's result is not.
func (s *Service) reportProgress(ctx context.Context, tenant, id uuid.UUID, processed int) {
	err := postgres.InTenantTx(ctx, s.pool, tenant, func(tx pgx.Tx) error {
		return memberdb.New(tx).UpdateImportProgress(ctx, memberdb.UpdateImportProgressParams{TenantID: tenant, ID: id, ProcessedRows: int32(processed)})
	})
	if err != nil && ctx.Err() == nil {
		slog.WarnContext(ctx, "member: record an import's progress", "tenant", tenant, "import", id, "processed", processed, "err", err)
	}
}

func (s *Service) finishImport(ctx context.Context, tenant uuid.UUID, res *Import) error {
	return postgres.InTenantTx(context.WithoutCancel(ctx), s.pool, tenant, func(tx pgx.Tx) error {
		return finishImportTx(ctx, memberdb.New(tx), tenant, res)
	})
}

// finishImportTx records how an import ended (its first 1,000 problems)
// and erases its file.
func finishImportTx(ctx context.Context, q *memberdb.Queries, tenant uuid.UUID, res *Import) error {
	problems := res.Problems
	if len(problems) > 1000 {
		problems = problems[:1000]
	}
	if problems == nil {
		problems = []sheet.Problem{}
	}
	js, _ := json.Marshal(problems)
	return q.FinishImport(ctx, memberdb.FinishImportParams{TenantID: tenant, ID: res.ID, Status: res.Status,
		ProcessedRows: int32(res.ProcessedRows), ImportedRows: int32(res.ImportedRows), Problems: js})
}

// ImportStatus returns an import of the caller's school (its progress while
// it runs), or NotFound.
func (s *Service) ImportStatus(ctx context.Context, id uuid.UUID) (*Import, error) {
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Has(auth.PermMemberWrite) {
		return nil, apperr.Forbiddenf("you may not see member imports")
	}
	var out *Import
	err = postgres.InTenantTx(ctx, s.pool, p.TenantID, func(tx pgx.Tx) error {
		r, err := memberdb.New(tx).GetImport(ctx, memberdb.GetImportParams{TenantID: p.TenantID, ID: id})
		if err != nil {
			return postgres.Err(err, "import")
		}
		out = &Import{ID: r.ID, Filename: r.Filename, Mode: ImportMode(r.Mode), Status: r.Status, TotalRows: int(r.TotalRows),
			ProcessedRows: int(r.ProcessedRows), ImportedRows: int(r.ImportedRows), CreatedAt: r.CreatedAt, FinishedAt: r.FinishedAt}
		return json.Unmarshal(r.Problems, &out.Problems)
	})
	return out, err
}

// ReadUpload reads an uploaded file, at most MaxImportBytes+1 bytes of it
// (one more than allowed, so that Import can tell the file is too large).
func ReadUpload(r io.Reader) ([]byte, error) {
	return sheet.ReadUpload(r, MaxImportBytes)
}
