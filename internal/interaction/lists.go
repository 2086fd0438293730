package interaction

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/interaction/interactiondb"
	"zhdj/internal/postgres"
)

// Where names the suggestions to list: those under an org unit, or under
// a site's unit.
type Where struct {
	TenantID  uuid.UUID
	OrgUnitID *uuid.UUID
	SiteID    *uuid.UUID
}

// Filter narrows a list.
type Filter struct {
	Status   []Status
	Category string
	Mine     bool // the caller's own
}

// Page is a page of suggestions.
type Page struct {
	Items   []*Suggestion
	Cursors []ListCursor
	HasNext bool
}

// MaxPageSize is the largest page.
const MaxPageSize = 100

// List returns the suggestions under a unit (or a site's) that the caller
// may read — public ones to anyone, their own, all to those who answer or
// moderate there — in an order, keyset-paged.
func (s *Service) List(ctx context.Context, w Where, f Filter, order Order, first int, after *ListCursor) (*Page, error) {
	if err := apperr.PageSize(first, MaxPageSize); err != nil {
		return nil, err
	}
	if _, ok := orderKeys[order]; !ok {
		return nil, apperr.InvalidField("orderBy", "not an order of suggestions")
	}
	p := auth.FromContext(ctx)
	if p != nil && p.TenantID != w.TenantID {
		p = nil
	}
	if f.Mine && p == nil {
		return nil, apperr.Unauthenticatedf("sign in first")
	}
	reader := principalIn(p, w.TenantID)
	page := &Page{}
	var units []uuid.UUID
	err := postgres.InTenantTx(ctx, s.pool, w.TenantID, func(tx pgx.Tx) error {
		q := interactiondb.New(tx)
		var sub interactiondb.SiteSubtreeRow
		switch {
		case w.SiteID != nil:
			r, err := q.SiteSubtree(ctx, interactiondb.SiteSubtreeParams{TenantID: w.TenantID, SiteID: *w.SiteID, MaxUnits: maxUnitWalks + 1})
			if errors.Is(err, pgx.ErrNoRows) {
				return apperr.NotFoundf("site not found")
			}
			if err != nil {
				return fmt.Errorf("interaction: site: %w", err)
			}
			sub = r
		case w.OrgUnitID != nil:
			r, err := q.UnitSubtree(ctx, interactiondb.UnitSubtreeParams{TenantID: w.TenantID, ID: *w.OrgUnitID, MaxUnits: maxUnitWalks + 1})
			if errors.Is(err, pgx.ErrNoRows) {
				return errNoUnit
			}
			if err != nil {
				return fmt.Errorf("interaction: unit: %w", err)
			}
			sub = interactiondb.SiteSubtreeRow(r)
		default:
			return apperr.InvalidField("site", "name the site or the org unit whose suggestions to list")
		}
		path := sub.Path
		if len(sub.Units) <= maxUnitWalks {
			units = sub.Units
		}
		l := listQuery{tenant: w.TenantID, path: path, units: units, order: order, reader: reader.AccountID, status: f.Status, category: f.Category,
			mine: f.Mine, after: after, limit: first + 1}
		respond, all := reader.Paths(auth.PermSuggestionReply)
		moderate, allM := reader.Paths(auth.PermModerate)
		l.insideOf, l.insideAll = append(respond, moderate...), all || allM
		rows, err := runList(ctx, tx, l)
		if err != nil {
			return err
		}
		ids := make([]uuid.UUID, 0, len(rows))
		for _, r := range rows {
			s.present(reader, r.s)
			page.Items = append(page.Items, r.s)
			c := ListCursor{Hot: r.hot, Votes: r.s.Votes, CreatedAt: r.s.CreatedAt, ID: r.s.ID}
			if r.s.Pinned != nil {
				c.Pinned = *r.s.Pinned
			}
			page.Cursors = append(page.Cursors, c)
			ids = append(ids, r.s.ID)
		}
		if reader.AccountID != uuid.Nil && len(ids) > 0 {
			voted, err := q.VotedBy(ctx, interactiondb.VotedByParams{TenantID: w.TenantID, AccountID: reader.AccountID, Suggestions: ids})
			if err != nil {
				return fmt.Errorf("interaction: votes: %w", err)
			}
			mine := map[uuid.UUID]bool{}
			for _, id := range voted {
				mine[id] = true
			}
			for _, sg := range page.Items {
				sg.VotedByMe = mine[sg.ID]
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(page.Items) > first {
		page.Items, page.Cursors, page.HasNext = page.Items[:first], page.Cursors[:first], true
	}
	return page, nil
}
