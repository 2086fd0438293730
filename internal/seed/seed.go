// Package seed creates the demo data of a local installation: one school
// with its party organisation tree and two secondary-college sites, built
// through the same domain services as production writes. Running it again
// changes nothing that is already there.
package seed

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"zhdj/internal/account"
	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/learning"
	"zhdj/internal/member"
	"zhdj/internal/org"
	"zhdj/internal/site"
	"zhdj/internal/tenant"
)

// Services are what seeding writes through.
type Services struct {
	Tenants  *tenant.Service
	Org      *org.Service
	Sites    *site.Service
	Accounts *account.Service
	Members  *member.Service
	// Learning, when set, gets the demo learning plans.
	Learning *learning.Service
}

// DemoSchoolCode is the code of the demo school.
const DemoSchoolCode = "demo"

type unitSpec struct {
	code, parent string
	kind         org.Kind
	name         string
	order        int
}

var demoUnits = []unitSpec{
	{"DW", "", org.KindCommittee, "示范职业技术学院党委", 0},
	{"XXGC", "DW", org.KindGeneralBranch, "信息工程学院党总支", 10},
	{"XXGC-JG", "XXGC", org.KindBranch, "信息工程学院教工党支部", 10},
	{"XXGC-XS1", "XXGC", org.KindBranch, "信息工程学院学生第一党支部", 20},
	{"XXGC-XS1-G1", "XXGC-XS1", org.KindGroup, "软件技术专业党小组", 10},
	{"XXGC-XS1-G2", "XXGC-XS1", org.KindGroup, "计算机网络技术专业党小组", 20},
	{"XXGC-XS2", "XXGC", org.KindBranch, "信息工程学院学生第二党支部", 30},
	{"ZNZZ", "DW", org.KindGeneralBranch, "智能制造学院党总支", 20},
	{"ZNZZ-JG", "ZNZZ", org.KindBranch, "智能制造学院教工党支部", 10},
	{"ZNZZ-XS", "ZNZZ", org.KindBranch, "智能制造学院学生党支部", 20},
	{"ZNZZ-XS-G1", "ZNZZ-XS", org.KindGroup, "机电一体化专业党小组", 10},
	{"JG", "DW", org.KindBranch, "机关党支部", 30},
}

type siteSpec struct {
	unit    string
	in      site.CreateInput
	comment string
}

func demoSites() []siteSpec {
	nav := func(college string) json.RawMessage {
		return json.RawMessage(fmt.Sprintf(`[
  {"label":"党建动态","kind":"content_list","filter":{"types":["article"],"tags":["党建动态"]}},
  {"label":"微党课","kind":"content_list","filter":{"types":["micro_lesson"]}},
  {"label":"主题漫画","kind":"content_list","filter":{"types":["comic"]}},
  {"label":"志愿服务","kind":"group","children":[
    {"label":"活动报名","kind":"content_list","filter":{"topics":["志愿服务"]}},
    {"label":"服务指南","kind":"page","pageSlug":"volunteer-guide"}]},
  {"label":"%s官网","kind":"external","url":"https://www.example.edu.cn/"}
]`, college))
	}
	blocks := json.RawMessage(`[
  {"type":"hero","title":"学思想 强党性 重实践 建新功","subtitle":"用党的创新理论武装头脑"},
  {"type":"featured","title":"置顶推荐","limit":5},
  {"type":"content_list","title":"最新微党课","filter":{"types":["micro_lesson"]},"limit":6},
  {"type":"links","title":"常用链接","links":[{"label":"学习强国","url":"https://www.xuexi.cn/"},{"label":"共产党员网","url":"https://www.12371.cn/"}]}
]`)
	return []siteSpec{
		{unit: "XXGC", in: site.CreateInput{
			Slug: "xxgc", Name: "信息工程学院党建", Description: "信息工程学院党总支的党建门户",
			Origins:    []string{"http://localhost:3001", "http://127.0.0.1:3001"},
			Theme:      json.RawMessage(`{"colors":{"primary":"#b71c1c","accent":"#1565c0"},"radius":6}`),
			Navigation: nav("信息工程学院"), HomeBlocks: blocks,
		}},
		{unit: "ZNZZ", in: site.CreateInput{
			Slug: "znzz", Name: "智能制造学院红色引擎", Description: "智能制造学院党总支的移动端与微信 H5 门户",
			Origins:    []string{"http://localhost:3002", "http://127.0.0.1:3002"},
			Theme:      json.RawMessage(`{"colors":{"primary":"#c62828","secondary":"#4e342e","accent":"#ff8f00","surface":"#fff8e1"},"fonts":{"heading":"\"Noto Serif CJK SC\", serif"},"radius":12}`),
			Navigation: nav("智能制造学院"), HomeBlocks: blocks,
		}},
	}
}

