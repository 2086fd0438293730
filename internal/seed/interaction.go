package seed

import (
	"context"
	"fmt"

	"zhdj/internal/account"
	"zhdj/internal/auth"
	"zhdj/internal/interaction"
	"zhdj/internal/moderation"
	"zhdj/internal/org"
	"zhdj/internal/tenant"
)

// InteractionServices are what DemoInteraction posts through.
type InteractionServices struct {
	Accounts   *account.Service
	Org        *org.Service
	Talk       *interaction.Service
	Moderation *moderation.Service
}

// demoWords is a small sensitive-word list for the demo school.
var demoWords = []string{"赌博", "代开发票", "敏感词"}

// DemoInteraction gives the demo school a small word list and, in the
// first student branch, a suggestion answered officially, one pinned and
// one waiting for review (it matched the list) — unless the school has a
// word list already. It returns the suggestions posted.
func DemoInteraction(ctx context.Context, school *tenant.Tenant, s InteractionServices) (int, error) {
	system := auth.WithPrincipal(ctx, auth.SystemPrincipal(school.ID))
	list, err := s.Moderation.Words(system)
	if err != nil {
		return 0, fmt.Errorf("seed: word list: %w", err)
	}
	if list.Version > 0 {
		return 0, nil
	}
	if _, err := s.Moderation.SetWords(system, demoWords); err != nil {
		return 0, fmt.Errorf("seed: word list: %w", err)
	}
	unit, err := s.Org.UnitByCode(system, school.ID, "XXGC-XS1")
	if err != nil {
		return 0, fmt.Errorf("seed: branch: %w", err)
	}
	student, err := s.Accounts.ByUsername(system, "student")
	if err != nil {
		return 0, fmt.Errorf("seed: student: %w", err)
	}
	secretary, err := s.Accounts.ByUsername(system, "secretary")
	if err != nil {
		return 0, fmt.Errorf("seed: secretary: %w", err)
	}
	asStudent := auth.WithPrincipal(ctx, &auth.Principal{TenantID: school.ID, AccountID: student.ID})
	asSecretary := auth.WithPrincipal(ctx, &auth.Principal{TenantID: school.ID, AccountID: secretary.ID,
		Bindings: []auth.Binding{{Role: auth.RoleOrgAdmin, OrgUnitID: unit.ID, OrgUnitPath: unit.Path}}})
	posts := []interaction.PostInput{
		{Category: "study", Title: "党课能否安排在周四下午？", Body: "周二下午有专业课，建议把党课调到周四下午。", Public: true},
		{Category: "life", Title: "希望开放党员活动室自习", Body: "晚上活动室空着，能否开放给同学们自习？", Public: true},
		{Category: "other", Title: "网上有人宣传线上赌 博", Body: "看到群里有人发这类链接，需要提醒大家。", Public: true},
	}
	var ids []*interaction.Suggestion
	for _, in := range posts {
		in.OrgUnitID = unit.ID
		sg, err := s.Talk.Post(asStudent, in)
		if err != nil {
			return 0, fmt.Errorf("seed: suggestion: %w", err)
		}
		ids = append(ids, sg)
	}
	if _, err := s.Talk.ReplyTo(asSecretary, interaction.ReplyInput{SuggestionID: ids[0].ID, Official: true,
		Body: "支部委员会已研究，下学期起党课安排在周四下午。"}); err != nil {
		return 0, fmt.Errorf("seed: reply: %w", err)
	}
	first := 1
	if _, err := s.Talk.Pin(asSecretary, ids[1].ID, &first); err != nil {
		return 0, fmt.Errorf("seed: pin: %w", err)
	}
	return len(ids), nil
}
