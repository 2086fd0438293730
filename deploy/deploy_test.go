// Package deploy holds the deployment files (Dockerfile, compose.yaml,
// kubernetes/); its tests check them without Docker or a cluster.
package deploy

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"zhdj/internal/config"
)

// render builds a kustomization as `kubectl kustomize` does.
func render(t *testing.T, dir string) []map[string]any {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize %s: %v", dir, err)
	}
	var out []map[string]any
	for _, r := range rm.Resources() {
		m, err := r.Map()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func get(m any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			mm, _ := m.(map[string]any)
			m = mm[k]
		case int:
			s, _ := m.([]any)
			if k >= len(s) {
				return nil
			}
			m = s[k]
		}
	}
	return m
}

func find(objs []map[string]any, kind, name string) map[string]any {
	for _, o := range objs {
		if o["kind"] == kind && get(o, "metadata", "name") == name {
			return o
		}
	}
	return nil
}

// secretValues are values of the right shape for each secret file.
func secretValues() map[string]string {
	key := func() string {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		return base64.StdEncoding.EncodeToString(b)
	}
	return map[string]string{
		"ZHDJ_DATABASE_URL": "postgres://zhdj_server:pw@db:5432/zhdj", "ZHDJ_MIGRATE_DATABASE_URL": "postgres://zhdj_owner:pw@db:5432/zhdj",
		"ZHDJ_DATABASE_REPLICA_URLS": "postgres://zhdj_server:pw@db-ro:5432/zhdj",
		"ZHDJ_JWT_KEYS":              "k1:" + key(), "ZHDJ_PII_KEYS": "1:" + key(), "ZHDJ_PII_INDEX_KEY": key(),
		"ZHDJ_S3_ACCESS_KEY": "access", "ZHDJ_S3_SECRET_KEY": "secret", "ZHDJ_MEILI_API_KEY": "master",
	}
}

// loads checks that env (as the server would see it, with every *_FILE a
// file holding a secret of the right shape) is a complete production
// configuration with no variable the server does not know.
func loads(t *testing.T, where string, env map[string]string) config.Config {
	t.Helper()
	known := map[string]bool{}
	for _, v := range config.Vars {
		known[v.Name] = true
	}
	dir := t.TempDir()
	values := secretValues()
	resolved := map[string]string{}
	for k, v := range env {
		name, isFile := strings.CutSuffix(k, "_FILE")
		if !known[name] {
			t.Errorf("%s: %s is not a variable zhdj reads", where, k)
		}
		if isFile {
			secret, ok := values[name]
			if !ok {
				t.Errorf("%s: %s names a file, but %s is not a secret", where, k, name)
				continue
			}
			p := filepath.Join(dir, strings.ToLower(name))
			if err := os.WriteFile(p, []byte(secret), 0o600); err != nil {
				t.Fatal(err)
			}
			v = p
		}
		resolved[k] = v
	}
	cfg, err := config.Load(func(k string) string { return resolved[k] })
	if err != nil {
		t.Fatalf("%s: the server would not start: %v", where, err)
	}
	if cfg.Env != config.EnvProduction || cfg.RequireDatabase() != nil || cfg.S3.Endpoint == "" || cfg.MetricsAddr == "" {
		t.Errorf("%s: %+v", where, cfg)
	}
	return cfg
}

