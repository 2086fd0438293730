package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"zhdj/internal/app"
	"zhdj/internal/backup"
	"zhdj/internal/config"
	"zhdj/internal/media/s3"
	"zhdj/internal/miniotest"
	"zhdj/internal/pgtest"
	"zhdj/internal/pii"
	"zhdj/internal/seed"
)

// deployment is what the drill compares before and after: what readers,
// the secretary and a search see, and the bytes of every cover.
type deployment struct {
	articles   []string          // slug: title, on xxgc's front page
	covers     map[string]string // slug → sha256 of the cover as downloaded
	citizenIDs map[string]string // member → unmasked citizen ID
	activities []string          // title: sign-ups
	search     int               // hits of a search
}

func (b *testBundle) observe(t *testing.T) deployment {
	t.Helper()
	d := deployment{covers: map[string]string{}}
	front := decode[struct {
		Contents struct {
			Edges []struct {
				Node struct {
					Slug, Title string
					Cover       *struct{ URL string }
				}
			}
		}
	}](t, b.post(t, `query { contents(site: "xxgc", first: 50) { edges { node { slug title cover { url } } } } }`, nil))
	for _, e := range front.Contents.Edges {
		d.articles = append(d.articles, e.Node.Slug+": "+e.Node.Title)
		if e.Node.Cover != nil {
			status, body := httpGet(t, e.Node.Cover.URL)
			if status != 200 {
				t.Fatalf("cover of %s: HTTP %d", e.Node.Slug, status)
			}
			sum := sha256.Sum256(body)
			d.covers[e.Node.Slug] = hex.EncodeToString(sum[:])
		}
	}
	d.citizenIDs = b.citizenIDs(t)
	acts := decode[struct {
		Activities struct {
			Edges []struct {
				Node struct {
					Title      string
					PlacesLeft *int
				}
			}
		}
	}](t, b.post(t, `query { activities(site: "xxgc", first: 50) { edges { node { title placesLeft } } } }`, nil))
	for _, e := range acts.Activities.Edges {
		left := -1
		if e.Node.PlacesLeft != nil {
			left = *e.Node.PlacesLeft
		}
		d.activities = append(d.activities, fmt.Sprintf("%s: %d places left", e.Node.Title, left))
	}
	sort.Strings(d.articles)
	sort.Strings(d.activities)
	d.search = b.search(t, map[string]any{"q": "党建", "first": 5}).TotalCount
	return d
}

