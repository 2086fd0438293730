package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// zhdj health exits 0 only for a server that answers 200.
func TestHealthCommand(t *testing.T) {
	ready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"status":"ready"}`)
	}))
	defer ready.Close()
	draining := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"status":"draining"}`)
	}))
	defer draining.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	for _, c := range []struct {
		name, url string
		wantErr   string
	}{
		{"ready", ready.URL, ""},
		{"draining", draining.URL, "503"},
		{"unreachable", gone.URL, "connect"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), []string{"health", "--url", c.url}, &out, io.Discard)
		switch {
		case c.wantErr == "" && (err != nil || !strings.Contains(out.String(), "ready")):
			t.Errorf("%s: %v %q", c.name, err, out.String())
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.wantErr)
		}
	}
}
