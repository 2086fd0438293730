package graph

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The complexity of an operation is what it asks for, multiplied down the
// lists: every field costs 1 plus what it selects, and a list costs its
// page size (or, unpaged, an assumed typical size) times what each item
// selects, so that nesting lists multiplies as the work does. The prices
// are made from the schema when the server starts (listCosts), so a new
// list field is priced by these rules without anyone remembering to:
//
//   - a connection with `first` costs 1 + first × what its edges (or
//     nodes) select, plus its other fields (totalCount, facets, pageInfo)
//     once; first's default when it is not given;
//   - another field with `first` (Partner.activities) costs 1 + first ×
//     its selection;
//   - a list of scalars or enums costs 1;
//   - any other list of objects costs 1 + its assumed size × its
//     selection, from assumedSizes; a list missing there is priced at
//     defaultAssumedSize, and TestEveryListHasACost fails until it is added.
const defaultAssumedSize = 20

// assumedSizes are the typical lengths of the unpaged lists of objects.
var assumedSizes = map[string]int{
	"Account.roles":                   3,
	"Activity.partners":               5,
	"Activity.topics":                 5,
	"ActivityFacets.areas":            20,
	"ActivityFacets.topics":           20,
	"Article.attachments":             10,
	"Article.authors":                 5,
	"Article.sites":                   3,
	"Comic.authors":                   5,
	"Comic.panels":                    20,
	"Comic.sites":                     3,
	"LinkListBlock.links":             10,
	"Query.learningPlans":             5,
	"Query.pointsRules":               10,
	"CockpitLearning.weekly":          13,
	"CockpitTasks.weekly":             13,
	"CockpitMeetings.byKind":          7,
	"CockpitWarnings.byRule":          7,
	"Opinion.replies":                 3,
	"CockpitPeople.byStage":           7,
	"CockpitPoints.topUnits":          3,
	"CockpitPoints.bottomUnits":       3,
	"Query.unitRanking":               20,
	"AssessmentScheme.indicators":     4,
	"AssessmentScore.indicators":      4,
	"IndicatorScore.kinds":            3,
	"PointsSummary.byKind":            10,
	"ImportQuestionsPayload.problems": 100,
	"QuizAttempt.questions":           50,
	"QuizResult.answers":              50,
	"Event.attendees":                 50,
	"Event.minutesAttachments":        5,
	"Task.attachments":                5,
	"Task.progress":                   10,
	"TaskAssignment.submissions":      3,
	"TaskEvidenceItem.attachments":    3,
	"TaskSubmission.attachments":      5,
	"TaskSubmission.items":            5,
	"Me.roles":                        5,
	"Media.derivatives":               5,
	"Member.history":                  10,
	"Member.transfers":                5,
	"MemberImport.problems":           100,
	"MicroLesson.authors":             5,
	"MicroLesson.chapters":            20,
	"MicroLesson.sites":               3,
	"NavItem.children":                5, // at most 60 items in all (internal/site)
	"OrgUnit.ancestors":               4,
	"OrgUnit.children":                20,
	"OrgUnit.sites":                   3,
	"Query.activityRoster":            200,
	"Query.contentRevisions":          20,
	"Query.featured":                  10,
	"Query.volunteerAreas":            20,
	"Query.volunteerPartners":         20,
	"Query.volunteerTopics":           20,
	"Query.webhookDeliveries":         50,
	"SearchConnection.facets":         5,
	"SearchFacetCounts.values":        20,
	"Site.homeBlocks":                 10,
	"Site.navigation":                 10,
	"UploadSessionPayload.parts":      128,
	"VolunteerRecord.entries":         20,
	"VolunteerRecord.service":         50,
	"Content.authors":                 5, // an interface: a field selected on the interface itself
	"Content.sites":                   3,
}

// listCost prices one list field.
type listCost struct {
	paged       bool // by its first argument
	connection  bool // the page multiplies its edges, not its other fields
	defaultPage int  // first's default
	size        int  // the assumed length of an unpaged list
}

