package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"zhdj/internal/metrics"
)

// scrape reads the process's metrics in Prometheus' text format.
func (b *testBundle) scrape(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(b.app.Metrics.Handler())
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("scrape: %d %s", res.StatusCode, body)
	}
	return string(body)
}

// value is the value of the series whose line starts with series, or -1.
func value(text, series string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err == nil {
				return v
			}
		}
	}
	return -1
}

// After a few requests the metrics show them by route, operation and
// status with their latencies, the errors by code, the pool, the job
// queues, the search backlog, the response cache and the Go runtime; the
// operation label stays bounded however many names clients invent; and
// the public port does not serve them.
func TestMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t, withAnswers)
	const front = `query Front { contents(site: "xxgc", first: 3) { edges { node { title } } } }`
	for range 3 {
		if r := b.get(t, front); r.status != 200 || len(r.Errors) > 0 {
			t.Fatalf("front: %d %+v", r.status, r.Errors)
		}
	}
	if r := b.post(t, `query Me { me { account { username } } }`, nil); r.code(0) != "UNAUTHENTICATED" {
		t.Fatalf("me: %+v", r.Errors)
	}
	text := b.scrape(t)
	for series, want := range map[string]float64{
		`zhdj_http_requests_total{operation="Front",route="/graphql",status="200"}`:    3,
		`zhdj_http_request_duration_seconds_count{operation="Front",route="/graphql"}`: 3,
		`zhdj_graphql_errors_total{code="UNAUTHENTICATED"}`:                            1,
	} {
		if got := value(text, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	for _, series := range []string{
		`zhdj_db_pool_max_connections{pool="primary"}`,
		`zhdj_db_pool_connections{pool="primary",state="idle"}`,
		`zhdj_search_backlog`, `zhdj_search_lag_seconds`,
		`zhdj_response_cache_hits_total`, `zhdj_response_cache_computed_total`,
		`go_goroutines`, `process_resident_memory_bytes`,
	} {
		if value(text, series) < 0 {
			t.Errorf("no %s in\n%s", series, text)
		}
	}
	if v := value(text, `zhdj_db_pool_max_connections{pool="primary"}`); v < 8 {
		t.Errorf("pool max %v", v)
	}
	// The queue's counts are read at each scrape, within a few seconds (a
	// scrape on a loaded machine may give up on them; the next one has them).
	jobCounts := regexp.MustCompile(`(?m)^zhdj_jobs\{kind="[a-z._]+",state="[a-z]+"\} \d+$`)
	if !jobCounts.MatchString(text) {
		eventually(t, "job counts in a scrape", func() bool { return jobCounts.MatchString(b.scrape(t)) })
	}
	if hits := value(text, `zhdj_response_cache_hits_total`); hits < 1 {
		t.Errorf("response cache hits %v after the same answer three times", hits)
	}

	// Invented operation names: at most MaxOperations of them are labels.
	for i := range metrics.MaxOperations + 50 {
		b.post(t, fmt.Sprintf(`query Op%d { __typename }`, i), nil)
	}
	b.post(t, `query Front { __typename }`, nil)
	text = b.scrape(t)
	ops := map[string]bool{}
	for _, m := range regexp.MustCompile(`zhdj_http_requests_total\{operation="([^"]*)"`).FindAllStringSubmatch(text, -1) {
		ops[m[1]] = true
	}
	if len(ops) > metrics.MaxOperations+2 || !ops["other"] || !ops["Front"] {
		t.Errorf("%d operation labels (bound %d + other and -), other %v", len(ops), metrics.MaxOperations, ops["other"])
	}

	if res, err := http.Get(b.server.URL + "/metrics"); err != nil || res.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the public port: %v %v", res.StatusCode, err)
	} else {
		res.Body.Close()
	}
}

// seriesInDeploy are the series the alert rules and the dashboard in
// deploy/ name (a histogram's as _bucket, _count or _sum); the rules file must be
// valid YAML and the dashboard valid JSON.
func seriesInDeploy(t *testing.T) map[string]bool {
	t.Helper()
	rules, err := os.ReadFile("../../deploy/prometheus/alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Groups []struct {
			Rules []struct {
				Alert, Expr string
			}
		}
	}
	if err := yaml.Unmarshal(rules, &parsed); err != nil || len(parsed.Groups) == 0 || len(parsed.Groups[0].Rules) == 0 {
		t.Fatalf("alerts.yaml: %v %+v", err, parsed)
	}
	dash, err := os.ReadFile("../../deploy/grafana/zhdj.json")
	if err != nil {
		t.Fatal(err)
	}
	var board struct {
		Panels []struct {
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(dash, &board); err != nil || len(board.Panels) == 0 {
		t.Fatalf("zhdj.json: %v", err)
	}
	var exprs []string
	for _, r := range parsed.Groups[0].Rules {
		if r.Alert == "" || r.Expr == "" {
			t.Errorf("a rule without alert or expr: %+v", r)
		}
		exprs = append(exprs, r.Expr)
	}
	for _, p := range board.Panels {
		for _, tg := range p.Targets {
			exprs = append(exprs, tg.Expr)
		}
	}
	names := map[string]bool{}
	series := regexp.MustCompile(`\b(?:zhdj|go|process)_[a-z_]+\b`)
	for _, e := range exprs {
		for _, n := range series.FindAllString(e, -1) {
			names[n] = true
		}
	}
	return names
}

// exported reports the metric families a scrape shows.
func exported(text string) map[string]bool {
	out := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			f := strings.Fields(rest)
			out[f[0]] = true
			if len(f) > 1 && (f[1] == "histogram" || f[1] == "summary") {
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					out[f[0]+suffix] = true
				}
			}
		}
	}
	return out
}

// The alert rules and the dashboard in deploy/ name only series a server
// exports (the replicas' are checked by TestReadReplicas, which has one).
func TestDeployedRulesNameRealSeries(t *testing.T) {
	t.Parallel()
	b := setup(t, withAnswers)
	b.get(t, `query Front { contents(site: "xxgc", first: 1) { edges { node { title } } } }`)
	b.post(t, `{ me { account { username } } }`, nil)
	if res, err := http.Get(b.server.URL + "/readyz"); err == nil {
		res.Body.Close()
	}
	have := exported(b.scrape(t))
	for name := range seriesInDeploy(t) {
		if !have[name] && !strings.HasPrefix(name, "zhdj_replica_") {
			t.Errorf("deploy/ names %s, which the server does not export", name)
		}
	}
}
