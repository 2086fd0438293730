package pgsearch

import "time"

// SetMaxWait shortens how long ix's searches wait for their turn.
func SetMaxWait(ix *Index, d time.Duration) { ix.maxWait = d }

// LayoutSpread is the spread of a layout and whether it is due for a
// compaction.
func LayoutSpread(documents, pages, groups, runs int) (float64, bool) {
	l := layout{documents: documents, pages: pages, groups: groups, runs: runs}
	return l.spread(), l.due()
}
