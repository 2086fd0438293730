package search_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/auth"
	"zhdj/internal/org"
	"zhdj/internal/pgtest"
	"zhdj/internal/postgres"
	"zhdj/internal/search"
	"zhdj/internal/search/pgsearch"
	"zhdj/internal/tenant"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// slowIndex takes a while to accept each write, as a remote engine does,
// so that racing drains would interleave reading and writing; it records
// the versions written, in the order they were written.
type slowIndex struct {
	search.Index
	mu      sync.Mutex
	written []int64
}

func (s *slowIndex) Upsert(ctx context.Context, t uuid.UUID, docs []*search.Document) error {
	time.Sleep(time.Duration(rand.IntN(4000)) * time.Microsecond)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range docs {
		s.written = append(s.written, d.Version)
	}
	return s.Index.Upsert(ctx, t, docs)
}

// TestDrainsNeverWriteAStaleVersion: while an item changes 40 times, four
// drains race over the same outbox through a slow engine; no version is
// ever written after a newer one, none twice, and the index ends with the
// last (one drain per school at a time, each reading the item as it is
// when it runs, and writing it only when the index does not hold that).
func TestDrainsNeverWriteAStaleVersion(t *testing.T) {
	db := pgtest.NewDB(t)
	ctx := context.Background()
	tn, err := tenant.NewService(db.Pool).Create(ctx, tenant.CreateInput{Code: "school", Name: "示范职业技术学院"})
	if err != nil {
		t.Fatal(err)
	}
	root, err := org.NewService(db.Pool).CreateUnit(auth.WithPrincipal(ctx, auth.SystemPrincipal(tn.ID)),
		org.CreateUnitInput{Kind: org.KindCommittee, Name: "党委", Code: "DW"})
	if err != nil {
		t.Fatal(err)
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if err := postgres.InTenantTx(ctx, db.Pool, tn.ID, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, sql, args...)
			return err
		}); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO sites (tenant_id, org_unit_id, slug, name) VALUES ($1, $2, 'main', '主站')`, tn.ID, root.ID)
	exec(`INSERT INTO contents (tenant_id, type, slug, title, org_unit_id, status, published_at) VALUES ($1, 'article', 'hot', '版本 0', $2, 'published', now())`, tn.ID, root.ID)

	slow := &slowIndex{Index: pgsearch.New(db.Pool, 0)}
	ix := search.NewIndexer(db.Pool, slow, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), search.IndexerConfig{BatchSize: 3})
	done := make(chan struct{})
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				if _, err := ix.Drain(ctx, tn.ID); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for i := 1; i <= 40; i++ {
		exec(fmt.Sprintf(`UPDATE contents SET title = '版本 %d', version = %d WHERE slug = 'hot'`, i, i+1))
		time.Sleep(time.Duration(rand.IntN(2000)) * time.Microsecond)
	}
	close(done)
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ix.Drain(ctx, tn.ID); err != nil {
		t.Fatal(err)
	}
	var title string
	var version int64
	if err := db.Pool.QueryRow(ctx, `SELECT title, version FROM search_documents WHERE tenant_id = $1`, tn.ID).Scan(&title, &version); err != nil {
		t.Fatal(err)
	}
	if title != "版本 40" || version != 41 {
		t.Fatalf("the index holds %q (version %d), want the last version 41", title, version)
	}
	for i := 1; i < len(slow.written); i++ {
		if slow.written[i] < slow.written[i-1] {
			t.Fatalf("version %d was written after version %d: %v", slow.written[i], slow.written[i-1], slow.written)
		}
		if slow.written[i] == slow.written[i-1] {
			t.Fatalf("version %d was written twice: %v", slow.written[i], slow.written)
		}
	}
}
