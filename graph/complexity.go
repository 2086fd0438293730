package graph

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Complexity of list fields: a list costs its page size (or, unpaged, an
// assumed typical size) times what each item asks for, so that nesting
// lists multiplies as the work does. The table is made from the schema
// when the server starts (listCosts), so a new list field is priced by
// these rules without anyone remembering to:
//
//   - a field with a `first` argument (every connection, Partner.activities)
//     costs 1 + first × its selection (first's default when not given);
//   - a connection's `edges` cost 1 + their selection: the page is counted
//     once, at the connection;
//   - a list of scalars or enums costs what gqlgen gives any field;
//   - any other list of objects costs 1 + its assumed size × its selection,
//     from assumedSizes; a list missing there is priced at
//     defaultAssumedSize, and TestEveryListHasACost fails until it is added.
const defaultAssumedSize = 20

// assumedSizes are the typical lengths of the unpaged lists of objects.
var assumedSizes = map[string]int{
	"Activity.partners":          5,
	"Activity.topics":            5,
	"ActivityFacets.areas":       20,
	"ActivityFacets.topics":      20,
	"Article.attachments":        10,
	"Article.authors":            5,
	"Article.sites":              3,
	"Comic.authors":              5,
	"Comic.panels":               20,
	"Comic.sites":                3,
	"LinkListBlock.links":        10,
	"Me.roles":                   5,
	"Media.derivatives":          5,
	"Member.history":             10,
	"Member.transfers":           5,
	"MemberImport.problems":      100,
	"MicroLesson.authors":        5,
	"MicroLesson.chapters":       20,
	"MicroLesson.sites":          3,
	"NavItem.children":           10,
	"OrgUnit.ancestors":          4,
	"OrgUnit.children":           20,
	"OrgUnit.sites":              3,
	"Query.activityRoster":       200,
	"Query.contentRevisions":     20,
	"Query.featured":             10,
	"Query.volunteerAreas":       20,
	"Query.volunteerPartners":    20,
	"Query.volunteerTopics":      20,
	"Query.webhookDeliveries":    50,
	"SearchConnection.facets":    5,
	"SearchFacetCounts.values":   20,
	"Site.homeBlocks":            10,
	"Site.navigation":            10,
	"UploadSessionPayload.parts": 128,
	"VolunteerRecord.entries":    20,
	"VolunteerRecord.service":    50,
}

// listCost prices one list field.
type listCost struct {
	paged       bool // by its `first` argument
	defaultPage int  // first's default
	size        int  // the assumed length of an unpaged list
}

func (c listCost) of(child int, args map[string]any) int {
	n := c.size
	if c.paged {
		n = c.defaultPage
		if v, ok := intArg(args["first"]); ok && v > 0 {
			n = v
		}
	}
	return safeMul(n, child) + 1
}

// listCosts prices every list field of the schema's object types; unpriced
// names the lists of objects missing from assumedSizes.
func listCosts(s *ast.Schema) (costs map[string]listCost, unpriced []string) {
	costs = map[string]listCost{}
	for _, t := range s.Types {
		if t.Kind != ast.Object || strings.HasPrefix(t.Name, "__") {
			continue
		}
		for _, f := range t.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			key := t.Name + "." + f.Name
			if first := f.Arguments.ForName("first"); first != nil {
				def := defaultAssumedSize
				if first.DefaultValue != nil {
					if v, err := strconv.Atoi(first.DefaultValue.Raw); err == nil {
						def = v
					}
				}
				costs[key] = listCost{paged: true, defaultPage: def}
				continue
			}
			if f.Type.Elem == nil {
				continue
			}
			if strings.HasSuffix(t.Name, "Connection") && f.Name == "edges" {
				costs[key] = listCost{size: 1}
				continue
			}
			if k := s.Types[f.Type.Name()]; k == nil || k.Kind == ast.Scalar || k.Kind == ast.Enum {
				continue
			}
			size, ok := assumedSizes[key]
			if !ok {
				unpriced = append(unpriced, key)
				size = defaultAssumedSize
			}
			costs[key] = listCost{size: size}
		}
	}
	return costs, unpriced
}

// pricedSchema answers gqlgen's complexity calculation from the table.
type pricedSchema struct {
	graphql.ExecutableSchema
	costs map[string]listCost
}

func newPricedSchema(es graphql.ExecutableSchema) pricedSchema {
	costs, _ := listCosts(es.Schema())
	return pricedSchema{ExecutableSchema: es, costs: costs}
}

func (p pricedSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	if c, ok := p.costs[typeName+"."+field]; ok {
		return c.of(child, args), true
	}
	return p.ExecutableSchema.Complexity(ctx, typeName, field, child, args)
}

func intArg(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int32:
		return int(n), true
	case int64:
		return int(min(n, 1<<31)), true
	case float64:
		return int(min(n, 1<<31)), true
	case json.Number:
		i, err := n.Int64()
		return int(min(i, 1<<31)), err == nil
	case *int:
		if n != nil {
			return *n, true
		}
	}
	return 0, false
}

// safeMul multiplies without overflowing (the limit refuses the result
// long before).
func safeMul(a, b int) int {
	if a <= 0 || b <= 0 {
		return max(a, 0) * max(b, 0)
	}
	if a > (1<<62)/b {
		return 1 << 62
	}
	return a * b
}
