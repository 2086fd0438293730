package pgsearch

import "time"

// SetMaxWait shortens how long ix's searches wait for their turn.
func SetMaxWait(ix *Index, d time.Duration) { ix.maxWait = d }
