package graph

import "zhdj/internal/org"

// Complexity of list fields: a list costs its page size (or an assumed
// typical size for unpaged lists) times what each item asks for, so that
// nesting lists multiplies as the work does.
const (
	assumedChildren  = 20
	assumedAncestors = 4
	assumedSites     = 3
	assumedNav       = 10
)

func complexity() ComplexityRoot {
	var c ComplexityRoot
	c.Query.OrgUnits = func(child int, _ string, _ []org.Kind, first *int, _ *string) int {
		n := 20
		if first != nil && *first > 0 {
			n = *first
		}
		return 1 + n*child
	}
	c.OrgUnit.Children = func(child int) int { return 1 + assumedChildren*child }
	c.OrgUnit.Ancestors = func(child int) int { return 1 + assumedAncestors*child }
	c.OrgUnit.Sites = func(child int) int { return 1 + assumedSites*child }
	c.Site.Navigation = func(child int) int { return 1 + assumedNav*child }
	c.NavItem.Children = func(child int) int { return 1 + assumedNav*child }
	c.Site.HomeBlocks = func(child int) int { return 1 + assumedNav*child }
	return c
}
