package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Env != EnvLocal || !c.AutoMigrate || !c.Introspection || !c.GraphiQL || c.LogFormat != "text" || c.HTTPAddr != "127.0.0.1:8080" {
		t.Fatalf("local defaults: %+v", c)
	}
	if _, err := Load(env(map[string]string{"ZHDJ_ENV": "production"})); err == nil || !strings.Contains(err.Error(), "ZHDJ_JWT_KEYS") || !strings.Contains(err.Error(), "ZHDJ_PII_KEYS") {
		t.Fatalf("production without keys: %v", err)
	}
	p, err := Load(env(map[string]string{"ZHDJ_ENV": "production", "ZHDJ_JWT_KEYS": "k", "ZHDJ_PII_KEYS": "k", "ZHDJ_PII_INDEX_KEY": "k"}))
	if err != nil {
		t.Fatal(err)
	}
	if p.AutoMigrate || p.Introspection || p.Suggestions || p.GraphiQL || p.LogFormat != "json" {
		t.Fatalf("production defaults: %+v", p)
	}
	if err := p.RequireDatabase(); err == nil || !strings.Contains(err.Error(), "ZHDJ_DATABASE_URL") {
		t.Fatalf("missing database URL: %v", err)
	}
}

func TestBadValuesNameTheVariable(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"ZHDJ_ENV":                           "staging",
		"ZHDJ_HTTP_ADDR":                     "8080",
		"ZHDJ_AUTO_MIGRATE":                  "sometimes",
		"ZHDJ_LOG_FORMAT":                    "xml",
		"ZHDJ_LOG_LEVEL":                     "loud",
		"ZHDJ_ORIGIN_REFRESH":                "soon",
		"ZHDJ_MAX_BODY_BYTES":                "-1",
		"ZHDJ_MAX_DEPTH":                     "deep",
		"ZHDJ_SHUTDOWN_TIMEOUT":              "0s",
		"ZHDJ_INTROSPECTION":                 "maybe",
		"ZHDJ_MEILI_URL":                     "localhost:7700",
		"ZHDJ_MEILI_SEARCH_KEY_UID":          "6062abda-a5aa-4414-ac91-ecd7944c0f8d",
		"ZHDJ_SEARCH_RETRY_MAX":              "never",
		"ZHDJ_SEARCH_COMPACT":                "never",
		"ZHDJ_TRUSTED_PROXIES":               "10.0.0.0/33",
		"ZHDJ_TRUST_PROXY_HEADERS":           "true", // replaced: it names its successor
		"ZHDJ_JOB_LEASE":                     "-5s",
		"ZHDJ_REPLICA_MAX_LAG":               "soon",
		"ZHDJ_METRICS_ADDR":                  "9464",
		"OTEL_EXPORTER_OTLP_ENDPOINT":        "otel-collector:4318",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "grpc://otel-collector:4317",
		"OTEL_SDK_DISABLED":                  "perhaps",
	}
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Load(env(map[string]string{name: value}))
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Fatalf("%s=%q: got %v, want an error naming the variable", name, value, err)
			}
		})
	}
}

func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	c, err := Load(env(map[string]string{"ZHDJ_TRUSTED_PROXIES": " 10.0.0.0/8, 192.168.1.5 ,,fd00::/8"}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range c.TrustedProxies {
		got = append(got, n.String())
	}
	if strings.Join(got, " ") != "10.0.0.0/8 192.168.1.5/32 fd00::/8" {
		t.Fatalf("trusted proxies: %v", got)
	}
	if _, err := Load(env(map[string]string{"ZHDJ_TRUST_PROXY_HEADERS": "true"})); err == nil || !strings.Contains(err.Error(), "ZHDJ_TRUSTED_PROXIES") {
		t.Fatalf("the replaced setting: %v", err)
	}
}

func TestValuesAndSecretFile(t *testing.T) {
	t.Parallel()
	f := filepath.Join(t.TempDir(), "db")
	if err := os.WriteFile(f, []byte("postgres://u:p@h/db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(env(map[string]string{
		"ZHDJ_DATABASE_URL_FILE":     f,
		"ZHDJ_CORS_ORIGINS":          " https://a.example.cn , ,https://b.example.cn",
		"ZHDJ_ORIGIN_REFRESH":        "5s",
		"ZHDJ_MAX_ALIASES":           "7",
		"ZHDJ_DATABASE_REPLICA_URLS": " postgres://u:p@r1/db, ,postgres://u:p@r2/db",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "postgres://u:p@h/db" || len(c.CORSOrigins) != 2 || c.OriginRefresh != 5*time.Second || c.MaxAliases != 7 ||
		len(c.ReplicaURLs) != 2 || c.ReplicaURLs[1] != "postgres://u:p@r2/db" || c.ReplicaMaxLag != 2*time.Second {
		t.Fatalf("%+v", c)
	}
	for v, want := range map[string]time.Duration{"": time.Hour, "30m": 30 * time.Minute, "off": 0} {
		c, err := Load(env(map[string]string{"ZHDJ_SEARCH_COMPACT": v}))
		if err != nil {
			t.Fatalf("ZHDJ_SEARCH_COMPACT=%q: %v", v, err)
		}
		if c.SearchCompact != want {
			t.Errorf("ZHDJ_SEARCH_COMPACT=%q: %v, want %v", v, c.SearchCompact, want)
		}
	}
	if _, err := Load(env(map[string]string{"ZHDJ_DATABASE_URL_FILE": filepath.Join(t.TempDir(), "missing")})); err == nil || !strings.Contains(err.Error(), "ZHDJ_DATABASE_URL_FILE") {
		t.Fatalf("missing secret file: %v", err)
	}
}

// TestReadmeListsEveryVariable: the README's configuration table names
// every variable, and the _FILE form of every secret.
// Tracing is on with an OTLP endpoint, unless the SDK is disabled.
func TestTracingFollowsTheOTELVariables(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector:4318"}, true},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://otel.example.edu.cn/v1/traces"}, true},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector:4318", "OTEL_SDK_DISABLED": "true"}, false},
	} {
		cfg, err := Load(env(c.env))
		if err != nil || cfg.Tracing != c.want {
			t.Errorf("%v: Tracing = %v (err %v), want %v", c.env, cfg.Tracing, err, c.want)
		}
	}
}

func TestReadmeListsEveryVariable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, v := range Vars {
		if !strings.Contains(readme, v.Name) {
			t.Errorf("README does not mention %s", v.Name)
		}
		if strings.Contains(v.Help, "_FILE") && !strings.Contains(readme, v.Name+"_FILE") {
			t.Errorf("README does not give %s_FILE", v.Name)
		}
	}
}
