package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"
	"github.com/vektah/gqlparser/v2/ast"

	"zhdj/graph/model"
	"zhdj/internal/auth"
	"zhdj/internal/content"
	"zhdj/internal/search"
)

// searchState is an item's index state for those who may edit it (nil for
// everyone else), loaded for a whole list at once.
func (r *Resolver) searchState(ctx context.Context, c *content.Content) (*search.State, error) {
	if !c.EditableBy(auth.FromContext(ctx)) {
		return nil, nil
	}
	return loadersFrom(ctx).searchState.Load(ctx, tkey{c.TenantID, c.ID})
}

// selects reports whether the current field's selection asks for path
// (through fragments of any type).
func selects(ctx context.Context, path ...string) bool {
	op := graphql.GetOperationContext(ctx)
	sel := graphql.GetFieldContext(ctx).Field.Selections
	for _, name := range path {
		var next ast.SelectionSet
		found := false
		for _, f := range graphql.CollectFields(op, sel, nil) {
			if f.Name == name {
				found = true
				next = append(next, f.Selections...)
			}
		}
		if !found {
			return false
		}
		sel = next
	}
	return true
}

// selectsAny reports whether the current field's selection asks, at path,
// for any of fields.
func selectsAny(ctx context.Context, path []string, fields ...string) bool {
	for _, f := range fields {
		if selects(ctx, append(path[:len(path):len(path)], f)...) {
			return true
		}
	}
	return false
}

// primeSearchStates loads, in one query, the index state of the hits the
// caller may edit when the operation asks for it, so that the field costs
// the same whatever the page size.
func (r *Resolver) primeSearchStates(ctx context.Context, tenant uuid.UUID, page *content.Page) error {
	p := auth.FromContext(ctx)
	if p == nil || !selects(ctx, "edges", "node", "searchIndex") {
		return nil
	}
	var ids []uuid.UUID
	for _, c := range page.Items {
		if c.EditableBy(p) {
			ids = append(ids, c.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	states, err := r.Finder.States(ctx, tenant, search.KindContent, ids)
	if err != nil {
		return err
	}
	l := loadersFrom(ctx).searchState
	for id, st := range states {
		l.Prime(tkey{tenant, id}, st)
	}
	return nil
}

// searchFilter decodes the GraphQL filter.
func searchFilter(in *model.SearchFilterInput) (search.Filter, error) {
	var f search.Filter
	if in == nil {
		return f, nil
	}
	var err error
	f.Types, f.Topics, f.Tags, f.From, f.To = in.Types, in.Topics, in.Tags, in.From, in.To
	if f.Areas, err = decodeIDsOf("filter.areas", in.Areas, idVolunteerArea); err != nil {
		return f, err
	}
	if f.OrgUnits, err = decodeIDsOf("filter.orgUnits", in.OrgUnits, idOrgUnit); err != nil {
		return f, err
	}
	return f, nil
}

// searchEdges loads the items of hits (two round trips for the contents,
// two for the activities) and returns the edges of those still findable,
// in hit order.
func (r *Resolver) searchEdges(ctx context.Context, tenant uuid.UUID, hits []search.Hit) ([]*model.SearchEdge, error) {
	var contentIDs, activityIDs []uuid.UUID
	for _, h := range hits {
		if h.Kind == search.KindActivity {
			activityIDs = append(activityIDs, h.ID)
		} else {
			contentIDs = append(contentIDs, h.ID)
		}
	}
	page, err := r.Publishing.Published(ctx, tenant, contentIDs, textOption(ctx, "edges", "node"))
	if err != nil {
		return nil, err
	}
	if err := r.primeSearchStates(ctx, tenant, page); err != nil {
		return nil, err
	}
	items := make(map[uuid.UUID]model.SearchResult, len(hits))
	for _, c := range page.Items {
		items[c.ID] = model.Wrap(c, page)
	}
	activities, err := r.Volunteer.Findable(ctx, tenant, activityIDs, descriptionOption(ctx, "edges", "node"))
	if err != nil {
		return nil, err
	}
	for id, a := range activities {
		items[id] = a
	}
	edges := make([]*model.SearchEdge, 0, len(hits))
	for _, h := range hits {
		// An item changed since it was indexed (its re-index is queued)
		// is left out rather than shown as it no longer is.
		if it, ok := items[h.ID]; ok {
			edges = append(edges, &model.SearchEdge{Cursor: h.Cursor, Node: it, TitleHighlight: h.TitleHighlight, SummaryHighlight: h.SummaryHighlight})
		}
	}
	return edges, nil
}

// searchFacets turns counts into values and labels (area names, type names).
func (r *Resolver) searchFacets(ctx context.Context, tenant uuid.UUID, asked []search.Facet, res *search.Result) ([]*model.SearchFacetCounts, error) {
	var areaNames map[uuid.UUID]string
	out := make([]*model.SearchFacetCounts, 0, len(asked))
	for _, fc := range asked {
		fcs := &model.SearchFacetCounts{Facet: fc, Values: []*model.SearchFacetValue{}}
		for _, v := range res.Facets[fc] {
			val := &model.SearchFacetValue{Value: v.Value, Label: v.Value, Count: v.Count}
			switch fc {
			case search.FacetType:
				val.Value = typeNames[search.Type(v.Value)]
				val.Label = typeLabels[search.Type(v.Value)]
			case search.FacetArea:
				id, err := uuid.Parse(v.Value)
				if err != nil {
					continue
				}
				if areaNames == nil {
					areas, _, err := r.Volunteer.Taxonomy(ctx, tenant)
					if err != nil {
						return nil, err
					}
					areaNames = make(map[uuid.UUID]string, len(areas))
					for _, a := range areas {
						areaNames[a.ID] = a.Name
					}
				}
				val.Value, val.Label = encodeID(idVolunteerArea, tenant, id), areaNames[id]
			}
			fcs.Values = append(fcs.Values, val)
		}
		out = append(out, fcs)
	}
	return out, nil
}

var typeNames = map[search.Type]string{
	search.TypeArticle: "ARTICLE", search.TypeMicroLesson: "MICRO_LESSON", search.TypeComic: "COMIC", search.TypeActivity: "ACTIVITY",
}

var typeLabels = map[search.Type]string{
	search.TypeArticle: "文章", search.TypeMicroLesson: "微党课", search.TypeComic: "主题漫画", search.TypeActivity: "志愿活动",
}