// The base and the production overlay render, every object is named, the
// servers run as the operations section says (three replicas,
// probes, limits, non-root on a read-only root file system), their
// configuration is a complete production one, and production pins its
// image and puts everything in its namespace.
func TestKubernetes(t *testing.T) {
	for _, dir := range []string{"kubernetes/base", "kubernetes/production"} {
		t.Run(dir, func(t *testing.T) {
			objs := render(t, dir)
			kinds := map[string]bool{}
			for _, o := range objs {
				if o["apiVersion"] == nil || o["kind"] == nil || get(o, "metadata", "name") == nil {
					t.Errorf("unnamed object: %v", o)
				}
				kinds[o["kind"].(string)] = true
			}
			for _, k := range []string{"Deployment", "Service", "Job", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy", "ServiceMonitor", "ConfigMap"} {
				if !kinds[k] {
					t.Errorf("no %s", k)
				}
			}
			d := find(objs, "Deployment", "zhdj")
			if d == nil {
				t.Fatal("no Deployment zhdj")
			}
			if get(d, "spec", "replicas") != 3 {
				t.Errorf("replicas %v", get(d, "spec", "replicas"))
			}
			pod := get(d, "spec", "template", "spec")
			c := get(pod, "containers", 0)
			checks := map[string]bool{
				"readiness /readyz":         get(c, "readinessProbe", "httpGet", "path") == "/readyz",
				"liveness /healthz":         get(c, "livenessProbe", "httpGet", "path") == "/healthz",
				"cpu limit":                 get(c, "resources", "limits", "cpu") != nil,
				"memory request":            get(c, "resources", "requests", "memory") != nil,
				"non-root":                  get(pod, "securityContext", "runAsNonRoot") == true,
				"read-only root":            get(c, "securityContext", "readOnlyRootFilesystem") == true,
				"no privilege escalation":   get(c, "securityContext", "allowPrivilegeEscalation") == false,
				"selector matches the pods": get(d, "spec", "selector", "matchLabels", "app.kubernetes.io/component") == get(d, "spec", "template", "metadata", "labels", "app.kubernetes.io/component"),
				"grace covers the draining": get(pod, "terminationGracePeriodSeconds") == 30,
			}
			for what, ok := range checks {
				if !ok {
					t.Errorf("Deployment: %s", what)
				}
			}
			var cm map[string]any
			for _, o := range objs {
				if o["kind"] == "ConfigMap" && strings.HasPrefix(get(o, "metadata", "name").(string), "zhdj-config") {
					cm = o
				}
			}
			if ref := get(c, "envFrom", 0, "configMapRef", "name"); cm == nil || ref != get(cm, "metadata", "name") {
				t.Fatalf("the Deployment's config map %v is not the generated one", ref)
			}
			env := map[string]string{}
			for k, v := range get(cm, "data").(map[string]any) {
				env[k] = v.(string)
			}
			cfg := loads(t, dir, env)
			if cfg.ShutdownDelay == 0 {
				t.Error("no shutdown delay: a rolling update would drop requests")
			}
			if hpa := find(objs, "HorizontalPodAutoscaler", "zhdj"); get(hpa, "spec", "minReplicas") != 3 {
				t.Errorf("HPA min %v", get(hpa, "spec", "minReplicas"))
			}
			if dir == "kubernetes/production" {
				image := get(c, "image").(string)
				if !strings.Contains(image, ":") || strings.HasSuffix(image, ":latest") {
					t.Errorf("production image not pinned: %s", image)
				}
				if len(cfg.ReplicaURLs) == 0 || cfg.Meili.URL == "" {
					t.Errorf("production reads no replica or has no Meilisearch: %+v", cfg)
				}
				for _, o := range objs {
					if k := o["kind"]; k != "Namespace" && get(o, "metadata", "namespace") != "zhdj" {
						t.Errorf("%s %s outside the namespace", k, get(o, "metadata", "name"))
					}
				}
				if find(objs, "Cluster", "zhdj-db") == nil || find(objs, "Ingress", "zhdj") == nil {
					t.Error("production has no database cluster or Ingress")
				}
			}
		})
	}
}

// compose.yaml has the services the README promises, each long-running
// one with a healthcheck, the servers after a successful migration, every
// secret it uses declared and written by compose/secrets.sh, and the
// servers' environment a complete production configuration.
func TestCompose(t *testing.T) {
	raw, err := os.ReadFile("compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Services map[string]struct {
			Environment map[string]string                     `yaml:"environment"`
			Secrets     []string                              `yaml:"secrets"`
			Healthcheck map[string]any                        `yaml:"healthcheck"`
			DependsOn   map[string]struct{ Condition string } `yaml:"depends_on"`
			Command     []string                              `yaml:"command"`
		} `yaml:"services"`
		Secrets map[string]struct{ File string } `yaml:"secrets"`
	}
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile("compose/secrets.sh")
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range f.Secrets {
		if !strings.Contains(string(script), "secrets/"+filepath.Base(s.File)) {
			t.Errorf("secret %s (%s) is not written by compose/secrets.sh", name, s.File)
		}
	}
	servers := 0
	for name, s := range f.Services {
		for _, sec := range s.Secrets {
			if _, ok := f.Secrets[sec]; !ok {
				t.Errorf("%s uses the undeclared secret %s", name, sec)
			}
		}
		if name != "migrate" && s.Healthcheck == nil {
			t.Errorf("%s has no healthcheck", name)
		}
		if !strings.HasPrefix(name, "zhdj-") {
			continue
		}
		servers++
		if s.DependsOn["migrate"].Condition != "service_completed_successfully" {
			t.Errorf("%s does not wait for the migration: %+v", name, s.DependsOn)
		}
		env := map[string]string{}
		for k, v := range s.Environment {
			env[k] = interpolate(v)
		}
		loads(t, name, env)
		for k, path := range s.Environment {
			if strings.HasSuffix(k, "_FILE") && !slices.Contains(s.Secrets, filepath.Base(path)) {
				t.Errorf("%s: %s=%s is not one of its secrets %v", name, k, path, s.Secrets)
			}
		}
	}
	if servers < 2 {
		t.Errorf("%d server processes (want 2)", servers)
	}
	for _, want := range []string{"postgres", "minio", "meilisearch", "migrate"} {
		if _, ok := f.Services[want]; !ok {
			t.Errorf("no %s service", want)
		}
	}
	if m := f.Services["migrate"]; !slices.Equal(m.Command, []string{"migrate", "up"}) {
		t.Errorf("migrate runs %v", m.Command)
	}
}

// interpolate does compose's ${NAME:-default} with nothing set: the default.
func interpolate(s string) string {
	return os.Expand(s, func(v string) string {
		if _, def, ok := strings.Cut(v, ":-"); ok {
			return def
		}
		return ""
	})
}
