package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/postgres"
	"zhdj/internal/seed"
	"zhdj/internal/volunteer"
)

const activityFields = `id title status capacity confirmedCount placesLeft audience hours cosignedBy
	area { id name } topics { id name } partners { name kind contactName contactPhone } orgUnit { name }
	mySignUp { id status waitlistPosition }`

type activityNode struct {
	ID, Title, Status, Audience          string
	Capacity, ConfirmedCount, PlacesLeft int
	Hours                                float64
	CosignedBy                           *string
	Area                                 *struct{ ID, Name string }
	Topics                               []struct{ ID, Name string }
	Partners                             []struct {
		Name, Kind                string
		ContactName, ContactPhone *string
	}
	OrgUnit  struct{ Name string }
	MySignUp *signUpNode
}

type signUpNode struct {
	ID, Status       string
	WaitlistPosition *int
	CheckedInAt      *string
	CheckedOutAt     *string
	Hours            *float64
	HoursConfirmed   bool
}

const signUpFields = `id status waitlistPosition checkedInAt checkedOutAt hours hoursConfirmed`

// must posts a document and fails the test on any error.
func (b *testBundle) must(t *testing.T, token, query string, vars map[string]any) *gqlResponse {
	t.Helper()
	var h []string
	if token != "" {
		h = bearer(token)
	}
	r := b.post(t, query, vars, h...)
	if len(r.Errors) != 0 {
		t.Fatalf("%s: %+v", strings.Fields(query)[0:3], r.Errors)
	}
	return r
}

// wantCode posts a document and checks the error code.
func (b *testBundle) wantCode(t *testing.T, code, token, query string, vars map[string]any) *gqlResponse {
	t.Helper()
	var h []string
	if token != "" {
		h = bearer(token)
	}
	r := b.post(t, query, vars, h...)
	if r.code(0) != code {
		t.Fatalf("want %s, got %+v", code, r.Errors)
	}
	return r
}

func activityInputVars(title string, capacity int, audience string, extra map[string]any) map[string]any {
	now := time.Now().UTC()
	in := map[string]any{
		"title": title, "description": "清理社区公共区域", "address": "学院路 1 号",
		"signupOpensAt": now.Add(-time.Hour).Format(time.RFC3339), "signupClosesAt": now.Add(time.Hour).Format(time.RFC3339),
		"startsAt": now.Add(2 * time.Hour).Format(time.RFC3339), "endsAt": now.Add(5 * time.Hour).Format(time.RFC3339),
		"capacity": capacity, "audience": audience, "hours": 3,
	}
	for k, v := range extra {
		in[k] = v
	}
	return in
}

const createActivityDoc = `mutation($u: ID!, $a: ActivityInput!) { createActivity(input: {orgUnit: $u, activity: $a}) { activity { ` + activityFields + ` } } }`
const setStatusDoc = `mutation($id: ID!, $s: ActivityStatusChange!) { setActivityStatus(input: {id: $id, status: $s}) { activity { status } } }`
const signUpDoc = `mutation($id: ID!) { signUp(input: {activityId: $id}) { signUp { ` + signUpFields + ` } } }`
const attendDoc = `mutation($id: ID!, $k: AttendanceKind!, $c: String!) { attend(input: {activityId: $id, kind: $k, code: $c}) { signUp { ` + signUpFields + ` } } }`
const codeDoc = `query($id: ID!, $k: AttendanceKind!) { attendanceCode(activityId: $id, kind: $k) { code qr expiresAt } }`

// liMing returns the member ID of the demo member 李明 and of his branch.
func (b *testBundle) liMing(t *testing.T, admin string) (person, branch string) {
	t.Helper()
	d := decode[struct {
		Members struct {
			Edges []struct {
				Node struct {
					ID      string
					OrgUnit struct{ ID string }
				}
			}
		}
	}](t, b.must(t, admin, `{ members(filter: {query: "李明"}) { edges { node { id orgUnit { id } } } } }`, nil))
	if len(d.Members.Edges) != 1 {
		t.Fatalf("李明: %+v", d)
	}
	return d.Members.Edges[0].Node.ID, d.Members.Edges[0].Node.OrgUnit.ID
}