// The restore drill: a seeded deployment (content with covers in the
// store, members with encrypted citizen IDs, volunteer sign-ups, the
// search index) is backed up, and restored into a fresh PostgreSQL cluster
// and a fresh object store; a server on those shows the same articles and
// cover bytes, decrypts the same citizen IDs with the same keys, counts
// the same sign-ups and finds the same by search, also after the index is
// rebuilt. A damaged backup, a non-empty database and other keys are
// refused, and the refusals write nothing.
func TestBackupRestoreDrill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := identityEnv()
	env["ZHDJ_PII_KEYS"], env["ZHDJ_PII_INDEX_KEY"] = "1:"+pii.RandomKey(), pii.RandomKey()
	b, _ := setupMedia(t, env)
	school := b.demo.School
	if n, err := seed.DemoContent(ctx, school, b.app.Org, b.app.Media, b.app.Content); err != nil || n == 0 {
		t.Fatalf("demo content: %d, %v", n, err)
	}
	if _, err := seed.DemoVolunteer(ctx, school, b.app.Org, b.app.Volunteer, time.Now()); err != nil {
		t.Fatal(err)
	}
	student, _ := b.login(t, "student", demoPassword)
	acts := decode[struct {
		Activities struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}](t, b.post(t, `query { activities(site: "xxgc", first: 1) { edges { node { id } } } }`, nil))
	if len(acts.Activities.Edges) == 0 {
		t.Fatal("no demo activity to sign up for")
	}
	decode[map[string]any](t, b.post(t, `mutation($a: ID!) { signUp(input: {activityId: $a}) { signUp { id } } }`, map[string]any{"a": acts.Activities.Edges[0].Node.ID}, bearer(student)...))
	eventually(t, "media processed", func() bool {
		var n int
		return b.count(t, school.ID, `SELECT count(*) FROM media WHERE status = 'processing'`, &n) == nil && n == 0
	})
	b.waitIndexed(t)
	before := b.observe(t)
	if len(before.covers) == 0 || len(before.citizenIDs) == 0 || before.search == 0 {
		t.Fatalf("nothing to compare: %+v", before)
	}

	dir := filepath.Join(t.TempDir(), "backup")
	m, err := backup.Backup(ctx, backup.Options{DatabaseURL: pgtest.SuperuserURL(t, b.db), Store: b.app.Store, Dir: dir,
		Version: "drill", KeyChecks: b.app.Keyring.KeyChecks()})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Objects) < len(before.covers) || m.Rows["public.people"] == 0 || m.Rows["public.signups"] == 0 || m.Migration == 0 {
		t.Fatalf("manifest: %d objects, rows %v, migration %d", len(m.Objects), m.Rows, m.Migration)
	}
	if _, err := backup.Backup(ctx, backup.Options{DatabaseURL: pgtest.SuperuserURL(t, b.db), Dir: dir}); !isBackupError(err, "not empty") {
		t.Errorf("a backup into a used folder: %v", err)
	}

	// The disaster: a new cluster and a new store.
	fresh := pgtest.NewServer(t)
	minio := miniotest.Start(t)
	store, err := s3.New(ctx, s3.Config{Endpoint: minio.Endpoint, Bucket: b.cfg.S3.Bucket, AccessKey: minio.AccessKey, SecretKey: minio.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	restore := backup.Options{DatabaseURL: fresh.AdminURL, Store: store, Dir: dir, KeyChecks: b.app.Keyring.KeyChecks()}

	// A damaged object is found before anything is written.
	damaged := filepath.Join(dir, "objects", filepath.FromSlash(m.Objects[0].Key))
	orig, err := os.ReadFile(damaged)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), orig...)
	bad[len(bad)/2] ^= 0xff
	if err := os.WriteFile(damaged, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Restore(ctx, restore); !isBackupError(err, "damaged") {
		t.Fatalf("restore of a damaged backup: %v", err)
	}
	if err := os.WriteFile(damaged, orig, 0o600); err != nil {
		t.Fatal(err)
	}
	// Other keys are told apart.
	other, _ := pii.NewKeyring(map[byte][]byte{1: make([]byte, 32)}, make([]byte, 32))
	if lost := backup.MissingKeys(m, other.KeyChecks()); strings.Join(lost, ",") != "1,index" {
		t.Errorf("other keys: missing %v, want 1 and index", lost)
	}
	if lost := backup.MissingKeys(m, b.app.Keyring.KeyChecks()); len(lost) != 0 {
		t.Errorf("the same keys: missing %v", lost)
	}

	rep, err := backup.Restore(ctx, restore)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Objects != int64(len(m.Objects)) || rep.ObjectBytes != m.ObjectBytes() || rep.Tables != int64(len(m.Rows)) {
		t.Fatalf("restored %+v; backup had %d objects of %d bytes, %d tables", rep, len(m.Objects), m.ObjectBytes(), len(m.Rows))
	}
	if _, err := backup.Restore(ctx, restore); !isBackupError(err, "empty database") {
		t.Errorf("a restore into a used database: %v", err)
	}

	// A server on the restored data, with the same keys.
	vars := map[string]string{}
	for k, v := range env {
		vars[k] = v
	}
	for k, v := range map[string]string{
		"ZHDJ_DATABASE_URL": fresh.URL, "ZHDJ_AUTO_MIGRATE": "false", "ZHDJ_RATE_LIMITS": "off", "ZHDJ_RESPONSE_CACHE_BYTES": "off", "ZHDJ_COCKPIT_MAX_AGE": "off",
		"ZHDJ_ARGON2_MEMORY_KIB": "1024", "ZHDJ_ARGON2_ITERATIONS": "1", "ZHDJ_ARGON2_PARALLELISM": "1",
		"ZHDJ_S3_ENDPOINT": minio.Endpoint, "ZHDJ_S3_ACCESS_KEY": minio.AccessKey, "ZHDJ_S3_SECRET_KEY": minio.SecretKey, "ZHDJ_S3_SECURE": "false",
	} {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	restored := &testBundle{app: a, server: srv, demo: b.demo, cfg: cfg}
	compare := func(when string) {
		t.Helper()
		after := restored.observe(t)
		if strings.Join(after.articles, "|") != strings.Join(before.articles, "|") || strings.Join(after.activities, "|") != strings.Join(before.activities, "|") || after.search != before.search {
			t.Errorf("%s: articles %v, activities %v, search %d; before: %v, %v, %d", when, after.articles, after.activities, after.search, before.articles, before.activities, before.search)
		}
		for slug, sum := range before.covers {
			if after.covers[slug] != sum {
				t.Errorf("%s: the cover of %s differs", when, slug)
			}
		}
		for name, id := range before.citizenIDs {
			if after.citizenIDs[name] != id || id == "" {
				t.Errorf("%s: %s's citizen ID is %q, was %q", when, name, after.citizenIDs[name], id)
			}
		}
	}
	compare("restored")
	if _, err := a.Indexer.Rebuild(ctx, school.ID, nil); err != nil {
		t.Fatal(err)
	}
	compare("index rebuilt")
}

func isBackupError(err error, says string) bool {
	var be *backup.Error
	return errors.As(err, &be) && strings.Contains(be.Reason, says)
}