// DemoSiteSlugs are the demo colleges' sites.
func DemoSiteSlugs() []string {
	var out []string
	for _, s := range demoSites() {
		out = append(out, s.in.Slug)
	}
	return out
}

// Report says what Demo created.
type Report struct {
	School         *tenant.Tenant
	CreatedUnit    int
	CreatedSite    int
	CreatedAccount int
	CreatedMember  int
}

// DemoAccount is a demo sign-in and the role it holds.
type DemoAccount struct {
	Username, DisplayName string
	Role                  auth.Role
	Unit                  string // org unit code
	Person                string // demo person's name, if the account is theirs
}

// DemoAccounts are created by Demo, all with the demo password.
var DemoAccounts = []DemoAccount{
	{"admin", "组织部管理员", auth.RoleTenantAdmin, "DW", ""},
	{"secretary", "学生第一党支部书记", auth.RoleOrgAdmin, "XXGC-XS1", ""},
	{"editor", "信息工程学院宣传员", auth.RoleEditor, "XXGC", ""},
	{"reviewer", "信息工程学院审核员", auth.RoleReviewer, "XXGC", ""},
	{"member", "李明", auth.RoleMember, "XXGC-XS1", "李明"},
	{"student", "王芳", "", "", "王芳"},
}

type personSpec struct {
	name   string
	gender member.Gender
	unit   string
	stage  member.Stage
	since  string
	id17   string // first 17 digits of a fictitious citizen ID
	phone  string
	cat    member.Category
	posts  []string
}

// demoPeople are fictitious: the citizen IDs carry valid check characters
// but belong to no one.
var demoPeople = []personSpec{
	{"张建国", member.GenderMale, "XXGC-JG", member.StageFull, "2008-07-01", "33010219800312001", "13800000001", member.CategoryStaff, []string{"支部书记"}},
	{"陈红梅", member.GenderFemale, "XXGC-XS1", member.StageFull, "2015-06-20", "33010219900518002", "13800000002", member.CategoryStaff, []string{"支部书记"}},
	{"刘强", member.GenderMale, "XXGC-XS1", member.StageFull, "2016-05-10", "33010219920809003", "13800000003", member.CategoryStaff, []string{"组织委员"}},
	{"李明", member.GenderMale, "XXGC-XS1", member.StageFull, "2024-12-01", "33010220030101004", "13800000004", member.CategoryStudent, nil},
	{"王芳", member.GenderFemale, "XXGC-XS1", member.StageApplicant, "2026-03-15", "33010220050620005", "13800000005", member.CategoryStudent, nil},
	{"赵磊", member.GenderMale, "XXGC-XS1", member.StageActivist, "2025-04-01", "33010220040211006", "13800000006", member.CategoryStudent, nil},
	{"孙丽", member.GenderFemale, "XXGC-XS2", member.StageProbationary, "2025-11-20", "33010220030930007", "13800000007", member.CategoryStudent, nil},
	{"周杰", member.GenderMale, "ZNZZ-XS", member.StageCandidate, "2026-06-01", "33010220040415008", "13800000008", member.CategoryStudent, nil},
}