func (c listCost) length(args map[string]any) int {
	if !c.paged {
		return c.size
	}
	if v, ok := intArg(args["first"]); ok && v > 0 {
		return v
	}
	return c.defaultPage
}

// listCosts prices every list field of the schema's object and interface
// types; unpriced names the lists of objects missing from assumedSizes.
func listCosts(s *ast.Schema) (costs map[string]listCost, unpriced []string) {
	costs = map[string]listCost{}
	for _, t := range s.Types {
		if (t.Kind != ast.Object && t.Kind != ast.Interface) || strings.HasPrefix(t.Name, "__") {
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
				costs[key] = listCost{paged: true, connection: f.Type.Elem == nil && strings.HasSuffix(f.Type.Name(), "Connection"), defaultPage: def}
				continue
			}
			if f.Type.Elem == nil || (strings.HasSuffix(t.Name, "Connection") && (f.Name == "edges" || f.Name == "nodes")) {
				continue // edges: counted by their connection's page
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

// complexityLimit refuses, before execution, operations that cost more
// than limit (with gqlgen's COMPLEXITY_LIMIT_EXCEEDED).
type complexityLimit struct {
	limit int
	costs map[string]listCost
}

var _ interface {
	graphql.OperationContextMutator
	graphql.HandlerExtension
} = &complexityLimit{}

func (c *complexityLimit) ExtensionName() string { return "ZhdjComplexityLimit" }

func (c *complexityLimit) Validate(es graphql.ExecutableSchema) error {
	c.costs, _ = listCosts(es.Schema())
	return nil
}

func (c *complexityLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	if op == nil {
		return nil
	}
	if cost := c.operationCost(op, oc.Variables); cost > c.limit {
		err := gqlerror.Errorf("operation has complexity %d, which exceeds the limit of %d", cost, c.limit)
		errcode.Set(err, "COMPLEXITY_LIMIT_EXCEEDED")
		return err
	}
	return nil
}

func (c *complexityLimit) operationCost(op *ast.OperationDefinition, vars map[string]any) int {
	w := costWalker{costs: c.costs, vars: vars}
	return w.set(op.SelectionSet, 1)
}

type costWalker struct {
	costs map[string]listCost
	vars  map[string]any
}

// set is the cost of a selection set whose edges (the fields of a
// connection's page) are taken page times.
func (w costWalker) set(set ast.SelectionSet, page int) int {
	total := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(s.Name, "__") || s.Definition == nil || s.ObjectDefinition == nil {
				continue // introspection and __typename are free
			}
			n := 1
			if page > 1 && (s.Name == "edges" || s.Name == "nodes") && strings.HasSuffix(s.ObjectDefinition.Name, "Connection") {
				n = page
			}
			total = safeAdd(total, safeMul(n, w.field(s)))
		case *ast.InlineFragment:
			total = safeAdd(total, w.set(s.SelectionSet, page))
		case *ast.FragmentSpread:
			if s.Definition != nil {
				total = safeAdd(total, w.set(s.Definition.SelectionSet, page))
			}
		}
	}
	return total
}

func (w costWalker) field(f *ast.Field) int {
	c, ok := w.costs[f.ObjectDefinition.Name+"."+f.Name]
	switch {
	case !ok:
		return safeAdd(1, w.set(f.SelectionSet, 1))
	case c.connection:
		return safeAdd(1, w.set(f.SelectionSet, c.length(f.ArgumentMap(w.vars))))
	default:
		return safeAdd(1, safeMul(c.length(f.ArgumentMap(w.vars)), w.set(f.SelectionSet, 1)))
	}
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
	}
	return 0, false
}

const costCap = 1 << 40

// safeMul and safeAdd saturate at costCap (the limit refuses long before).
func safeMul(a, b int) int {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > costCap/b {
		return costCap
	}
	return a * b
}

func safeAdd(a, b int) int { return min(a+b, costCap) }
