package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"

	"zhdj/internal/member"
)

// upload sends an importMembers mutation per the GraphQL multipart request spec.
func (b *testBundle) upload(t *testing.T, token, filename string, data []byte, mode, importID string) *gqlResponse {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	ops, _ := json.Marshal(map[string]any{
		"query":     `mutation($in: ImportMembersInput!) { importMembers(input: $in) { import { id status totalRows processedRows importedRows problems { row column message } } } }`,
		"variables": map[string]any{"in": map[string]any{"file": nil, "mode": mode, "importId": importID}},
	})
	_ = w.WriteField("operations", string(ops))
	_ = w.WriteField("map", `{"0": ["variables.in.file"]}`)
	fw, _ := w.CreateFormFile("0", filename)
	_, _ = fw.Write(data)
	_ = w.Close()
	return b.raw(t, http.MethodPost, "/graphql", w.FormDataContentType(), body.Bytes(), bearer(token)...)
}

// importDone uploads a roster, checks the answer says it is running, and
// waits for the background import to finish, returning it as
// memberImport(id) reads it.
func (b *testBundle) importDone(t *testing.T, token, filename string, data []byte, mode, importID string) importResult {
	t.Helper()
	r := decode[importResult](t, b.upload(t, token, filename, data, mode, importID))
	if r.ImportMembers.Import.Status != "RUNNING" || r.ImportMembers.Import.ID == "" {
		t.Fatalf("the import did not start in the background: %+v", r.ImportMembers.Import)
	}
	// A bound for a stuck job, not a speed target: the suite shares two
	// cores, and 10,000 rows take seconds alone.
	deadline := time.Now().Add(90 * time.Second)
	for {
		var st struct{ MemberImport *importRecord }
		st = decode[struct{ MemberImport *importRecord }](t, b.post(t, `query($id: String!) { memberImport(id: $id) { id status totalRows processedRows importedRows problems { row column message } } }`,
			map[string]any{"id": r.ImportMembers.Import.ID}, bearer(token)...))
		if st.MemberImport != nil && st.MemberImport.Status != "RUNNING" {
			r.ImportMembers.Import = *st.MemberImport
			return r
		}
		if time.Now().After(deadline) {
			var state string
			var errs []string
			_ = b.app.Pool.QueryRow(context.Background(), `SELECT state::text, ARRAY(SELECT e->>'error' FROM unnest(errors) e) FROM river_job WHERE kind = 'member.import' ORDER BY id DESC LIMIT 1`).Scan(&state, &errs)
			t.Fatalf("the import did not finish: %+v (job %s %q)", st.MemberImport, state, errs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type importRecord struct {
	ID, Status                             string
	TotalRows, ProcessedRows, ImportedRows int
	Problems                               []struct {
		Row             int
		Column, Message string
	}
}

type importResult struct {
	ImportMembers struct {
		Import importRecord
	}
}

func csvRoster(rows ...string) []byte {
	return []byte("姓名,性别,身份证号,手机号,人员类别,支部编码,党员发展阶段,阶段起始日期,班级\n" + strings.Join(rows, "\n") + "\n")
}

func TestImportProblemsAndModes(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	secretary, _ := b.login(t, "secretary", demoPassword) // manages XXGC-XS1 only
	id1 := member.CitizenIDWithCheck("33010220060101101")
	id2 := member.CitizenIDWithCheck("33010220060101102")
	id3 := member.CitizenIDWithCheck("33010220060101103")
	file := csvRoster(
		"新生甲,男,"+id1+",13900000101,学生,XXGC-XS1,,,=HYPERLINK(\"http://evil\")", // row 2: fine; formula-looking class is just text
		"新生乙,女,"+id2[:17]+"0,13900000102,学生,XXGC-XS1,,,软件2401",                // row 3: bad check digit
		"新生丙,女,"+id3+",123,学生,XXGC-XS1,入党申请人,2026-03-01,软件2401",               // row 4: bad phone
		"新生丁,男,"+id1+",13900000104,学生,XXGC-XS1,,,软件2401",                      // row 5: same citizen ID as row 2
		"新生戊,男,,,学生,ZNZZ-XS,,,机电2401",                                         // row 6: not the secretary's branch
		"新生己,男,,,学生,NOPE,,,机电2401",                                            // row 7: unknown branch
		"新生庚,未知,,,学生,XXGC-XS1,,,x",                                            // row 8: gender
		"新生辛,女,,,学生,XXGC-XS1,正式党员,,x",                                         // row 9: stage without date
	)
	want := map[int]string{3: "身份证号", 4: "手机号", 5: "身份证号", 6: "支部编码", 7: "支部编码", 8: "性别", 9: "阶段起始日期"}

	r := b.importDone(t, secretary, "名册.csv", file, "ALL_OR_NOTHING", "")
	imp := r.ImportMembers.Import
	if imp.Status != "REJECTED" || imp.ImportedRows != 0 || imp.TotalRows != 8 {
		t.Fatalf("all or nothing: %+v", imp)
	}
	got := map[int]string{}
	for _, p := range imp.Problems {
		got[p.Row] = p.Column
	}
	for row, col := range want {
		if got[row] != col {
			t.Errorf("row %d: problem in %q, want %q (all: %+v)", row, got[row], col, imp.Problems)
		}
	}
	if _, ok := got[2]; ok {
		t.Errorf("valid row 2 reported: %+v", imp.Problems)
	}
	if n := len(b.memberIDs(t, secretary)); n != 5 {
		t.Fatalf("a rejected import changed the roster: %d members", n)
	}

	r = b.importDone(t, secretary, "名册.csv", file, "VALID_ROWS_ONLY", "")
	if imp := r.ImportMembers.Import; imp.Status != "SUCCEEDED" || imp.ImportedRows != 1 || len(imp.Problems) != len(want) {
		t.Fatalf("valid rows only: %+v", imp)
	}
	d := decode[memberList](t, b.post(t, membersQuery, map[string]any{"first": 10, "f": map[string]any{"query": "新生甲"}}, bearer(secretary)...))
	if len(d.Members.Edges) != 1 {
		t.Fatalf("imported row not found: %+v", d)
	}
	cls := decode[struct{ Member struct{ ClassName string } }](t, b.post(t, `query($id: ID!) { member(id: $id) { className } }`, map[string]any{"id": d.Members.Edges[0].Node.ID}, bearer(secretary)...))
	if cls.Member.ClassName != `=HYPERLINK("http://evil")` {
		t.Fatalf("formula-looking cell not stored as text: %q", cls.Member.ClassName)
	}

	// The export defuses it again.
	x := decode[struct {
		ExportMembers struct {
			Filename, Data string
			Rows           int
		}
	}](t, b.post(t, `mutation { exportMembers(input: {}) { filename rows data } }`, nil, bearer(secretary)...))
	raw, _ := base64.StdEncoding.DecodeString(x.ExportMembers.Data)
	wb, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := wb.GetRows(wb.GetSheetList()[0])
	if len(rows) != 1+x.ExportMembers.Rows || x.ExportMembers.Rows != 6 {
		t.Fatalf("export: %d rows for %d records", len(rows), x.ExportMembers.Rows)
	}
	found := false
	for i, row := range rows {
		for j, v := range row {
			if strings.Contains(v, "HYPERLINK") {
				found = true
				cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
				if f, _ := wb.GetCellFormula(wb.GetSheetList()[0], cell); f != "" || !strings.HasPrefix(v, "'=") {
					t.Fatalf("exported cell %s = %q formula %q", cell, v, f)
				}
			}
			if strings.Contains(v, id1) {
				t.Fatalf("unmasked citizen ID in a masked export: %q", v)
			}
		}
	}
	if !found {
		t.Fatal("imported record missing from the export")
	}

	// Not an xlsx, wrong header, no rows.
	for name, c := range map[string]struct {
		filename string
		data     []byte
	}{
		"fake xlsx":      {"a.xlsx", []byte("<html>not a workbook</html>")},
		"unknown header": {"a.csv", []byte("name,shoe size\nx,42\n")},
		"only a header":  {"a.csv", csvRoster()[:strings.Index(string(csvRoster()), "\n")+1]},
	} {
		r := b.upload(t, secretary, c.filename, c.data, "ALL_OR_NOTHING", "")
		if r.code(0) != "BAD_USER_INPUT" {
			t.Errorf("%s: %+v", name, r.Errors)
		}
	}
	// Without credentials or a preflight header a multipart request is refused.
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("operations", `{"query":"{ __typename }"}`)
	_ = w.WriteField("map", `{}`)
	_ = w.Close()
	if r := b.raw(t, http.MethodPost, "/graphql", w.FormDataContentType(), body.Bytes()); r.status != http.StatusBadRequest {
		t.Fatalf("bare multipart request: %d", r.status)
	}
}

// TestImportTenThousandRows imports a 10,000-row workbook in one
// transaction and checks the progress record.
func TestImportTenThousandRows(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	admin, _ := b.login(t, "admin", demoPassword)
	wb := excelize.NewFile()
	sw, _ := wb.NewStreamWriter("Sheet1")
	_ = sw.SetRow("A1", []any{"姓名", "性别", "身份证号", "人员类别", "支部编码", "党员发展阶段", "阶段起始日期"})
	const n = 10000
	for i := 0; i < n; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		id := member.CitizenIDWithCheck(fmt.Sprintf("3301022005%02d%02d%03d", 1+i%12, 1+i%28, i%1000)[:14] + fmt.Sprintf("%03d", i/10%1000))
		_ = sw.SetRow(cell, []any{fmt.Sprintf("学生%05d", i), []string{"男", "女"}[i%2], id, "学生", "ZNZZ-XS", "入党申请人", "2026-03-01"})
	}
	_ = sw.Flush()
	var buf bytes.Buffer
	_ = wb.Write(&buf)

	importID := uuid.NewString()
	r := b.importDone(t, admin, "roster.xlsx", buf.Bytes(), "VALID_ROWS_ONLY", importID)
	imp := r.ImportMembers.Import
	// Generated IDs may collide (same birth date and sequence); those rows are
	// reported, never imported twice.
	if imp.Status != "SUCCEEDED" || imp.TotalRows != n || imp.ImportedRows+len(imp.Problems) != n || imp.ImportedRows < n*9/10 {
		t.Fatalf("import: %+v (first problems %+v)", imp, imp.Problems[:min(3, len(imp.Problems))])
	}
	status := decode[struct {
		MemberImport struct {
			Status                      string
			ProcessedRows, ImportedRows int
		}
	}](t, b.post(t, `query($id: String!) { memberImport(id: $id) { status processedRows importedRows } }`, map[string]any{"id": importID}, bearer(admin)...))
	if status.MemberImport.Status != "SUCCEEDED" || status.MemberImport.ProcessedRows != n || status.MemberImport.ImportedRows != imp.ImportedRows {
		t.Fatalf("import record: %+v", status)
	}
	// The file (citizen IDs) waited sealed, and is gone now.
	var kept int
	if err := b.count(t, b.demo.School.ID, `SELECT count(*) FROM member_imports WHERE file_sealed IS NOT NULL`, &kept); err != nil || kept != 0 {
		t.Fatalf("%d finished imports still hold their file (%v)", kept, err)
	}
	if r := b.upload(t, admin, "roster.xlsx", buf.Bytes(), "VALID_ROWS_ONLY", importID); r.code(0) != "CONFLICT" {
		t.Fatalf("same import id twice: %+v", r.Errors)
	}
}

// TestExportsDownloadFromStorage: with object storage an export is not in
// the answer: it is a private object behind a short-lived link (saved
// under its file name), deleted by a job queued for an hour later.
func TestExportsDownloadFromStorage(t *testing.T) {
	t.Parallel()
	b, _ := setupMedia(t, nil)
	admin, _ := b.login(t, "admin", demoPassword)
	x := decode[struct {
		ExportMembers struct {
			Filename  string
			Rows      int
			URL       *string
			ExpiresAt *time.Time
			Data      *string
		}
	}](t, b.post(t, `mutation { exportMembers(input: {}) { filename rows url expiresAt data } }`, nil, bearer(admin)...)).ExportMembers
	if x.URL == nil || x.Data != nil || x.ExpiresAt == nil || time.Until(*x.ExpiresAt) <= 0 || time.Until(*x.ExpiresAt) > time.Hour || x.Rows < 1 {
		t.Fatalf("export: %+v", x)
	}
	res, err := http.Get(*x.URL)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("download: %d %v", res.StatusCode, res.Header)
	}
	wb, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if rows, _ := wb.GetRows(wb.GetSheetList()[0]); len(rows) != 1+x.Rows {
		t.Fatalf("downloaded %d rows for %d records", len(rows), x.Rows)
	}
	if u, _ := url.Parse(*x.URL); !strings.Contains(u.Path, "/x/"+b.demo.School.ID.String()+"/") || u.Query().Get("X-Amz-Signature") == "" {
		t.Fatalf("not a signed link to the school's generated files: %s", *x.URL)
	}
	// The deletion job waits an hour; run it now.
	tag, err := b.app.Pool.Exec(context.Background(), `UPDATE river_job SET scheduled_at = now()
		WHERE kind = 'media.delete_objects' AND state = 'scheduled' AND scheduled_at > now() + interval '50 minutes'`)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("the export's deletion, an hour away: %v %v", tag, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(*x.URL)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusNotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the export was not deleted: %d", res.StatusCode)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