// Demo creates whatever of the demo school is missing; demo accounts get
// password.
func Demo(ctx context.Context, s Services, password string) (*Report, error) {
	rep := &Report{}
	school, err := s.Tenants.ByCode(ctx, DemoSchoolCode)
	if apperr.Is(err, apperr.NotFound) {
		school, err = s.Tenants.Create(ctx, tenant.CreateInput{Code: DemoSchoolCode, Name: "示范职业技术学院"})
	}
	if err != nil {
		return nil, fmt.Errorf("seed: school: %w", err)
	}
	rep.School = school
	ctx = auth.WithPrincipal(ctx, auth.SystemPrincipal(school.ID))

	units := map[string]*org.Unit{}
	for _, u := range demoUnits {
		got, err := s.Org.UnitByCode(ctx, school.ID, u.code)
		if apperr.Is(err, apperr.NotFound) {
			in := org.CreateUnitInput{Kind: u.kind, Name: u.name, Code: u.code, SortOrder: u.order}
			if u.parent != "" {
				in.ParentID = &units[u.parent].ID
			}
			got, err = s.Org.CreateUnit(ctx, in)
			rep.CreatedUnit++
		}
		if err != nil {
			return nil, fmt.Errorf("seed: org unit %s: %w", u.code, err)
		}
		units[u.code] = got
	}

	for _, sp := range demoSites() {
		if _, err := s.Sites.RouteBySlug(ctx, sp.in.Slug); err == nil {
			continue
		} else if !apperr.Is(err, apperr.NotFound) {
			return nil, fmt.Errorf("seed: site %s: %w", sp.in.Slug, err)
		}
		sp.in.OrgUnitID = units[sp.unit].ID
		if _, err := s.Sites.Create(ctx, sp.in); err != nil {
			return nil, fmt.Errorf("seed: site %s: %w", sp.in.Slug, err)
		}
		rep.CreatedSite++
	}

	people := map[string]*member.Person{}
	existing, err := s.Members.List(ctx, member.Filter{IncludeTransferredOut: true}, member.MaxPageSize, nil)
	if err != nil {
		return nil, fmt.Errorf("seed: members: %w", err)
	}
	for _, p := range existing.People {
		people[p.Name] = p
	}
	for _, ps := range demoPeople {
		if _, ok := people[ps.name]; ok {
			continue
		}
		since, _ := time.Parse(time.DateOnly, ps.since)
		p, err := s.Members.Create(ctx, member.CreateInput{
			Fields: member.Fields{Name: ps.name, Gender: ps.gender, Ethnicity: "汉族", NativePlace: "浙江杭州",
				Phone: ps.phone, CitizenID: member.CitizenIDWithCheck(ps.id17), Education: "本科", Category: ps.cat,
				Department: "信息工程学院", PartyPosts: ps.posts},
			OrgUnitID: units[ps.unit].ID, Stage: ps.stage, StageSince: &since,
		})
		if err != nil {
			return nil, fmt.Errorf("seed: member %s: %w", ps.name, err)
		}
		people[ps.name] = p
		rep.CreatedMember++
	}

	for _, d := range DemoAccounts {
		if _, err := s.Accounts.ByUsername(ctx, d.Username); err == nil {
			continue
		} else if !apperr.Is(err, apperr.NotFound) {
			return nil, fmt.Errorf("seed: account %s: %w", d.Username, err)
		}
		in := account.CreateInput{Username: d.Username, DisplayName: d.DisplayName, Password: password}
		if p, ok := people[d.Person]; ok {
			in.PersonID = &p.ID
		}
		acc, err := s.Accounts.Create(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("seed: account %s: %w", d.Username, err)
		}
		if d.Role != "" {
			if err := s.Accounts.GrantRole(ctx, acc.ID, d.Role, units[d.Unit].ID); err != nil {
				return nil, fmt.Errorf("seed: role of %s: %w", d.Username, err)
			}
		}
		rep.CreatedAccount++
	}
	if s.Learning != nil {
		for _, pl := range demoPlans {
			pl.OrgUnitID = units[pl.unit].ID
			if _, err := s.Learning.SetPlan(ctx, pl.PlanInput); err != nil {
				return nil, fmt.Errorf("seed: learning plan: %w", err)
			}
		}
	}
	return rep, nil
}

// demoPlans are the demo school's learning plans: the committee's for
// activists and probationary members, and one branch's own for its full
// members (a series of party-history lessons).
var demoPlans = []struct {
	unit string
	learning.PlanInput
}{
	{"DW", learning.PlanInput{Stage: member.StageActivist, Period: learning.Quarterly, RequiredLessons: 6}},
	{"DW", learning.PlanInput{Stage: member.StageProbationary, Period: learning.Quarterly, RequiredLessons: 4}},
	{"XXGC-XS1", learning.PlanInput{Stage: member.StageFull, Period: learning.Quarterly, RequiredLessons: 3, Series: "党史"}},
}
