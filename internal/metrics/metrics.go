// Package metrics is what a server process shows Prometheus: its HTTP
// requests by route, operation and status with their latencies, GraphQL
// errors by code, and the gauges the rest of the server hands it (the
// database pool, job queues, the search backlog, the response cache, the
// replicas), besides the Go runtime's and the process's own. It is served
// on its own listen address, off the public port.
//
// Label values are bounded: routes are a fixed set, status codes are
// numbers, error codes are apperr's, and operation names are the first
// MaxOperations distinct well-formed names seen (anything after, or
// malformed, counts as "other"; a request without one is "-").
package metrics

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"zhdj/internal/reqmeta"
)

// MaxOperations bounds the distinct operation names used as labels.
const MaxOperations = 200

// Metrics is one process's registry and request metrics.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	gqlErrors *prometheus.CounterVec
	readErrs  *prometheus.CounterVec
	uploads   *prometheus.CounterVec
	upBytes   *prometheus.CounterVec
	batches   *prometheus.HistogramVec
	store     *prometheus.CounterVec

	mu  sync.Mutex
	ops map[string]bool
}

// New returns Metrics with the Go runtime's and the process's collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), ops: map[string]bool{}}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zhdj_http_requests_total", Help: "HTTP requests answered, by route, GraphQL operation name and status code.",
	}, []string{"route", "operation", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "zhdj_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route and GraphQL operation name.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "operation"})
	m.gqlErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zhdj_graphql_errors_total", Help: "GraphQL errors answered, by extensions.code.",
	}, []string{"code"})
	m.readErrs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zhdj_metrics_read_errors_total", Help: "Gauges that could not be read at a scrape, by gauge.",
	}, []string{"gauge"})
	m.uploads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zhdj_uploads_total", Help: "Files stored, by purpose and how they came (api: through the server; direct: in parts straight to the object store).",
	}, []string{"purpose", "via"})
	m.upBytes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zhdj_upload_bytes_total", Help: "Bytes of the files stored, by purpose and how they came.",
	}, []string{"purpose", "via"})
	m.batches = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "zhdj_signup_batch_size", Help: "Volunteer sign-up requests written per transaction (requests for one activity that arrive together share one), by how they went: batched, or alone (again, one by one, after the batch could not be kept whole).",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128},
	}, []string{"went"})
	m.store = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zhdj_object_store_requests_total", Help: "Calls of the media object store, by HTTP method and outcome (ok, client_error for 4xx such as a missing object, server_error for 5xx, failed when no answer came).",
	}, []string{"method", "outcome"})
	m.reg.MustRegister(m.requests, m.latency, m.gqlErrors, m.readErrs, m.uploads, m.upBytes, m.batches, m.store)
	// Known label values start at zero, so that rates and alerts see them
	// before the first event.
	for _, went := range []string{"batched", "alone"} {
		m.batches.WithLabelValues(went)
	}
	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPost, http.MethodDelete} {
		for _, outcome := range []string{"ok", "client_error", "server_error", "failed"} {
			m.store.WithLabelValues(method, outcome)
		}
	}
	return m
}

// KnownPurposes starts the upload counters of purposes at zero.
func (m *Metrics) KnownPurposes(purposes []string) {
	for _, p := range purposes {
		for _, via := range []string{"api", "direct"} {
			m.uploads.WithLabelValues(p, via)
			m.upBytes.WithLabelValues(p, via)
		}
	}
}

