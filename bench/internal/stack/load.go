package stack

import (
	"bytes"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Result is what a load run measured.
type Result struct {
	RPS           float64
	P50, P95, P99 time.Duration
	Errors        int // transport errors, answers other than 200 and 304, and GraphQL errors
}

// Load runs clients loops of requests from newReq for d (after a two-second
// warm-up) and measures throughput and latency.
func Load(newReq func() (*http.Request, error), clients int, d time.Duration) Result {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients * 2, MaxConnsPerHost: clients * 2}}
	run := func(d time.Duration) ([]time.Duration, int) {
		var mu sync.Mutex
		var all []time.Duration
		errs := 0
		deadline := time.Now().Add(d)
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() {
				var mine []time.Duration
				bad := 0
				for time.Now().Before(deadline) {
					req, _ := newReq()
					start := time.Now()
					res, err := client.Do(req)
					if err != nil {
						bad++
						continue
					}
					body, _ := io.ReadAll(res.Body)
					res.Body.Close()
					if (res.StatusCode != 200 && res.StatusCode != http.StatusNotModified) || bytes.Contains(body, []byte(`"errors"`)) {
						bad++
						continue
					}
					mine = append(mine, time.Since(start))
				}
				mu.Lock()
				all = append(all, mine...)
				errs += bad
				mu.Unlock()
			})
		}
		wg.Wait()
		return all, errs
	}
	run(2 * time.Second)
	lat, errs := run(d)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := Result{RPS: float64(len(lat)) / d.Seconds(), Errors: errs}
	if len(lat) > 0 {
		r.P50, r.P95, r.P99 = lat[len(lat)/2], lat[len(lat)*95/100], lat[len(lat)*99/100]
	}
	return r
}
