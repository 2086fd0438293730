package graph

// Paging of connections: the page size asked for and the bounds of a page.

import "zhdj/graph/model"

// pageSize returns the requested page size (20 when unset); services
// validate its range.
func pageSize(first *int) int {
	if first == nil {
		return 20
	}
	return *first
}

// setPageBounds sets a connection's start and end cursors from its n
// edges (none when empty).
func setPageBounds(pi *model.PageInfo, n int, cursor func(int) string) {
	if n == 0 {
		return
	}
	start, end := cursor(0), cursor(n-1)
	pi.StartCursor, pi.EndCursor = &start, &end
}
