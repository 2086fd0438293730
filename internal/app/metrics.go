package app

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"zhdj/internal/jobs"
	"zhdj/internal/media"
	"zhdj/internal/metrics"
)

// initMetrics registers what this process shows Prometheus besides its
// requests: the database pool, the job queues, the search backlog, the
// response cache and the replicas.
func (a *App) initMetrics() {
	m := a.Metrics
	var purposes []string
	for _, p := range media.Purposes() {
		purposes = append(purposes, string(p))
	}
	m.KnownPurposes(purposes)
	m.Register(metrics.Pool("primary", a.Pool))
	m.Gauge("zhdj_jobs", "Background jobs River keeps, by kind and state (available, scheduled, retryable and running are queue depth; completed, cancelled and discarded recent outcomes).",
		[]string{"kind", "state"}, func(ctx context.Context) ([]metrics.Sample, error) {
			counts, err := jobs.Counts(ctx, a.Pool)
			out := make([]metrics.Sample, 0, len(counts))
			for _, c := range counts {
				out = append(out, metrics.Sample{Labels: []string{c.Kind, c.State}, Value: float64(c.N)})
			}
			return out, err
		})
	m.Gauges([]metrics.GaugeDesc{
		{Name: "zhdj_search_backlog", Help: "Changes waiting to be indexed for search (all schools)."},
		{Name: "zhdj_search_lag_seconds", Help: "How long the oldest change waiting to be indexed has waited."},
	}, func(ctx context.Context) ([][]metrics.Sample, error) {
		n, oldest, err := a.Indexer.Backlog(ctx) // one pass over the schools for both
		return [][]metrics.Sample{{{Value: float64(n)}}, {{Value: oldest.Seconds()}}}, err
	})
	cache := func(name, help string, read func() float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, read)
	}
	m.Register(
		cache("zhdj_response_cache_hits_total", "Public answers served from this process's response cache.", func() float64 { return float64(a.Answers.Stats().Hits) }),
		cache("zhdj_response_cache_misses_total", "Public answers not found in the response cache.", func() float64 { return float64(a.Answers.Stats().Misses) }),
		cache("zhdj_response_cache_computed_total", "Public answers computed (once for concurrent readers of one answer).", func() float64 { return float64(a.Answers.Stats().Computed) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "zhdj_response_cache_bytes", Help: "Bytes of answers the response cache keeps."},
			func() float64 { return float64(a.Answers.Stats().Bytes) }),
	)
	if a.Replicas != nil {
		m.Gauge("zhdj_replica_read", "1 while a read replica is in rotation, 0 while it is down, behind or promoted.", []string{"replica", "state"},
			func(context.Context) ([]metrics.Sample, error) {
				var out []metrics.Sample
				for _, r := range a.Replicas.Status() {
					v := 0.0
					if r.Usable {
						v = 1
					}
					out = append(out, metrics.Sample{Labels: []string{r.Name, r.State}, Value: v})
				}
				return out, nil
			})
		m.Gauge("zhdj_replica_lag_seconds", "How far behind the primary a read replica was at its last check.", []string{"replica"},
			func(context.Context) ([]metrics.Sample, error) {
				var out []metrics.Sample
				for _, r := range a.Replicas.Status() {
					out = append(out, metrics.Sample{Labels: []string{r.Name}, Value: r.Lag.Seconds()})
				}
				return out, nil
			})
	}
}

// serveMetrics serves /metrics on ZHDJ_METRICS_ADDR until the returned
// function is called.
func (a *App) serveMetrics() (stop func()) {
	if a.Config.MetricsAddr == "" {
		return func() {}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Metrics.Handler())
	ms := &http.Server{Addr: a.Config.MetricsAddr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := ms.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			a.Log.Error("metrics: serve", "addr", a.Config.MetricsAddr, "err", err)
		}
	}()
	a.Log.Info("metrics", "addr", "http://"+a.Config.MetricsAddr+"/metrics")
	return func() { _ = ms.Close() }
}
