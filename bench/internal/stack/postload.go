package stack

import (
	"sort"
	"sync"
	"time"
)

// PostLoad has clients post doc with vars for d, client c as the signed-in
// readers c, c+clients, … in turn (one reader: all the same), and returns
// the sorted latencies and how many failed.
func PostLoad(post func(token, doc string, vars map[string]any, out any) error, readers []string, doc string, vars map[string]any, clients int,
	d time.Duration) ([]time.Duration, int) {
	var mu sync.Mutex
	var lat []time.Duration
	failed := 0
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			var mine []time.Duration
			bad := 0
			for i := c; time.Now().Before(deadline); i += clients {
				var out map[string]any
				t0 := time.Now()
				if err := post(readers[i%len(readers)], doc, vars, &out); err != nil {
					bad++
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat, failed = append(lat, mine...), failed+bad
			mu.Unlock()
		})
	}
	wg.Wait()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat, failed
}
