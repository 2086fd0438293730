package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"zhdj/internal/auth"
	"zhdj/internal/org"
	"zhdj/internal/tenant"
	"zhdj/internal/volunteer"
)

// DemoVolunteer gives the demo school areas, topics, a partner community
// and two open activities (one per college), unless it has volunteer areas
// already. It returns how many activities it created.
func DemoVolunteer(ctx context.Context, school *tenant.Tenant, orgs *org.Service, svc *volunteer.Service, now time.Time) (int, error) {
	ctx = auth.WithPrincipal(ctx, auth.SystemPrincipal(school.ID))
	areas, _, err := svc.Taxonomy(ctx, school.ID)
	if err != nil {
		return 0, fmt.Errorf("seed: volunteer areas: %w", err)
	}
	if len(areas) > 0 {
		return 0, nil
	}
	south, err := svc.CreateArea(ctx, "south", "南校区", nil)
	if err != nil {
		return 0, fmt.Errorf("seed: area: %w", err)
	}
	xinyuan, err := svc.CreateArea(ctx, "xinyuan", "新苑社区", &south.ID)
	if err != nil {
		return 0, fmt.Errorf("seed: area: %w", err)
	}
	north, err := svc.CreateArea(ctx, "north", "北校区", nil)
	if err != nil {
		return 0, fmt.Errorf("seed: area: %w", err)
	}
	topics := map[string]uuid.UUID{}
	for _, t := range [][2]string{{"env", "环境保护"}, {"elder", "助老扶幼"}, {"civility", "文明创建"}} {
		got, err := svc.CreateTopic(ctx, t[0], t[1])
		if err != nil {
			return 0, fmt.Errorf("seed: topic: %w", err)
		}
		topics[t[0]] = got.ID
	}
	partner, err := svc.CreatePartner(ctx, "新苑社区居民委员会", volunteer.PartnerCommunity, "周主任", "13900000009")
	if err != nil {
		return 0, fmt.Errorf("seed: partner: %w", err)
	}
	day := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 7)
	specs := []struct {
		unit, title, desc string
		area              uuid.UUID
		topics            []uuid.UUID
		capacity          int
		audience          volunteer.Audience
	}{
		{"XXGC", "新苑社区环境清洁日", "与新苑社区居委会一起清理公共区域、分类投放垃圾。", xinyuan.ID, []uuid.UUID{topics["env"], topics["civility"]}, 30, volunteer.AudienceAllStudents},
		{"ZNZZ", "敬老院智能设备使用辅导", "教老人使用手机挂号、视频通话。", north.ID, []uuid.UUID{topics["elder"]}, 12, volunteer.AudienceMembersAndActivists},
	}
	for i, sp := range specs {
		unit, err := orgs.UnitByCode(ctx, school.ID, sp.unit)
		if err != nil {
			return i, fmt.Errorf("seed: unit %s: %w", sp.unit, err)
		}
		start := day.Add(time.Duration(1+i) * time.Hour) // 09:00 and 10:00 Beijing time
		in := volunteer.ActivityInput{Title: sp.title, Description: sp.desc, AreaID: &sp.area, TopicIDs: sp.topics, OrgUnitID: &unit.ID,
			Address: "学院路 1 号", StartsAt: start, EndsAt: start.Add(3 * time.Hour), SignupOpensAt: now.Add(-time.Hour),
			SignupClosesAt: start.Add(-24 * time.Hour), Capacity: sp.capacity, Audience: sp.audience, Hours: 3}
		if i == 0 {
			in.PartnerIDs = []uuid.UUID{partner.ID}
		}
		a, err := svc.CreateActivity(ctx, in)
		if err != nil {
			return i, fmt.Errorf("seed: activity: %w", err)
		}
		if _, err := svc.SetStatus(ctx, a.ID, volunteer.StatusOpen); err != nil {
			return i, fmt.Errorf("seed: open activity: %w", err)
		}
	}
	return len(specs), nil
}
