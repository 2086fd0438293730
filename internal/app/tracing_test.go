package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"zhdj/internal/app"
)

// lockedBuffer is a log the server writes from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Split(strings.TrimSpace(b.buf.String()), "\n")
}

// spanTree indexes exported spans by id, to walk from a span to its root.
type spanTree map[trace.SpanID]tracetest.SpanStub

func (s spanTree) named(prefix string) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, sp := range s {
		if strings.HasPrefix(sp.Name, prefix) {
			out = append(out, sp)
		}
	}
	return out
}

// under says whether span descends from ancestor.
func (s spanTree) under(span tracetest.SpanStub, ancestor trace.SpanID) bool {
	for p := span.Parent.SpanID(); p.IsValid(); {
		if p == ancestor {
			return true
		}
		parent, ok := s[p]
		if !ok {
			return false
		}
		p = parent.Parent.SpanID()
	}
	return false
}

// With tracing on, a request carrying a W3C traceparent continues the
// caller's trace: a server span, the GraphQL operation and its root field
// under it, loader batches and statements under those, object-store calls
// as client spans (carrying the context on), and the trace id in the
// request's log line. Without it nothing is traced (the other tests).
func TestTracing(t *testing.T) {
	t.Parallel()
	b, _ := setupMedia(t, nil)
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	logs := &lockedBuffer{}
	a, err := app.New(context.Background(), b.cfg, slog.New(slog.NewJSONHandler(logs, nil)), app.WithTracing(tp))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	traced := &testBundle{app: a, server: srv, demo: b.demo, db: b.db, cfg: b.cfg}

	const callerTrace, callerSpan = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
	r := traced.post(t, `query SiteAndUnits { site(slug: "xxgc") { name orgUnit { name parent { name } } school { name } } }`, nil,
		"traceparent", "00-"+callerTrace+"-"+callerSpan+"-01")
	decode[map[string]any](t, r)

	spans := spanTree{}
	for _, s := range exp.GetSpans() {
		if s.SpanContext.TraceID().String() == callerTrace {
			spans[s.SpanContext.SpanID()] = s
		}
	}
	server := spans.named("POST /graphql")
	if len(server) != 1 {
		t.Fatalf("want one server span in the caller's trace, got %d of %d spans", len(server), len(spans))
	}
	if got := server[0].Parent.SpanID().String(); got != callerSpan || !server[0].Parent.IsRemote() {
		t.Errorf("server span's parent = %s (remote %v), want the caller's %s", got, server[0].Parent.IsRemote(), callerSpan)
	}
	if server[0].SpanKind != trace.SpanKindServer {
		t.Errorf("server span kind = %v", server[0].SpanKind)
	}
	root := server[0].SpanContext.SpanID()
	op := spans.named("graphql query SiteAndUnits")
	if len(op) != 1 || op[0].Parent.SpanID() != root {
		t.Fatalf("want the operation span right under the server span; got %d", len(op))
	}
	field := spans.named("Query.site")
	if len(field) != 1 || field[0].Parent.SpanID() != op[0].SpanContext.SpanID() {
		t.Fatalf("want the root field's span under the operation; got %d", len(field))
	}
	loads := spans.named("load ")
	if len(loads) == 0 {
		t.Fatal("no loader batch spans")
	}
	for _, l := range loads {
		if !spans.under(l, field[0].SpanContext.SpanID()) {
			t.Errorf("loader span %q is not under the root field", l.Name)
		}
	}
	statements := 0
	for _, s := range spans {
		if s.SpanKind == trace.SpanKindClient && spans.under(s, root) {
			statements++
			if strings.Contains(s.Name, "xxgc") {
				t.Errorf("a span name carries a value: %q", s.Name)
			}
		}
	}
	if statements == 0 {
		t.Error("no statement spans under the request")
	}

	// The log line of the request names the trace.
	found := false
	for _, line := range traced.logLines(logs) {
		if line["msg"] == "http request" && line["operation"] == "SiteAndUnits" {
			found = line["trace_id"] == callerTrace
		}
	}
	if !found {
		t.Errorf("the request's log line does not carry trace_id %s", callerTrace)
	}

	// An upload: its object-store calls are client spans of the request.
	exp.Reset()
	editor, _ := traced.login(t, "editor", demoPassword)
	decode[map[string]any](t, traced.uploadFile(t, editor, "cover.png", pngBytes(t, 64, 48), "COVER"))
	spans = spanTree{}
	for _, s := range exp.GetSpans() {
		spans[s.SpanContext.SpanID()] = s
	}
	var upload trace.SpanID
	for _, s := range spans.named("POST /graphql") {
		for _, f := range spans.named("Mutation.uploadImage") {
			if spans.under(f, s.SpanContext.SpanID()) {
				upload = s.SpanContext.SpanID()
			}
		}
	}
	if !upload.IsValid() {
		t.Fatal("no server span with the uploadImage operation")
	}
	storeCalls := 0
	for _, s := range spans {
		if s.SpanKind == trace.SpanKindClient && spans.under(s, upload) && strings.HasPrefix(s.Name, "HTTP ") {
			storeCalls++
		}
	}
	if storeCalls == 0 {
		t.Error("no object-store call spans under the upload request")
	}
}

func (b *testBundle) logLines(logs *lockedBuffer) []map[string]any {
	var out []map[string]any
	for _, l := range logs.lines() {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}