func TestVolunteerActivityFlow(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword) // org admin of 学生第一党支部
	memberTok, _ := b.login(t, "member", demoPassword)    // 李明, full member there
	student, _ := b.login(t, "student", demoPassword)     // 王芳, an applicant
	liming, branch := b.liMing(t, admin)

	// Taxonomy and partners (school-wide volunteer managers).
	campus := decode[struct {
		CreateVolunteerArea struct{ Area struct{ ID string } }
	}](t,
		b.must(t, admin, `mutation { createVolunteerArea(input: {code: "south", name: "南校区"}) { area { id } } }`, nil)).CreateVolunteerArea.Area.ID
	community := decode[struct {
		CreateVolunteerArea struct{ Area struct{ ID, ParentID string } }
	}](t,
		b.must(t, admin, `mutation($p: ID) { createVolunteerArea(input: {code: "south-xinyuan", name: "新苑社区", parent: $p}) { area { id parentId } } }`, map[string]any{"p": campus})).CreateVolunteerArea.Area
	if community.ParentID != campus {
		t.Fatalf("parent: %+v", community)
	}
	b.wantCode(t, "CONFLICT", admin, `mutation { createVolunteerArea(input: {code: "south", name: "重复"}) { area { id } } }`, nil)
	b.wantCode(t, "FORBIDDEN", memberTok, `mutation { createVolunteerTopic(input: {code: "env", name: "环保"}) { topic { id } } }`, nil)
	env := decode[struct {
		CreateVolunteerTopic struct{ Topic struct{ ID string } }
	}](t,
		b.must(t, admin, `mutation { createVolunteerTopic(input: {code: "env", name: "环境保护"}) { topic { id } } }`, nil)).CreateVolunteerTopic.Topic.ID
	elder := decode[struct {
		CreateVolunteerTopic struct{ Topic struct{ ID string } }
	}](t,
		b.must(t, admin, `mutation { createVolunteerTopic(input: {code: "elder", name: "助老"}) { topic { id } } }`, nil)).CreateVolunteerTopic.Topic.ID
	partner := decode[struct {
		CreatePartner struct {
			Partner struct{ ID, ContactPhone string }
		}
	}](t, b.must(t, admin, `mutation { createPartner(input: {name: "新苑社区居委会", kind: COMMUNITY, contactName: "周主任", contactPhone: "13912345678"}) { partner { id contactPhone } } }`, nil)).CreatePartner.Partner
	if partner.ContactPhone != "139****5678" {
		t.Fatalf("partner phone must be masked: %+v", partner)
	}
	partnersDoc := `{ volunteerPartners(site: "xxgc") { id name kind contactName contactPhone } }`
	type partnerList struct {
		VolunteerPartners []struct {
			ID, Name, Kind            string
			ContactName, ContactPhone *string
		}
	}
	if l := decode[partnerList](t, b.must(t, "", partnersDoc, nil)).VolunteerPartners; len(l) != 1 || l[0].ID != partner.ID || l[0].Kind != "COMMUNITY" || l[0].ContactPhone != nil || l[0].ContactName != nil {
		t.Fatalf("partners, signed out: %+v", l)
	}
	if l := decode[partnerList](t, b.must(t, admin, partnersDoc, nil)).VolunteerPartners; len(l) != 1 || l[0].ContactPhone == nil || *l[0].ContactPhone != "139****5678" {
		t.Fatalf("partners, for a volunteer manager: %+v", l)
	}

	// A draft is seen by its organisers only.
	vars := map[string]any{"u": branch, "a": activityInputVars("社区清洁日", 1, "MEMBERS", map[string]any{
		"area": community.ID, "topics": []string{env}, "partners": []string{partner.ID}})}
	act := decode[struct {
		CreateActivity struct{ Activity activityNode }
	}](t, b.must(t, secretary, createActivityDoc, vars)).CreateActivity.Activity
	if act.Status != "DRAFT" || act.Area == nil || act.Area.Name != "新苑社区" || len(act.Topics) != 1 || len(act.Partners) != 1 || act.OrgUnit.Name == "" {
		t.Fatalf("created: %+v", act)
	}
	getDoc := `query($id: ID!) { activity(id: $id) { ` + activityFields + ` } }`
	if d := decode[struct{ Activity *activityNode }](t, b.must(t, "", getDoc, map[string]any{"id": act.ID})); d.Activity != nil {
		t.Fatalf("draft visible to the public: %+v", d.Activity)
	}
	b.wantCode(t, "BAD_USER_INPUT", memberTok, signUpDoc, map[string]any{"id": act.ID})
	b.wantCode(t, "FORBIDDEN", student, setStatusDoc, map[string]any{"id": act.ID, "s": "OPEN"})
	b.must(t, secretary, setStatusDoc, map[string]any{"id": act.ID, "s": "OPEN"})

	// Invalid input names every bad field and creates nothing.
	bad := activityInputVars("", 0, "MEMBERS", map[string]any{"hours": 99})
	bad["endsAt"] = bad["startsAt"]
	r := b.wantCode(t, "BAD_USER_INPUT", secretary, createActivityDoc, map[string]any{"u": branch, "a": bad})
	fields, _ := r.Errors[0].Extensions["fields"].(map[string]any)
	bad = activityInputVars("引用不存在", 5, "MEMBERS", map[string]any{"cover": partner.ID, "topics": []string{env, env}})
	b.wantCode(t, "BAD_USER_INPUT", secretary, createActivityDoc, map[string]any{"u": branch, "a": bad}) // a partner's ID is not a cover's
	bad["cover"] = nil
	if d := decode[struct {
		CreateActivity struct{ Activity activityNode }
	}](t, b.must(t, secretary, createActivityDoc, map[string]any{"u": branch, "a": bad})); len(d.CreateActivity.Activity.Topics) != 1 {
		t.Fatalf("a topic given twice is kept once: %+v", d.CreateActivity.Activity.Topics)
	}
	for _, f := range []string{"input.activity.title", "input.activity.capacity", "input.activity.endsAt"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("field %s not named: %v", f, fields)
		}
	}

	// Audience: an applicant may not take a members-only place.
	b.wantCode(t, "FORBIDDEN", student, signUpDoc, map[string]any{"id": act.ID})
	su := decode[struct{ SignUp struct{ SignUp signUpNode } }](t, b.must(t, memberTok, signUpDoc, map[string]any{"id": act.ID})).SignUp.SignUp
	if su.Status != "CONFIRMED" {
		t.Fatalf("sign-up: %+v", su)
	}
	b.wantCode(t, "CONFLICT", memberTok, signUpDoc, map[string]any{"id": act.ID})

	// One overlapping activity at a time (tenant rule, default 1).
	other := decode[struct {
		CreateActivity struct{ Activity activityNode }
	}](t, b.must(t, secretary, createActivityDoc, map[string]any{"u": branch,
		"a": activityInputVars("敬老院探访", 5, "ALL_STUDENTS", map[string]any{"topics": []string{elder},
			"startsAt": time.Now().UTC().Add(3 * time.Hour).Format(time.RFC3339), "endsAt": time.Now().UTC().Add(6 * time.Hour).Format(time.RFC3339)})})).CreateActivity.Activity
	b.must(t, secretary, setStatusDoc, map[string]any{"id": other.ID, "s": "OPEN"})
	b.wantCode(t, "CONFLICT", memberTok, signUpDoc, map[string]any{"id": other.ID})
	if s := decode[struct{ SignUp struct{ SignUp signUpNode } }](t, b.must(t, student, signUpDoc, map[string]any{"id": other.ID})).SignUp.SignUp; s.Status != "CONFIRMED" {
		t.Fatalf("student sign-up for all students: %+v", s)
	}

	// Browsing: filters by area (and the areas under it) and topic; the
	// full activity says so; the caller's own sign-up comes with it.
	browse := `query($f: ActivityFilterInput) { activities(site: "xxgc", filter: $f, first: 10) { edges { node { ` + activityFields + ` } } pageInfo { hasNextPage } } }`
	type browseResult struct {
		Activities struct{ Edges []struct{ Node activityNode } }
	}
	list := decode[browseResult](t, b.must(t, memberTok, browse, map[string]any{"f": map[string]any{"areas": []string{campus}, "topics": []string{env}}})).Activities.Edges
	if len(list) != 1 || list[0].Node.ID != act.ID || list[0].Node.Status != "FULL" || list[0].Node.PlacesLeft != 0 ||
		list[0].Node.MySignUp == nil || list[0].Node.MySignUp.Status != "CONFIRMED" {
		t.Fatalf("browse by area and topic: %+v", list)
	}
	if p := list[0].Node.Partners[0]; p.ContactName != nil || p.ContactPhone != nil {
		t.Fatalf("partner contact shown to a member: %+v", p)
	}
	if list := decode[browseResult](t, b.must(t, "", browse, map[string]any{"f": map[string]any{"topics": []string{elder}}})).Activities.Edges; len(list) != 1 || list[0].Node.ID != other.ID || list[0].Node.MySignUp != nil {
		t.Fatalf("browse by topic, signed out: %+v", list)
	}
	if list := decode[browseResult](t, b.must(t, "", browse, map[string]any{"f": map[string]any{"openOnly": true}})).Activities.Edges; len(list) != 1 || list[0].Node.ID != other.ID {
		t.Fatalf("open with places: %+v", list)
	}
	b.wantCode(t, "BAD_USER_INPUT", "", browse, map[string]any{"f": map[string]any{"areas": []string{env}}})
	for _, tc := range []struct {
		filter map[string]any
		want   []string
	}{
		{map[string]any{"status": []string{"FULL"}}, []string{act.ID}},
		{map[string]any{"status": []string{"OPEN"}}, []string{other.ID}},
		{map[string]any{"hasPlaces": true}, []string{other.ID}},
		{map[string]any{"audience": []string{"MEMBERS", "ALL_STUDENTS"}}, []string{act.ID, other.ID}}, // soonest first
		{map[string]any{"audience": []string{"MEMBERS_AND_ACTIVISTS"}}, nil},
		{map[string]any{"partners": []string{partner.ID}}, []string{act.ID}},
	} {
		var got []string
		for _, e := range decode[browseResult](t, b.must(t, "", browse, map[string]any{"f": tc.filter})).Activities.Edges {
			got = append(got, e.Node.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("filter %v: got %v, want %v", tc.filter, got, tc.want)
		}
	}

	// Orders page with their own cursors; facets count the whole filter.
	paged := `query($o: ActivityOrder, $after: String) { activities(site: "xxgc", orderBy: $o, first: 1, after: $after) {
		edges { cursor node { id } } pageInfo { hasNextPage } facets { areas { area { name } count } topics { topic { name } count } } } }`
	type pagedResult struct {
		Activities struct {
			Edges []struct {
				Cursor string
				Node   struct{ ID string }
			}
			PageInfo struct{ HasNextPage bool }
			Facets   struct {
				Areas []struct {
					Area  struct{ Name string }
					Count int
				}
				Topics []struct {
					Topic struct{ Name string }
					Count int
				}
			}
		}
	}
	for order, want := range map[string][]string{"START_TIME": {act.ID, other.ID}, "NEWEST": {other.ID, act.ID}} {
		p1 := decode[pagedResult](t, b.must(t, "", paged, map[string]any{"o": order})).Activities
		p2 := decode[pagedResult](t, b.must(t, "", paged, map[string]any{"o": order, "after": p1.Edges[0].Cursor})).Activities
		if len(p1.Edges) != 1 || len(p2.Edges) != 1 || p1.Edges[0].Node.ID != want[0] || p2.Edges[0].Node.ID != want[1] || !p1.PageInfo.HasNextPage || p2.PageInfo.HasNextPage {
			t.Fatalf("order %s: %+v then %+v", order, p1.Edges, p2.Edges)
		}
		if order == "START_TIME" {
			f := p1.Facets
			if len(f.Areas) != 1 || f.Areas[0].Area.Name != "新苑社区" || f.Areas[0].Count != 1 || len(f.Topics) != 2 {
				t.Fatalf("facets: %+v", f)
			}
			b.wantCode(t, "BAD_USER_INPUT", "", paged, map[string]any{"o": "POPULAR", "after": p1.Edges[0].Cursor})
		}
	}
	if p := decode[pagedResult](t, b.must(t, "", paged, map[string]any{"o": "POPULAR"})).Activities; p.Edges[0].Node.ID != act.ID && p.Edges[0].Node.ID != other.ID {
		t.Fatalf("popular: %+v", p)
	}

	// The student joined the second activity; only the organiser sees the roster.
	b.wantCode(t, "FORBIDDEN", memberTok, `query($id: ID!) { activityRoster(id: $id) { id } }`, map[string]any{"id": act.ID})
	roster := decode[struct {
		ActivityRoster []struct {
			PersonName string
			Activity   struct{ ID string }
		}
	}](t, b.must(t, secretary, `query($id: ID!) { activityRoster(id: $id) { personName activity { id } } }`, map[string]any{"id": act.ID})).ActivityRoster
	if len(roster) != 1 || roster[0].PersonName != "李明" || roster[0].Activity.ID != act.ID {
		t.Fatalf("roster: %+v", roster)
	}

	// Check-in and check-out with the organiser's rotating code.
	b.wantCode(t, "FORBIDDEN", memberTok, codeDoc, map[string]any{"id": act.ID, "k": "IN"})
	in := decode[struct{ AttendanceCode struct{ Code, QR string } }](t, b.must(t, secretary, codeDoc, map[string]any{"id": act.ID, "k": "IN"})).AttendanceCode
	out := decode[struct{ AttendanceCode struct{ Code, QR string } }](t, b.must(t, secretary, codeDoc, map[string]any{"id": act.ID, "k": "OUT"})).AttendanceCode
	if len(in.Code) != 6 || in.Code == out.Code && in.QR == out.QR {
		t.Fatalf("codes: %+v %+v", in, out)
	}
	b.wantCode(t, "CONFLICT", memberTok, attendDoc, map[string]any{"id": act.ID, "k": "OUT", "c": out.Code})
	b.wantCode(t, "BAD_USER_INPUT", memberTok, attendDoc, map[string]any{"id": act.ID, "k": "IN", "c": "12345x"})
	b.wantCode(t, "BAD_USER_INPUT", memberTok, attendDoc, map[string]any{"id": act.ID, "k": "IN", "c": out.Code})
	b.wantCode(t, "FORBIDDEN", student, attendDoc, map[string]any{"id": act.ID, "k": "IN", "c": in.Code})
	if s := decode[struct{ Attend struct{ SignUp signUpNode } }](t, b.must(t, memberTok, attendDoc, map[string]any{"id": act.ID, "k": "IN", "c": in.QR})).Attend.SignUp; s.CheckedInAt == nil {
		t.Fatalf("check-in: %+v", s)
	}
	b.wantCode(t, "CONFLICT", memberTok, attendDoc, map[string]any{"id": act.ID, "k": "IN", "c": in.Code})
	checkedOut := decode[struct{ Attend struct{ SignUp signUpNode } }](t, b.must(t, memberTok, attendDoc, map[string]any{"id": act.ID, "k": "OUT", "c": out.Code})).Attend.SignUp
	if checkedOut.CheckedOutAt == nil || checkedOut.Hours == nil || *checkedOut.Hours != 0 {
		t.Fatalf("check-out: %+v", checkedOut)
	}

	// Hours: adjusting needs a reason and stays within the activity's span.
	confirm := `mutation($in: ConfirmHoursInput!) { confirmHours(input: $in) { signUp { ` + signUpFields + ` hoursReason } } }`
	b.wantCode(t, "FORBIDDEN", memberTok, confirm, map[string]any{"in": map[string]any{"signUpId": su.ID}})
	b.wantCode(t, "BAD_USER_INPUT", secretary, confirm, map[string]any{"in": map[string]any{"signUpId": su.ID, "hours": 3}})
	b.wantCode(t, "BAD_USER_INPUT", secretary, confirm, map[string]any{"in": map[string]any{"signUpId": su.ID, "hours": 3.5, "reason": "提前到场"}})
	done := decode[struct{ ConfirmHours struct{ SignUp signUpNode } }](t, b.must(t, secretary, confirm, map[string]any{"in": map[string]any{"signUpId": su.ID, "hours": 3, "reason": "按活动全程计"}})).ConfirmHours.SignUp
	if !done.HoursConfirmed || done.Hours == nil || *done.Hours != 3 {
		t.Fatalf("confirmed: %+v", done)
	}
	// Confirmed hours are a learning fact, once.
	b.must(t, secretary, confirm, map[string]any{"in": map[string]any{"signUpId": su.ID, "hours": 3, "reason": "按活动全程计"}})
	var facts int
	var factHours float64
	if err := b.asOwner(t, b.demo.School.ID, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*), COALESCE(max((details->>'hours')::float8), 0) FROM learning_facts WHERE kind = 'volunteer_hours_confirmed'`).Scan(&facts, &factHours)
	}); err != nil || facts != 1 || factHours != 3 {
		t.Fatalf("volunteer hours facts: %d (%v h), %v", facts, factHours, err)
	}

	// The record: the person themself, or a volunteer manager over them.
	entry := `mutation($in: AddVolunteerRecordEntryInput!) { addVolunteerRecordEntry(input: $in) { entry { id kind title date } } }`
	b.wantCode(t, "BAD_USER_INPUT", secretary, entry, map[string]any{"in": map[string]any{"member": liming, "kind": "TRAINING", "title": " ", "date": "2026-11-20"}})
	b.must(t, secretary, entry, map[string]any{"in": map[string]any{"member": liming, "kind": "TRAINING", "title": "志愿者通用培训", "date": "2026-11-20"}})
	recordDoc := `query($m: ID) { volunteerRecord(member: $m) { totalHours service { hours activity { title } } entries { kind title date } } }`
	type record struct {
		VolunteerRecord struct {
			TotalHours float64
			Service    []struct {
				Hours    float64
				Activity struct{ Title string }
			}
			Entries []struct{ Kind, Title, Date string }
		}
	}
	rec := decode[record](t, b.must(t, memberTok, recordDoc, nil)).VolunteerRecord
	if rec.TotalHours != 3 || len(rec.Service) != 1 || rec.Service[0].Activity.Title != "社区清洁日" ||
		len(rec.Entries) != 1 || rec.Entries[0].Kind != "TRAINING" || rec.Entries[0].Date != "2026-11-20" {
		t.Fatalf("record: %+v", rec)
	}
	if got := decode[record](t, b.must(t, secretary, recordDoc, map[string]any{"m": liming})).VolunteerRecord; got.TotalHours != 3 {
		t.Fatalf("record seen by the secretary: %+v", got)
	}
	b.wantCode(t, "NOT_FOUND", student, recordDoc, map[string]any{"m": liming})
	details := decode[struct {
		VolunteerRecord struct {
			Name, Gender, Phone, CitizenID string
			TotalHours                     float64
		}
	}](t, b.must(t, memberTok, `{ volunteerRecord { name gender phone citizenId totalHours } }`, nil)).VolunteerRecord
	if details.Name != "李明" || details.Gender != "MALE" || !strings.Contains(details.Phone, "*") || !strings.Contains(details.CitizenID, "*") {
		t.Fatalf("record details: %+v", details)
	}
	later := time.Now().AddDate(0, 0, 2).Format(time.DateOnly)
	periodDoc := `query($f: Date, $t: Date) { volunteerRecord(from: $f, to: $t) { totalHours service { hours } from to } }`
	if p := decode[record](t, b.must(t, memberTok, periodDoc, map[string]any{"f": later})).VolunteerRecord; p.TotalHours != 0 || len(p.Service) != 0 {
		t.Fatalf("hours from %s: %+v", later, p)
	}
	if p := decode[record](t, b.must(t, memberTok, periodDoc, map[string]any{"f": time.Now().AddDate(0, 0, -1).Format(time.DateOnly), "t": later})).VolunteerRecord; p.TotalHours != 3 {
		t.Fatalf("hours in the period: %+v", p)
	}
	b.wantCode(t, "BAD_USER_INPUT", memberTok, periodDoc, map[string]any{"f": later, "t": time.Now().Format(time.DateOnly)})

	// The roster exports to .xlsx for organisers only.
	exportDoc := `mutation($id: ID!) { exportActivityRoster(input: {id: $id}) { filename rows data } }`
	b.wantCode(t, "FORBIDDEN", memberTok, exportDoc, map[string]any{"id": act.ID})
	x := decode[struct {
		ExportActivityRoster struct {
			Filename, Data string
			Rows           int
		}
	}](t, b.must(t, secretary, exportDoc, map[string]any{"id": act.ID})).ExportActivityRoster
	raw, err := base64.StdEncoding.DecodeString(x.Data)
	if err != nil || x.Rows != 1 || !strings.HasSuffix(x.Filename, ".xlsx") {
		t.Fatalf("export: %+v %v", x, err)
	}
	wb, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := wb.GetRows(wb.GetSheetName(0))
	if err != nil || len(rows) != 2 || rows[1][0] != "李明" || rows[1][5] != "3.0" || rows[1][6] != "是" || rows[1][7] != "按活动全程计" {
		t.Fatalf("exported rows: %q (%v)", rows, err)
	}

	// The partner's contact confirms the roster through a signed link.
	link := decode[struct{ CreateCosignLink struct{ Token string } }](t,
		b.must(t, secretary, `mutation($id: ID!) { createCosignLink(input: {id: $id}) { token expiresAt } }`, map[string]any{"id": act.ID})).CreateCosignLink.Token
	cosign := `mutation($t: String!, $n: String!) { cosignRoster(input: {token: $t, name: $n}) { activity { cosignedBy } } }`
	forged := link[:len(link)-2] + "AA"
	if forged == link {
		forged = link[:len(link)-2] + "BB"
	}
	b.wantCode(t, "UNAUTHENTICATED", "", cosign, map[string]any{"t": forged, "n": "周主任"})
	b.wantCode(t, "BAD_USER_INPUT", "", cosign, map[string]any{"t": link, "n": " "})
	if got := decode[struct {
		CosignRoster struct{ Activity struct{ CosignedBy string } }
	}](t, b.must(t, "", cosign, map[string]any{"t": link, "n": "周主任"})); got.CosignRoster.Activity.CosignedBy != "周主任" {
		t.Fatalf("cosign: %+v", got)
	}
	b.wantCode(t, "CONFLICT", secretary, `mutation($id: ID!) { createCosignLink(input: {id: $id}) { token } }`, map[string]any{"id": other.ID})

	// The node interface resolves a published activity.
	if d := decode[struct{ Node struct{ Title string } }](t, b.must(t, "", `query($id: ID!) { node(id: $id) { ... on Activity { title } } }`, map[string]any{"id": act.ID})); d.Node.Title != "社区清洁日" {
		t.Fatalf("node: %+v", d)
	}
}

// TestVolunteerOtherUnitForbidden: organisers act only on their own units' activities.
func TestVolunteerOtherUnitForbidden(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword)
	znzz := decode[struct {
		Site struct{ OrgUnit struct{ ID string } }
	}](t, b.must(t, "", `{ site(slug: "znzz") { orgUnit { id } } }`, nil)).Site.OrgUnit.ID
	b.wantCode(t, "FORBIDDEN", secretary, createActivityDoc, map[string]any{"u": znzz, "a": activityInputVars("智能制造学院活动", 3, "ALL_STUDENTS", nil)})
	act := decode[struct {
		CreateActivity struct{ Activity activityNode }
	}](t, b.must(t, admin, createActivityDoc, map[string]any{"u": znzz,
		"a": activityInputVars("智能制造学院活动", 3, "ALL_STUDENTS", nil)})).CreateActivity.Activity
	b.wantCode(t, "FORBIDDEN", secretary, setStatusDoc, map[string]any{"id": act.ID, "s": "OPEN"})
	b.wantCode(t, "FORBIDDEN", secretary, codeDoc, map[string]any{"id": act.ID, "k": "IN"})
	b.wantCode(t, "FORBIDDEN", secretary, `mutation($id: ID!, $a: ActivityInput!) { updateActivity(input: {id: $id, activity: $a}) { activity { id } } }`,
		map[string]any{"id": act.ID, "a": activityInputVars("改名", 3, "ALL_STUDENTS", nil)})
}

// TestOrganisedActivities: the organisers' list holds their own units'
// activities, drafts included, newest first, pages by keyset and counts
// facets over what it lists; the public list never shows a draft.
func TestOrganisedActivities(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword)
	student, _ := b.login(t, "student", demoPassword)
	_, branch := b.liMing(t, admin)
	znzz := decode[struct {
		Site struct{ OrgUnit struct{ ID string } }
	}](t, b.must(t, "", `{ site(slug: "znzz") { orgUnit { id } } }`, nil)).Site.OrgUnit.ID
	create := func(token, unit, title string) string {
		return decode[struct {
			CreateActivity struct{ Activity activityNode }
		}](t, b.must(t, token, createActivityDoc, map[string]any{"u": unit, "a": activityInputVars(title, 3, "ALL_STUDENTS", nil)})).CreateActivity.Activity.ID
	}
	draft := create(secretary, branch, "草稿活动")
	opened := create(secretary, branch, "已开放活动")
	b.must(t, secretary, setStatusDoc, map[string]any{"id": opened, "s": "OPEN"})
	elsewhere := create(admin, znzz, "智能制造学院草稿")

	type listed struct {
		OrganisedActivities struct {
			Edges []struct {
				Cursor string
				Node   struct{ ID, Title, Status string }
			}
			PageInfo struct{ HasNextPage bool }
			Facets   struct{ Areas []struct{ Count int } }
		}
	}
	const doc = `query($f: ActivityFilterInput, $n: Int, $after: String) { organisedActivities(filter: $f, first: $n, after: $after) {
		edges { cursor node { id title status } } pageInfo { hasNextPage } facets { areas { count } } } }`
	ids := func(l listed) []string {
		var out []string
		for _, e := range l.OrganisedActivities.Edges {
			out = append(out, e.Node.ID)
		}
		return out
	}
	mine := decode[listed](t, b.must(t, secretary, doc, nil))
	if got := ids(mine); !slices.Equal(got, []string{opened, draft}) {
		t.Fatalf("the secretary's list: %+v", mine)
	}
	if all := ids(decode[listed](t, b.must(t, admin, doc, nil))); len(all) < 3 || all[0] != elsewhere {
		t.Fatalf("the admin's list starts with the newest, in any unit: %v", all)
	}
	onlyDrafts := decode[listed](t, b.must(t, secretary, doc, map[string]any{"f": map[string]any{"status": []string{"DRAFT"}}}))
	if got := ids(onlyDrafts); !slices.Equal(got, []string{draft}) || onlyDrafts.OrganisedActivities.Edges[0].Node.Status != "DRAFT" {
		t.Fatalf("status DRAFT: %+v", onlyDrafts)
	}
	first := decode[listed](t, b.must(t, secretary, doc, map[string]any{"n": 1}))
	if !first.OrganisedActivities.PageInfo.HasNextPage || ids(first)[0] != opened {
		t.Fatalf("page one: %+v", first)
	}
	second := decode[listed](t, b.must(t, secretary, doc, map[string]any{"n": 1, "after": first.OrganisedActivities.Edges[0].Cursor}))
	if got := ids(second); !slices.Equal(got, []string{draft}) || second.OrganisedActivities.PageInfo.HasNextPage {
		t.Fatalf("page two: %+v", second)
	}
	if none := decode[listed](t, b.must(t, student, doc, nil)); len(none.OrganisedActivities.Edges) != 0 {
		t.Fatalf("a student organises nothing: %+v", none)
	}
	b.wantCode(t, "UNAUTHENTICATED", "", doc, nil)
	b.wantCode(t, "BAD_USER_INPUT", secretary, doc, map[string]any{"n": 1000})
	public := decode[struct {
		Activities struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}](t, b.must(t, "", `{ activities(site: "xxgc", first: 100) { edges { node { id } } } }`, nil))
	for _, e := range public.Activities.Edges {
		if e.Node.ID == draft || e.Node.ID == elsewhere {
			t.Fatalf("a draft in the public list: %+v", public)
		}
	}
}

// TestVolunteerSignUpConcurrency: 1000 people sign up at once for 100
// places; exactly 100 are confirmed, the rest wait in a gap-free line, and
// cancellations and a larger capacity admit them in that order.
func TestVolunteerSignUpConcurrency(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	ctx := context.Background()
	tenant, unit, people := b.volunteers(t, 1000)
	admin := auth.WithPrincipal(ctx, auth.SystemPrincipal(tenant))
	svc := b.app.Volunteer
	a := openActivity(t, admin, svc, unit, "迎新志愿服务", time.Hour, 100)
	as := func(person uuid.UUID) context.Context { return asPerson(tenant, person) }

	// Three servers: each with its own pool and its own sign-up batches;
	// the database alone decides the places.
	replicas := []*volunteer.Service{svc}
	for range 2 {
		pool, err := postgres.Open(ctx, b.app.Pool.Config().ConnString())
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		replicas = append(replicas, volunteer.NewService(pool, b.app.Keyring, nil))
	}
	signups := make([]*volunteer.SignUp, len(people))
	var wg sync.WaitGroup
	errs := make(chan error, len(people)+20)
	for i, p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			su, err := replicas[i%3].SignUp(as(p), a.ID)
			if err != nil {
				errs <- err
				return
			}
			signups[i] = su
		}()
	}
	// The same person twenty more times at once: exactly one of the
	// twenty-one attempts gets in, the others are told they already are.
	dup := make([]*volunteer.SignUp, 20)
	for i := range dup {
		wg.Add(1)
		go func() {
			defer wg.Done()
			su, err := replicas[i%3].SignUp(as(people[0]), a.ID)
			if err != nil {
				errs <- err
				return
			}
			dup[i] = su
		}()
	}
	wg.Wait()
	close(errs)
	conflicts := 0
	for err := range errs {
		if !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("sign-up: %v", err)
		}
		conflicts++
	}
	if conflicts != 20 {
		t.Fatalf("%d conflicts among 21 sign-ups of one person, want 20", conflicts)
	}
	if signups[0] == nil {
		for _, su := range dup {
			if su != nil {
				signups[0] = su
			}
		}
	}
	confirmed, positions := 0, []int{}
	for _, su := range signups {
		switch su.Status {
		case volunteer.SignUpConfirmed:
			confirmed++
		case volunteer.SignUpWaitlisted:
			positions = append(positions, *su.WaitlistPosition)
		}
	}
	sort.Ints(positions)
	if confirmed != 100 || len(positions) != 900 || positions[0] != 1 || positions[899] != 900 {
		t.Fatalf("confirmed %d, waitlisted %d (%v…)", confirmed, len(positions), positions[:min(3, len(positions))])
	}
	for i, p := range positions {
		if p != i+1 {
			t.Fatalf("waitlist has a gap or a duplicate at %d: %d", i+1, p)
		}
	}
	var stored int
	if err := b.count(t, tenant, `SELECT count(*) FROM signups WHERE status = 'confirmed'`, &stored); err != nil || stored != 100 {
		t.Fatalf("stored confirmed %d (%v)", stored, err)
	}

	// One person signing up for two overlapping activities at once gets
	// one of them (the default cap is one at a time).
	b2 := openActivity(t, admin, svc, unit, "同一时段的另一活动", 2*time.Hour, 10)
	b3 := openActivity(t, admin, svc, unit, "又一个同时段活动", 2*time.Hour, 10)
	_, _, extra := b.volunteers(t, 20)
	for _, person := range extra {
		results := make([]error, 2)
		var pair sync.WaitGroup
		for i, x := range []*volunteer.Activity{b2, b3} {
			pair.Add(1)
			go func() {
				defer pair.Done()
				_, results[i] = svc.SignUp(as(person), x.ID)
			}()
		}
		pair.Wait()
		ok := 0
		for _, err := range results {
			if err == nil {
				ok++
			} else if !apperr.Is(err, apperr.Conflict) {
				t.Fatalf("overlapping sign-up: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of two overlapping sign-ups at once succeeded, want 1", ok)
		}
	}

	// Five cancellations admit the first five in line, in order.
	byPos := map[int]*volunteer.SignUp{}
	var firstConfirmed []*volunteer.SignUp
	for _, su := range signups {
		if su.WaitlistPosition != nil {
			byPos[*su.WaitlistPosition] = su
		} else if len(firstConfirmed) < 5 {
			firstConfirmed = append(firstConfirmed, su)
		}
	}
	for _, su := range firstConfirmed {
		if _, err := svc.CancelSignUp(as(su.PersonID), su.ID); err != nil {
			t.Fatal(err)
		}
	}
	intruder := people[0]
	if byPos[10].PersonID == intruder {
		intruder = people[1]
	}
	if _, err := svc.CancelSignUp(as(intruder), byPos[10].ID); !apperr.Is(err, apperr.Forbidden) {
		t.Fatalf("cancelling someone else's sign-up: %v", err)
	}
	roster, err := svc.Roster(admin, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	status := map[uuid.UUID]volunteer.SignUpStatus{}
	for _, su := range roster {
		status[su.ID] = su.Status
	}
	for pos := 1; pos <= 6; pos++ {
		want := volunteer.SignUpConfirmed
		if pos == 6 {
			want = volunteer.SignUpWaitlisted
		}
		if got := status[byPos[pos].ID]; got != want {
			t.Fatalf("waitlist position %d: %s, want %s", pos, got, want)
		}
	}

	// Someone who cancelled may sign up again: at the end of the line.
	again, err := svc.SignUp(as(firstConfirmed[0].PersonID), a.ID)
	// (900 waited, the first five were admitted: 895 are ahead.)
	if err != nil || again.Status != volunteer.SignUpWaitlisted || *again.WaitlistPosition != 896 || again.ID != firstConfirmed[0].ID {
		t.Fatalf("signing up again: %+v %v", again, err)
	}

	// Capacity may not drop below the confirmed places; raising it admits
	// the next in line.
	in := volunteer.ActivityInput{Title: a.Title, StartsAt: a.StartsAt, EndsAt: a.EndsAt, SignupOpensAt: a.SignupOpensAt, SignupClosesAt: a.SignupClosesAt,
		Capacity: 50, Audience: a.Audience, Hours: a.Hours}
	if _, err := svc.UpdateActivity(admin, a.ID, in); !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("capacity below confirmed: %v", err)
	}
	in.Capacity = 103
	if got, err := svc.UpdateActivity(admin, a.ID, in); err != nil || got.ConfirmedCount != 103 {
		t.Fatalf("raise capacity: %v %+v", err, got)
	}
	if err := b.count(t, tenant, fmt.Sprintf(`SELECT count(*) FROM signups WHERE status = 'confirmed' AND id IN ('%s', '%s', '%s')`,
		byPos[6].ID, byPos[7].ID, byPos[8].ID), &stored); err != nil || stored != 3 {
		t.Fatalf("positions 6–8 after raising capacity: %d (%v)", stored, err)
	}
	if line := b.waitlist(t, tenant, a.ID); len(line) != 893 || line[0] != byPos[9].ID || line[892] != again.ID {
		t.Fatalf("after eight admitted, the line has %d, first %v (want %v), last %v (want %v)", len(line), line[0], byPos[9].ID, line[len(line)-1], again.ID)
	}
}

// waitlist returns an activity's waitlist in order, checking that every
// place is the sign-up's place in line (1, 2, 3 … with no gap) and that
// the activity counts them all.
func (b *testBundle) waitlist(t *testing.T, tenant, activity uuid.UUID) []uuid.UUID {
	t.Helper()
	var ids []uuid.UUID
	var places []int
	var counted int
	err := b.asOwner(t, tenant, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, waitlist_position FROM signups WHERE activity_id = $1 AND status = 'waitlisted' ORDER BY waitlist_position, created_at`, activity)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id uuid.UUID
			var place int
			if err := rows.Scan(&id, &place); err != nil {
				return err
			}
			ids, places = append(ids, id), append(places, place)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT waitlisted_count FROM activities WHERE id = $1`, activity).Scan(&counted)
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range places {
		if p != i+1 {
			t.Fatalf("place %d in line reads %d (places %v…)", i+1, p, places[:min(i+3, len(places))])
		}
	}
	if counted != len(ids) {
		t.Fatalf("the activity counts %d waiting, %d are", counted, len(ids))
	}
	return ids
}

// TestWaitlistPositionIsThePlaceInLine: capacity 1, A confirmed, B and C
// waiting; A cancels, B is admitted and C is next (1). Then, under
// concurrent cancellations and sign-ups on two servers, everyone waiting
// reads their place, the line keeps its order (first come, first
// admitted) and newcomers join at its end.
func TestWaitlistPositionIsThePlaceInLine(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	ctx := context.Background()
	tenant, unit, people := b.volunteers(t, 303)
	admin := auth.WithPrincipal(ctx, auth.SystemPrincipal(tenant))
	svc := b.app.Volunteer
	as := func(person uuid.UUID) context.Context { return asPerson(tenant, person) }
	place := func(su *volunteer.SignUp) int {
		if su.WaitlistPosition == nil {
			return 0
		}
		return *su.WaitlistPosition
	}
	mine := func(activity uuid.UUID, person uuid.UUID) *volunteer.SignUp {
		t.Helper()
		roster, err := svc.Roster(admin, activity)
		if err != nil {
			t.Fatal(err)
		}
		for _, su := range roster {
			if su.PersonID == person {
				return su
			}
		}
		t.Fatalf("no sign-up of %v", person)
		return nil
	}

	one := openActivity(t, admin, svc, unit, "一个名额的活动", time.Hour, 1)
	var abc []*volunteer.SignUp
	for _, p := range people[:3] {
		su, err := svc.SignUp(as(p), one.ID)
		if err != nil {
			t.Fatal(err)
		}
		abc = append(abc, su)
	}
	if abc[0].Status != volunteer.SignUpConfirmed || place(abc[1]) != 1 || place(abc[2]) != 2 {
		t.Fatalf("A %s, B at %d, C at %d", abc[0].Status, place(abc[1]), place(abc[2]))
	}
	if _, err := svc.CancelSignUp(as(people[0]), abc[0].ID); err != nil {
		t.Fatal(err)
	}
	if b2, c2 := mine(one.ID, people[1]), mine(one.ID, people[2]); b2.Status != volunteer.SignUpConfirmed || c2.Status != volunteer.SignUpWaitlisted || place(c2) != 1 {
		t.Fatalf("after A cancelled: B %s at %d, C %s at %d", b2.Status, place(b2), c2.Status, place(c2))
	}
	// C leaves the line, D joins it: D is next.
	d, err := svc.SignUp(as(people[3]), one.ID)
	if err != nil || place(d) != 2 {
		t.Fatalf("D: %+v %v", d, err)
	}
	if _, err := svc.CancelSignUp(as(people[2]), abc[2].ID); err != nil {
		t.Fatal(err)
	}
	if d2 := mine(one.ID, people[3]); place(d2) != 1 {
		t.Fatalf("D after C left: at %d, want 1", place(d2))
	}

	// Churn: 20 places, 200 sign up; then at once, on two servers, 60 of
	// them cancel (confirmed and waiting alike) while 99 more sign up.
	pool2, err := postgres.Open(ctx, b.app.Pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer pool2.Close()
	replicas := []*volunteer.Service{svc, volunteer.NewService(pool2, b.app.Keyring, nil)}
	busy := openActivity(t, admin, svc, unit, "热门活动", time.Hour, 20)
	first := make([]*volunteer.SignUp, 200)
	for i, p := range people[4:204] { // one at a time: arrival order is known
		if first[i], err = svc.SignUp(as(p), busy.ID); err != nil {
			t.Fatal(err)
		}
	}
	before := b.waitlist(t, tenant, busy.ID)
	if len(before) != 180 || before[0] != first[20].ID {
		t.Fatalf("line of %d, first %v", len(before), before[0])
	}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	cancelled := map[uuid.UUID]bool{}
	for i := 0; i < 200; i += 200 / 60 { // every third: confirmed and waiting alike
		if len(cancelled) == 60 {
			break
		}
		su := first[i]
		cancelled[su.ID] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := replicas[i%2].CancelSignUp(as(su.PersonID), su.ID); err != nil {
				errs <- err
			}
		}()
	}
	var mu sync.Mutex
	newcomers := map[uuid.UUID]bool{}
	for i, p := range people[204:303] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			su, err := replicas[i%2].SignUp(as(p), busy.ID)
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			newcomers[su.ID] = true
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	after := b.waitlist(t, tenant, busy.ID) // places are 1…n
	roster, err := svc.Roster(admin, busy.ID)
	if err != nil {
		t.Fatal(err)
	}
	confirmed := 0
	for _, su := range roster {
		if su.Status == volunteer.SignUpConfirmed {
			confirmed++
		}
	}
	if confirmed != 20 {
		t.Fatalf("%d confirmed, want the 20 places filled", confirmed)
	}
	if want := 200 + 99 - len(cancelled) - 20; len(after) != want {
		t.Fatalf("%d waiting, want %d", len(after), want)
	}
	// The earlier waiting who did not cancel were admitted from the front
	// and the rest kept their order, ahead of every newcomer.
	var kept []uuid.UUID
	for _, id := range before {
		if !cancelled[id] {
			kept = append(kept, id)
		}
	}
	admitted := 0
	for admitted < len(kept) && kept[admitted] != after[0] {
		admitted++
	}
	for i, id := range kept[admitted:] {
		if after[i] != id {
			t.Fatalf("place %d: %v, want %v (the earlier line in order)", i+1, after[i], id)
		}
	}
	for _, id := range after[len(kept)-admitted:] {
		if !newcomers[id] {
			t.Fatalf("%v is behind the newcomers but came earlier", id)
		}
	}
	for _, su := range roster {
		if su.Status == volunteer.SignUpWaitlisted && after[place(su)-1] != su.ID {
			t.Fatalf("%v reads place %d, is at another", su.ID, place(su))
		}
	}
}

// volunteers adds n students to the demo school's first unit and returns
// the tenant, the unit and the people.
func (b *testBundle) volunteers(t *testing.T, n int) (tenant, unit uuid.UUID, people []uuid.UUID) {
	t.Helper()
	tenant = b.demo.School.ID
	err := b.asOwner(t, tenant, func(ctx context.Context, tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT id FROM org_units WHERE tenant_id = $1 ORDER BY path LIMIT 1`, tenant).Scan(&unit); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `INSERT INTO people (tenant_id, name, gender, category, org_unit_id, stage)
			SELECT $1, '志愿者' || g, 'female', 'student', $2, 'none' FROM generate_series(1, $3) g RETURNING id`, tenant, unit, n)
		if err != nil {
			return err
		}
		people, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tenant, unit, people
}

