package app_test

import (
	"strings"
	"testing"

	"zhdj/internal/member"
)

type memberList struct {
	Members struct {
		Edges []struct {
			Node struct {
				ID, Name, Stage, Status, CitizenID, Phone string
				Version                                   int
				OrgUnit                                   struct{ Code string }
			}
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
}

const membersQuery = `query($f: MemberFilter, $first: Int, $after: String) {
  members(filter: $f, first: $first, after: $after) {
    edges { node { id name stage status citizenId phone version orgUnit { code } } }
    pageInfo { hasNextPage endCursor }
  }
}`

// ids returns name → id for every member the admin can list.
func (b *testBundle) memberIDs(t *testing.T, token string) map[string]string {
	t.Helper()
	d := decode[memberList](t, b.post(t, membersQuery, map[string]any{"first": 100, "f": map[string]any{"includeTransferredOut": true}}, bearer(token)...))
	out := map[string]string{}
	for _, e := range d.Members.Edges {
		out[e.Node.Name] = e.Node.ID
	}
	return out
}

func TestMemberScopeAndMasking(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword)
	editor, _ := b.login(t, "editor", demoPassword)
	self, _ := b.login(t, "member", demoPassword)

	all := b.memberIDs(t, admin)
	if len(all) != 8 {
		t.Fatalf("admin sees %d members: %v", len(all), all)
	}

	// The secretary of 学生第一党支部 sees that branch only, in name order, masked.
	d := decode[memberList](t, b.post(t, membersQuery, map[string]any{"first": 2}, bearer(secretary)...))
	var names []string
	after := d.Members.PageInfo.EndCursor
	for _, e := range d.Members.Edges {
		names = append(names, e.Node.Name)
		if !strings.Contains(e.Node.CitizenID, "**********") || !strings.Contains(e.Node.Phone, "****") {
			t.Fatalf("identifiers not masked: %+v", e.Node)
		}
	}
	for d.Members.PageInfo.HasNextPage {
		d = decode[memberList](t, b.post(t, membersQuery, map[string]any{"first": 2, "after": *after}, bearer(secretary)...))
		for _, e := range d.Members.Edges {
			names = append(names, e.Node.Name)
		}
		after = d.Members.PageInfo.EndCursor
	}
	if strings.Join(names, ",") != "刘强,李明,王芳,赵磊,陈红梅" {
		t.Fatalf("secretary's members: %v", names)
	}

	// A member of a sibling branch does not exist for the secretary.
	one := `query($id: ID!) { member(id: $id) { name citizenId } }`
	r := b.post(t, one, map[string]any{"id": all["孙丽"]}, bearer(secretary)...)
	if r.code(0) != "NOT_FOUND" || strings.Contains(r.Errors[0].Message, "孙丽") || strings.Contains(strings.ToLower(r.Errors[0].Message), "permission") {
		t.Fatalf("sibling branch member: %+v", r.Errors)
	}
	// ...and the admin of the whole school sees them.
	if r := b.post(t, one, map[string]any{"id": all["孙丽"]}, bearer(admin)...); len(r.Errors) != 0 {
		t.Fatalf("admin: %+v", r.Errors)
	}

	// Unmasked reads need the permission and are audited.
	unmasked := `query($id: ID!) { member(id: $id) { citizenId(unmasked: true) phone(unmasked: true) } }`
	r = b.post(t, unmasked, map[string]any{"id": all["王芳"]}, bearer(secretary)...)
	if len(r.Errors) != 0 || !strings.Contains(string(r.Data), member.CitizenIDWithCheck("33010220050620005")) || !strings.Contains(string(r.Data), "13800000005") {
		t.Fatalf("unmasked read: %s %+v", r.Data, r.Errors)
	}
	// A member may read their own record, masked, but not unmask it.
	if r := b.post(t, one, map[string]any{"id": all["李明"]}, bearer(self)...); len(r.Errors) != 0 {
		t.Fatalf("own record: %+v", r.Errors)
	}
	if r := b.post(t, unmasked, map[string]any{"id": all["李明"]}, bearer(self)...); r.code(0) != "FORBIDDEN" {
		t.Fatalf("member unmasking own record: %+v", r.Errors)
	}
	if r := b.post(t, one, map[string]any{"id": all["王芳"]}, bearer(self)...); r.code(0) != "NOT_FOUND" {
		t.Fatalf("member reading someone else: %+v", r.Errors)
	}
	if r := b.post(t, membersQuery, map[string]any{"first": 10}, bearer(editor)...); r.code(0) != "FORBIDDEN" {
		t.Fatalf("editor listing members: %+v", r.Errors)
	}
	if r := b.post(t, membersQuery, map[string]any{"first": 10}); r.code(0) != "UNAUTHENTICATED" {
		t.Fatalf("anonymous listing members: %+v", r.Errors)
	}

	audit := decode[struct {
		AuditLog struct {
			Edges []struct {
				Node struct {
					Action, TargetType string
					Actor              struct{ Username string }
				}
			}
		}
	}](t, b.post(t, `{ auditLog(filter: {actions: ["pii_read"]}) { edges { node { action targetType actor { username } } } } }`, nil, bearer(admin)...))
	if len(audit.AuditLog.Edges) != 2 || audit.AuditLog.Edges[0].Node.Actor.Username != "secretary" {
		t.Fatalf("pii reads audited: %+v", audit.AuditLog.Edges)
	}

	// Search: part of a name, or a whole phone number.
	for q, want := range map[string]string{"红梅": "陈红梅", "138 0000 0006": "赵磊"} {
		d := decode[memberList](t, b.post(t, membersQuery, map[string]any{"first": 10, "f": map[string]any{"query": q}}, bearer(secretary)...))
		if len(d.Members.Edges) != 1 || d.Members.Edges[0].Node.Name != want {
			t.Fatalf("search %q: %+v", q, d.Members.Edges)
		}
	}
}

func TestMemberWrites(t *testing.T) {
	t.Parallel()
	b := setup(t, identityEnv())
	admin, _ := b.login(t, "admin", demoPassword)
	secretary, _ := b.login(t, "secretary", demoPassword)
	all := b.memberIDs(t, admin)
	units := decode[struct {
		Me struct {
			Roles []struct{ OrgUnit struct{ ID string } }
		}
	}](t, b.post(t, `{ me { roles { orgUnit { id } } } }`, nil, bearer(secretary)...))
	branch := units.Me.Roles[0].OrgUnit.ID

	create := `mutation($u: ID!, $f: MemberFields!) { createMember(input: {orgUnitId: $u, fields: $f, stage: NONE}) { member { id name birthDate citizenId version } } }`
	fields := func(id string) map[string]any {
		return map[string]any{"name": "吴新", "gender": "MALE", "category": "STUDENT", "citizenId": id, "phone": "13900001111"}
	}
	good := member.CitizenIDWithCheck("33010220060707011")
	for name, tc := range map[string]struct {
		f     map[string]any
		field string
	}{
		"bad check digit":    {fields(good[:17] + "0"), "input.fields.citizenId"},
		"bad phone":          {func() map[string]any { f := fields(good); f["phone"] = "12345"; return f }(), "input.fields.phone"},
		"birth date differs": {func() map[string]any { f := fields(good); f["birthDate"] = "2006-07-08"; return f }(), "input.fields.birthDate"},
		"empty name":         {func() map[string]any { f := fields(good); f["name"] = " "; return f }(), "input.fields.name"},
	} {
		r := b.post(t, create, map[string]any{"u": branch, "f": tc.f}, bearer(secretary)...)
		fieldsErr, _ := r.Errors[0].Extensions["fields"].(map[string]any)
		if r.code(0) != "BAD_USER_INPUT" || fieldsErr[tc.field] == nil {
			t.Errorf("%s: %+v", name, r.Errors)
		}
	}
	r := b.post(t, create, map[string]any{"u": branch, "f": fields(good)}, bearer(secretary)...)
	if len(r.Errors) != 0 || !strings.Contains(string(r.Data), `"birthDate":"2006-07-07"`) {
		t.Fatalf("create: %s %+v", r.Data, r.Errors)
	}
	if r := b.post(t, create, map[string]any{"u": branch, "f": fields(good)}, bearer(secretary)...); r.code(0) != "CONFLICT" {
		t.Fatalf("duplicate citizen ID: %+v", r.Errors)
	}

	// Optimistic concurrency.
	update := `mutation($id: ID!, $v: Int!, $f: MemberFields!) { updateMember(input: {id: $id, version: $v, fields: $f}) { member { version department } } }`
	upd := map[string]any{"name": "王芳", "gender": "FEMALE", "category": "STUDENT", "department": "软件技术专业"}
	if r := b.post(t, update, map[string]any{"id": all["王芳"], "v": 1, "f": upd}, bearer(secretary)...); len(r.Errors) != 0 {
		t.Fatalf("update: %+v", r.Errors)
	}
	if r := b.post(t, update, map[string]any{"id": all["王芳"], "v": 1, "f": upd}, bearer(secretary)...); r.code(0) != "CONFLICT" {
		t.Fatalf("stale update: %+v", r.Errors)
	}

	// Stage transitions follow the rules.
	transition := `mutation($in: TransitionMemberStageInput!) { transitionMemberStage(input: $in) { member { stage stageSince history { fromStage toStage effectiveOn actor { username } } } } }`
	r = b.post(t, transition, map[string]any{"in": map[string]any{"id": all["王芳"], "to": "FULL", "effectiveOn": "2026-10-01"}}, bearer(secretary)...)
	if r.code(0) != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "stage.sequence") {
		t.Fatalf("applicant to full member: %+v", r.Errors)
	}
	r = b.post(t, transition, map[string]any{"in": map[string]any{"id": all["王芳"], "to": "ACTIVIST", "effectiveOn": "2026-10-01",
		"contactIds": []string{all["陈红梅"], all["刘强"]}}}, bearer(secretary)...)
	if len(r.Errors) != 0 || !strings.Contains(string(r.Data), `"stage":"ACTIVIST"`) || !strings.Contains(string(r.Data), `"username":"secretary"`) {
		t.Fatalf("applicant to activist: %s %+v", r.Data, r.Errors)
	}
	r = b.post(t, transition, map[string]any{"in": map[string]any{"id": all["王芳"], "to": "CANDIDATE", "effectiveOn": "2026-11-01",
		"introducerIds": []string{all["陈红梅"], all["刘强"]}, "politicalReviewOn": "2026-10-20"}}, bearer(secretary)...)
	if r.code(0) != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, "activist.trainingDays") {
		t.Fatalf("candidate after a month of training: %+v", r.Errors)
	}
	r = b.post(t, transition, map[string]any{"in": map[string]any{"id": all["赵磊"], "to": "CANDIDATE", "effectiveOn": "2026-05-01",
		"introducerIds": []string{all["陈红梅"], all["刘强"]}, "politicalReviewOn": "2026-04-20"}}, bearer(secretary)...)
	if len(r.Errors) != 0 {
		t.Fatalf("activist of a year to candidate: %+v", r.Errors)
	}

	// Transfers: the secretary cannot move someone to another college's branch.
	transfer := `mutation($in: TransferMemberInput!) { transferMember(input: $in) { member { status orgUnit { code } transfers { direction fromUnit { code } toUnit { code } externalOrg } } } }`
	znzz := decode[struct {
		Site struct {
			OrgUnit struct{ Children []struct{ ID, Code string } }
		}
	}](t, b.post(t, `{ site(slug: "znzz") { orgUnit { children { id code } } } }`, nil)).Site.OrgUnit.Children
	r = b.post(t, transfer, map[string]any{"in": map[string]any{"id": all["赵磊"], "toUnitId": znzz[1].ID, "effectiveOn": "2026-11-01"}}, bearer(secretary)...)
	if r.code(0) != "FORBIDDEN" {
		t.Fatalf("secretary transferring across colleges: %+v", r.Errors)
	}
	r = b.post(t, transfer, map[string]any{"in": map[string]any{"id": all["赵磊"], "toUnitId": znzz[1].ID, "effectiveOn": "2026-11-01", "letterNo": "2026-017"}}, bearer(admin)...)
	if len(r.Errors) != 0 || !strings.Contains(string(r.Data), `"code":"ZNZZ-XS"`) || !strings.Contains(string(r.Data), `"direction":"INTERNAL"`) {
		t.Fatalf("admin internal transfer: %s %+v", r.Data, r.Errors)
	}
	// Out of the school: the record stays, as history.
	r = b.post(t, transfer, map[string]any{"in": map[string]any{"id": all["李明"], "externalOrg": "某市某区街道党工委", "effectiveOn": "2026-11-20"}}, bearer(secretary)...)
	if len(r.Errors) != 0 || !strings.Contains(string(r.Data), `"status":"TRANSFERRED_OUT"`) {
		t.Fatalf("transfer out: %s %+v", r.Data, r.Errors)
	}
	d := decode[memberList](t, b.post(t, membersQuery, map[string]any{"first": 50}, bearer(secretary)...))
	for _, e := range d.Members.Edges {
		if e.Node.Name == "李明" || e.Node.Name == "赵磊" {
			t.Fatalf("%s still listed as an active member of the branch", e.Node.Name)
		}
	}
	if r := b.post(t, `query($id: ID!) { member(id: $id) { status } }`, map[string]any{"id": all["李明"]}, bearer(secretary)...); len(r.Errors) != 0 {
		t.Fatalf("transferred-out member not readable as history: %+v", r.Errors)
	}
	if r := b.post(t, transition, map[string]any{"in": map[string]any{"id": all["李明"], "to": "FULL", "effectiveOn": "2026-11-21"}}, bearer(secretary)...); r.code(0) != "BAD_USER_INPUT" {
		t.Fatalf("transition after transfer out: %+v", r.Errors)
	}
}