// StoreTransport counts each call of the object store that goes through
// base, by method and outcome.
func (m *Metrics) StoreTransport(base http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		res, err := base.RoundTrip(r)
		outcome := "failed"
		switch {
		case err != nil:
		case res.StatusCode >= 500:
			outcome = "server_error"
		case res.StatusCode >= 400:
			outcome = "client_error"
		default:
			outcome = "ok"
		}
		method := r.Method
		switch method {
		case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodPost, http.MethodDelete:
		default:
			method = "other"
		}
		m.store.WithLabelValues(method, outcome).Inc()
		return res, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Uploaded counts a stored file (purpose is one of media's fixed set).
func (m *Metrics) Uploaded(purpose, via string, bytes int64) {
	m.uploads.WithLabelValues(purpose, via).Inc()
	m.upBytes.WithLabelValues(purpose, via).Add(float64(bytes))
}

// SignUpBatch records a sign-up batch of size requests, alone of which
// were then written one by one.
func (m *Metrics) SignUpBatch(size, alone int) {
	m.batches.WithLabelValues("batched").Observe(float64(size))
	for range alone {
		m.batches.WithLabelValues("alone").Observe(1)
	}
}

// Handler serves the registry in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Register adds collectors (gauges read at scrape time, say).
func (m *Metrics) Register(cs ...prometheus.Collector) { m.reg.MustRegister(cs...) }

// Observe counts and times one answered request: its path, the request's
// metadata (the GraphQL operation name and error codes recorded there; nil
// for none), its status and how long it took.
func (m *Metrics) Observe(path string, meta *reqmeta.Meta, status int, took time.Duration) {
	route := Route(path)
	op := "-"
	if meta != nil {
		if name := meta.Operation(); name != "" {
			op = m.operation(name)
		}
		for _, code := range meta.ErrorCodes() {
			m.gqlErrors.WithLabelValues(code).Inc()
		}
	}
	m.requests.WithLabelValues(route, op, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, op).Observe(took.Seconds())
}

var operationName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// operation is name as a label value: itself while fewer than
// MaxOperations names are known (or when it is one of them), else "other".
func (m *Metrics) operation(name string) string {
	if !operationName.MatchString(name) {
		return "other"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ops[name] {
		return name
	}
	if len(m.ops) >= MaxOperations {
		return "other"
	}
	m.ops[name] = true
	return name
}

// Route is the route a path belongs to (a fixed set).
func Route(path string) string {
	switch {
	case path == "/graphql", path == "/healthz", path == "/readyz":
		return path
	case strings.HasPrefix(path, "/auth/"):
		return "/auth"
	case strings.HasPrefix(path, "/graphiql"), path == "/":
		return "/graphiql"
	case path == "/admin" || strings.HasPrefix(path, "/admin/"):
		return "/admin"
	default:
		return "other"
	}
}

// Pool describes a database pool's connections at scrape time.
func Pool(name string, pool *pgxpool.Pool) prometheus.Collector {
	return &poolCollector{name: name, pool: pool,
		conns: prometheus.NewDesc("zhdj_db_pool_connections", "Connections of the database pool by state.", []string{"pool", "state"}, nil),
		max:   prometheus.NewDesc("zhdj_db_pool_max_connections", "The pool's connection limit.", []string{"pool"}, nil),
		waits: prometheus.NewDesc("zhdj_db_pool_acquire_waits_total", "Acquires that had to wait for a connection.", []string{"pool"}, nil),
		wait:  prometheus.NewDesc("zhdj_db_pool_acquire_wait_seconds_total", "Time spent waiting for a connection.", []string{"pool"}, nil),
	}
}

type poolCollector struct {
	name                    string
	pool                    *pgxpool.Pool
	conns, max, waits, wait *prometheus.Desc
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.conns
	ch <- c.max
	ch <- c.waits
	ch <- c.wait
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.AcquiredConns()), c.name, "acquired")
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.IdleConns()), c.name, "idle")
	ch <- prometheus.MustNewConstMetric(c.conns, prometheus.GaugeValue, float64(s.ConstructingConns()), c.name, "constructing")
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(s.MaxConns()), c.name)
	ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(s.EmptyAcquireCount()), c.name)
	ch <- prometheus.MustNewConstMetric(c.wait, prometheus.CounterValue, s.EmptyAcquireWaitTime().Seconds(), c.name)
}

// Sample is one value of a gauge read at scrape time, with its labels'
// values in the gauge's order.
type Sample struct {
	Labels []string
	Value  float64
}

// GaugeDesc names one gauge of Gauges.
type GaugeDesc struct {
	Name, Help string
	Labels     []string
}

// Gauge registers a gauge whose samples read reads at every scrape
// (within a few seconds; a failed read shows no samples and counts in
// zhdj_metrics_read_errors_total).
func (m *Metrics) Gauge(name, help string, labels []string, read func(ctx context.Context) ([]Sample, error)) {
	m.Gauges([]GaugeDesc{{name, help, labels}}, func(ctx context.Context) ([][]Sample, error) {
		samples, err := read(ctx)
		return [][]Sample{samples}, err
	})
}

// Gauges registers gauges read together: one read at every scrape gives
// the samples of each, in the order of gauges.
func (m *Metrics) Gauges(gauges []GaugeDesc, read func(ctx context.Context) ([][]Sample, error)) {
	c := &readCollector{name: gauges[0].Name, read: read, errs: m.readErrs}
	for _, g := range gauges {
		c.descs = append(c.descs, prometheus.NewDesc(g.Name, g.Help, g.Labels, nil))
	}
	m.reg.MustRegister(c)
}

type readCollector struct {
	name  string // the first gauge's, for read errors
	descs []*prometheus.Desc
	read  func(ctx context.Context) ([][]Sample, error)
	errs  *prometheus.CounterVec
}

func (c *readCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *readCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	samples, err := c.read(ctx)
	if err != nil {
		c.errs.WithLabelValues(c.name).Inc()
		return
	}
	for i, d := range c.descs {
		if i >= len(samples) {
			break
		}
		for _, s := range samples[i] {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, s.Value, s.Labels...)
		}
	}
}