func (b *testBundle) count(t *testing.T, tenant uuid.UUID, sql string, n *int) error {
	t.Helper()
	return b.asOwner(t, tenant, func(ctx context.Context, tx pgx.Tx) error {
		err := tx.QueryRow(ctx, sql).Scan(n)
		if errors.Is(err, pgx.ErrNoRows) {
			*n = 0
			return nil
		}
		return err
	})
}

// TestDemoVolunteerSeed: the demo activities appear once, however often
// the seed runs, and students can browse them.
func TestDemoVolunteerSeed(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	for i, want := range []int{2, 0} {
		n, err := seed.DemoVolunteer(context.Background(), b.demo.School, b.app.Org, b.app.Volunteer, time.Now())
		if err != nil || n != want {
			t.Fatalf("run %d: %d activities (%v), want %d", i, n, err, want)
		}
	}
	d := decode[struct {
		Activities struct {
			Edges []struct {
				Node struct{ Title, Status string }
			}
		}
	}](t, b.must(t, "", `{ activities(site: "znzz", filter: {openOnly: true}) { edges { node { title status } } } }`, nil))
	if len(d.Activities.Edges) != 2 || d.Activities.Edges[0].Node.Status != "OPEN" {
		t.Fatalf("demo activities: %+v", d)
	}
	// The partner community lists the activity run with it (a batched
	// field: one query for all partners).
	p := decode[struct {
		VolunteerPartners []struct {
			Name       string
			Activities []struct{ Title string }
		}
	}](t, b.must(t, "", `{ volunteerPartners(site: "xxgc") { name activities(first: 3) { title } } }`, nil))
	if len(p.VolunteerPartners) != 1 || len(p.VolunteerPartners[0].Activities) != 1 || p.VolunteerPartners[0].Activities[0].Title != "新苑社区环境清洁日" {
		t.Fatalf("partner activities: %+v", p)
	}
	if r := b.post(t, `{ volunteerPartners(site: "xxgc") { activities(first: 21) { title } } }`, nil); r.code(0) != "BAD_USER_INPUT" {
		t.Fatalf("first: 21: %+v", r.Errors)
	}
}

// TestVolunteerSignUpBatch: sign-ups that arrive while one is being written
// go together in the next transaction, in arrival order; someone signing up
// again after cancelling goes alone after that batch, on their old row.
// The activity's row is held locked by the test so that the batch forms.
func TestVolunteerSignUpBatch(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	ctx := context.Background()
	tenant, unit, people := b.volunteers(t, 6)
	admin := auth.WithPrincipal(ctx, auth.SystemPrincipal(tenant))
	svc := b.app.Volunteer
	a := openActivity(t, admin, svc, unit, "周末助老", time.Hour, 3)
	as := func(person uuid.UUID) context.Context { return asPerson(tenant, person) }
	// people[0] signs up and cancels: a cancelled row to sign up again on.
	old, err := svc.SignUp(as(people[0]), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CancelSignUp(as(people[0]), old.ID); err != nil {
		t.Fatal(err)
	}

	locked, release, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	var xid string // of the transaction holding the row
	go func() {
		held <- b.asOwner(t, tenant, func(ctx context.Context, tx pgx.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT txid_current() % 4294967296 FROM activities WHERE id = $1 FOR UPDATE`, a.ID).Scan(&xid); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	type answer struct {
		su  *volunteer.SignUp
		err error
	}
	answers := make([]chan answer, len(people))
	signUp := func(i int) {
		answers[i] = make(chan answer, 1)
		go func() {
			su, err := svc.SignUp(as(people[i]), a.ID)
			answers[i] <- answer{su, err}
		}()
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	// The first goes at once and waits for the row; the others queue
	// behind it, in this order.
	signUp(1)
	waitFor("the first sign-up to wait for the activity's row", func() bool {
		var n int
		_ = b.asOwner(t, tenant, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted AND transactionid::text = $1`, xid).Scan(&n)
		})
		return n == 1
	})
	for i, p := range []int{2, 0, 3, 4, 5} {
		signUp(p)
		waitFor("the sign-ups to queue", func() bool { return svc.WaitingSignUps(tenant, a.ID) == i+1 })
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	got := make([]answer, len(people))
	for i := range people {
		got[i] = <-answers[i]
		if got[i].err != nil {
			t.Fatalf("sign-up %d: %v", i, got[i].err)
		}
	}
	type want struct {
		status   volunteer.SignUpStatus
		position int
	}
	for i, w := range map[int]want{
		1: {volunteer.SignUpConfirmed, 0}, 2: {volunteer.SignUpConfirmed, 0}, 3: {volunteer.SignUpConfirmed, 0},
		4: {volunteer.SignUpWaitlisted, 1}, 5: {volunteer.SignUpWaitlisted, 2},
		0: {volunteer.SignUpWaitlisted, 3}, // again, on the old row: after the batch it came with
	} {
		su := got[i].su
		pos := 0
		if su.WaitlistPosition != nil {
			pos = *su.WaitlistPosition
		}
		if su.Status != w.status || pos != w.position || su.PersonID != people[i] {
			t.Errorf("person %d: %s at %d (person %s), want %s at %d", i, su.Status, pos, su.PersonID, w.status, w.position)
		}
	}
	if got[0].su.ID != old.ID {
		t.Errorf("signing up again made a new row %s, want the old one %s", got[0].su.ID, old.ID)
	}
	var confirmed, signups int
	if err := b.count(t, tenant, `SELECT confirmed_count FROM activities`, &confirmed); err != nil || confirmed != 3 {
		t.Fatalf("confirmed_count %d (%v), want 3", confirmed, err)
	}
	if err := b.count(t, tenant, `SELECT signup_count FROM activities`, &signups); err != nil || signups != 7 {
		t.Fatalf("signup_count %d (%v), want 7 (six people, one of them twice)", signups, err)
	}
	// The metrics saw three batches (the first sign-up, then one, then
	// five) of seven requests, one of which went again alone.
	text := b.scrape(t)
	for series, want := range map[string]float64{
		`zhdj_signup_batch_size_count{went="batched"}`: 3, `zhdj_signup_batch_size_sum{went="batched"}`: 7,
		`zhdj_signup_batch_size_count{went="alone"}`: 1,
	} {
		if got := value(text, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
}

// openActivity creates an activity of unit that starts in startsIn and
// lasts two hours, for all students, with sign-up open now, and opens it.
func openActivity(t *testing.T, admin context.Context, svc *volunteer.Service, unit uuid.UUID, title string, startsIn time.Duration, capacity int) *volunteer.Activity {
	t.Helper()
	now := time.Now()
	a, err := svc.CreateActivity(admin, volunteer.ActivityInput{Title: title, OrgUnitID: &unit, StartsAt: now.Add(startsIn), EndsAt: now.Add(startsIn + 2*time.Hour),
		SignupOpensAt: now.Add(-time.Hour), SignupClosesAt: now.Add(time.Hour), Capacity: capacity, Audience: volunteer.AudienceAllStudents, Hours: 2})
	if err != nil {
		t.Fatal(err)
	}
	if a, err = svc.SetStatus(admin, a.ID, volunteer.StatusOpen); err != nil {
		t.Fatal(err)
	}
	return a
}

// asPerson is the context of a signed-in account linked to person.
func asPerson(tenant, person uuid.UUID) context.Context {
	return auth.WithPrincipal(context.Background(), &auth.Principal{TenantID: tenant, AccountID: uuid.New(), PersonID: &person})
}
