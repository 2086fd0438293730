package pgsearch_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhdj/internal/apperr"
	"zhdj/internal/pgtest"
	"zhdj/internal/postgres"
	"zhdj/internal/search"
	"zhdj/internal/search/pgsearch"
	"zhdj/internal/search/searchtest"
	"zhdj/internal/tenant"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestContract(t *testing.T) {
	searchtest.Exercise(t, func(t *testing.T) *searchtest.Fixture {
		db := pgtest.NewDB(t)
		svc := tenant.NewService(db.Pool)
		a, err := svc.Create(context.Background(), tenant.CreateInput{Code: "school-a", Name: "甲校"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := svc.Create(context.Background(), tenant.CreateInput{Code: "school-b", Name: "乙校"})
		if err != nil {
			t.Fatal(err)
		}
		return &searchtest.Fixture{Index: pgsearch.New(db.Pool, 0), Tenant: a.ID, Other: b.ID}
	})
}

func TestVectorAndQuery(t *testing.T) {
	d := &search.Document{Title: "志愿服务", Summary: "关爱老人", Body: "It's <b>ok</b> 志愿"}
	match, rank := pgsearch.Vectors(d)
	// Every word matches, without positions; title and summary words rank
	// (A and B), body words do not.
	for _, want := range []string{"'志愿'", "'老人'", "'it'"} {
		if !strings.Contains(match, want) {
			t.Errorf("match vector %q lacks %s", match, want)
		}
	}
	if strings.Contains(match, ":") {
		t.Errorf("match vector %q has positions", match)
	}
	if want := "'志愿':1A"; !strings.HasPrefix(rank, want) || !strings.Contains(rank, "'老人':") || !strings.HasSuffix(rank, "B") {
		t.Errorf("rank vector %q: want %s first, then the summary's words weighted B", rank, want)
	}
	if strings.Contains(rank, "'it'") || strings.Contains(rank, "C") {
		t.Errorf("rank vector %q holds body words", rank)
	}
	site, unit := uuid.MustParse("11111111-2222-4333-8444-555555555555"), uuid.MustParse("21111111-2222-4333-8444-555555555555")
	d = &search.Document{Type: search.TypeArticle, Title: "标题", Tags: []string{`a'b\c`}, Topics: []string{"理论学习"}, Sites: []uuid.UUID{site}, OrgUnitID: unit}
	v, _ := pgsearch.Vectors(d)
	for _, want := range []string{`'st_11111111222243338444555555555555_article'`, `'site_11111111222243338444555555555555'`, `'unit_21111111222243338444555555555555'`, `'tag_a''b\\c'`,
		`'topic_理论学习'`, `'stt_11111111222243338444555555555555_article_理论学习'`} {
		if !strings.Contains(v, want) {
			t.Errorf("vector %q lacks the filter lexeme %s", v, want)
		}
	}
	mq := pgsearch.MatchQuery(search.Query{Site: site, Terms: []string{"党史"}, Filter: search.Filter{
		Types: []search.Type{search.TypeArticle, search.TypeComic}, Tags: []string{`x' | 'y`}}})
	if want := `('党史') & ('st_11111111222243338444555555555555_article' | 'st_11111111222243338444555555555555_comic') & ('tag_x'' | ''y')`; mq != want {
		t.Errorf("match query %s, want %s", mq, want)
	}
	if mq, want := pgsearch.MatchQuery(search.Query{Site: site, Terms: []string{"党史"}}), `('党史') & 'site_11111111222243338444555555555555'`; mq != want {
		t.Errorf("match query without types %s, want %s", mq, want)
	}
	// Types and topics together: their pairs on the site, up to 16 of them.
	mq = pgsearch.MatchQuery(search.Query{Site: site, Terms: []string{"党史"}, Filter: search.Filter{
		Types: []search.Type{search.TypeArticle, search.TypeComic}, Topics: []string{"理论学习"}}})
	if want := `('党史') & ('stt_11111111222243338444555555555555_article_理论学习' | 'stt_11111111222243338444555555555555_comic_理论学习')`; mq != want {
		t.Errorf("match query with types and topics %s, want %s", mq, want)
	}
	many := make([]string, 9)
	for i := range many {
		many[i] = fmt.Sprintf("t%d", i)
	}
	mq = pgsearch.MatchQuery(search.Query{Site: site, Terms: []string{"党史"}, Filter: search.Filter{
		Types: []search.Type{search.TypeArticle, search.TypeComic}, Topics: many}})
	if !strings.Contains(mq, "'st_11111111222243338444555555555555_comic'") || !strings.Contains(mq, "'topic_t8'") || strings.Contains(mq, "stt_") {
		t.Errorf("match query with 18 type-topic pairs %s: want the type and topic lists", mq)
	}
	syn := map[string][]string{"党课": {"党建课程"}}
	for _, c := range []struct{ text, want string }{
		{"党课 学习", "('党课' | ('党建' & '课程')) & '学习'"}, // whole words: no prefix look-up
		{"乡村振", "'乡村' & '振':*"},                    // a character being typed
		{"党建 zhi", "'党建' & 'zhi':*"},               // Latin letters being typed
	} {
		q := search.Query{Terms: search.QueryTerms(c.text), Synonyms: syn}
		if got := pgsearch.TSQuery(q); got != c.want {
			t.Errorf("tsquery of %q: %q, want %q", c.text, got, c.want)
		}
	}
}

// TestWritesStayInTheTenant: reads of the documents are open (see the
// migration) but a transaction can write only its own tenant's documents.
func TestWritesStayInTheTenant(t *testing.T) {
	db := pgtest.NewDB(t)
	ctx := context.Background()
	svc := tenant.NewService(db.Pool)
	a, err := svc.Create(ctx, tenant.CreateInput{Code: "school-a", Name: "甲校"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.Create(ctx, tenant.CreateInput{Code: "school-b", Name: "乙校"})
	if err != nil {
		t.Fatal(err)
	}
	if err := pgsearch.New(db.Pool, 0).Upsert(ctx, b.ID, searchtest.Corpus(b.ID)[:1]); err != nil {
		t.Fatal(err)
	}
	err = postgres.InTenantTx(ctx, db.Pool, a.ID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO search_documents (tenant_id, kind, item_id, type, title, summary, org_unit_id, sites, at, version, fingerprint, tsv)
			VALUES ($1, 'content', gen_random_uuid(), 'article', 'x', '', gen_random_uuid(), '{}', now(), 1, 'x', '')`, b.ID)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "row-level security") {
		t.Fatalf("inserting another school's document: %v", err)
	}
	for _, sql := range []string{`UPDATE search_documents SET title = 'hacked'`, `DELETE FROM search_documents`} {
		var n int64
		err = postgres.InTenantTx(ctx, db.Pool, a.ID, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, sql)
			n = tag.RowsAffected()
			return err
		})
		if err != nil || n != 0 {
			t.Fatalf("%s from another school touched %d rows (%v)", sql, n, err)
		}
	}
}

// TestOlderVectorFormatIsStale: a document stored in an older vector
// format reads back with a fingerprint that matches nothing, so the
// reconciler rewrites it.
func TestOlderVectorFormatIsStale(t *testing.T) {
	db, tn, ix, docs := schoolWithDocuments(t, 2)
	ctx := context.Background()
	fps, err := ix.Fingerprints(ctx, tn.ID)
	if err != nil || fps[docs[0].Key] != docs[0].Fingerprint() {
		t.Fatalf("current format: %v %v", fps, err)
	}
	err = postgres.InTenantTx(ctx, db.Pool, tn.ID, func(tx pgx.Tx) error {
		// The first format had no prefix at all.
		_, err := tx.Exec(ctx, `UPDATE search_documents SET fingerprint = substr(fingerprint, 4) WHERE item_id = $1`, docs[0].ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fps, err = ix.Fingerprints(ctx, tn.ID)
	if err != nil || fps[docs[0].Key] == docs[0].Fingerprint() || fps[docs[1].Key] != docs[1].Fingerprint() {
		t.Fatalf("older format: %v %v", fps, err)
	}
}

// TestMigrationKeepsDocuments: migration 10 converts the rows it finds
// (rank vector, match vector without positions, facet key) to exactly
// what the engine writes, so searches stay right before the reconciler
// rewrites them; going down and up again keeps them too.
func TestMigrationKeepsDocuments(t *testing.T) {
	db, tn, ix, _ := schoolWithDocuments(t, 0)
	ctx := context.Background()
	rows := func() map[string]string {
		out := map[string]string{}
		r, err := db.Pool.Query(ctx, `SELECT item_id::text, tsv::text || ' | ' || rank_tsv::text || ' | ' || facet_key FROM search_documents WHERE tenant_id = $1`, tn.ID)
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
			var id, row string
			if err := r.Scan(&id, &row); err != nil {
				t.Fatal(err)
			}
			out[id] = row
		}
		if r.Err() != nil {
			t.Fatal(r.Err())
		}
		return out
	}
	written := rows()
	owner, err := pgxpool.New(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	m, err := postgres.NewMigrator(owner, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// Down to before migration 11 (site, type and topic lexemes), then
	// to before migration 10 (rank vectors), up again each time.
	for _, before := range []int64{11, 10} {
		for {
			v, err := m.Down(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v == before {
				break
			}
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		migrated := rows()
		if len(migrated) != len(written) || len(written) == 0 {
			t.Fatalf("%d documents written, %d after the migrations from before %d", len(written), len(migrated), before)
		}
		for id, w := range written {
			if migrated[id] != w {
				t.Errorf("document %s, migrated from before %d\nwritten:  %s\nmigrated: %s", id, before, w, migrated[id])
			}
		}
	}
	fps, err := ix.Fingerprints(ctx, tn.ID)
	if err != nil {
		t.Fatal(err)
	}
	for k, fp := range fps {
		if !strings.HasPrefix(fp, "older format") {
			t.Errorf("document %v is not stale after going down: %q", k, fp)
		}
	}
}

// schoolWithDocuments returns a database with one school, whose first n
// documents of the shared corpus (all of them when n is 0) are indexed.
func schoolWithDocuments(t *testing.T, n int) (*pgtest.DB, *tenant.Tenant, *pgsearch.Index, []*search.Document) {
	t.Helper()
	return indexedSchool(t, func(school uuid.UUID) []*search.Document {
		docs := searchtest.Corpus(school)
		if n > 0 {
			docs = docs[:n]
		}
		return docs
	})
}

// indexedSchool returns a database with one school whose documents,
// made by docsOf, are indexed.
func indexedSchool(t *testing.T, docsOf func(school uuid.UUID) []*search.Document) (*pgtest.DB, *tenant.Tenant, *pgsearch.Index, []*search.Document) {
	t.Helper()
	db := pgtest.NewDB(t)
	ctx := context.Background()
	tn, err := tenant.NewService(db.Pool).Create(ctx, tenant.CreateInput{Code: "school-a", Name: "甲校"})
	if err != nil {
		t.Fatal(err)
	}
	ix := pgsearch.New(db.Pool, 0)
	docs := docsOf(tn.ID)
	if err := ix.Upsert(ctx, tn.ID, docs); err != nil {
		t.Fatal(err)
	}
	return db, tn, ix, docs
}

// TestSearchesWaitTheirTurn: with room for two searches, a third waits
// outside PostgreSQL until one ends; a search whose request ends while it
// waits returns at once, and one that would wait too long is refused. A lock held on the documents keeps searches
// inside PostgreSQL, where they are counted.
func TestSearchesWaitTheirTurn(t *testing.T) {
	db, tn, _, docs := schoolWithDocuments(t, 0)
	ctx := context.Background()
	ix := pgsearch.New(db.Pool, 2)
	pgsearch.SetMaxWait(ix, time.Minute) // however slow the machine, they get their turn
	q := search.Query{Tenant: tn.ID, Site: docs[0].Sites[0], Text: "党史", Terms: search.QueryTerms("党史"), First: 10}

	owner, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	lock, err := owner.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(ctx)
	if _, err := lock.Exec(ctx, `LOCK TABLE search_documents IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	const searches = 5
	done := make(chan error, searches+1)
	for range searches {
		go func() {
			_, err := ix.Search(ctx, q)
			done <- err
		}()
	}
	// Other roles' activity is visible to a superuser.
	admin, err := pgx.Connect(ctx, pgtest.AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	waiting := func() int {
		var n int
		if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = $1 AND backend_type = 'client backend' AND wait_event_type = 'Lock' AND query LIKE '%search_documents%'`, db.Name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(10 * time.Second)
	awaitWaiting := func(n int) {
		for waiting() < n && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	awaitWaiting(2)
	// The other three wait for a turn, not in PostgreSQL.
	for ix.Queued() < searches-2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if q := ix.Queued(); q != searches-2 {
		t.Fatalf("%d searches wait for a turn, want %d", q, searches-2)
	}
	if n := waiting(); n != 2 {
		t.Fatalf("%d searches in PostgreSQL at once, want 2", n)
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := ix.Search(short, q); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a search whose request ended while it waited: %v, want the deadline", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("it returned after %s", took)
	}
	// One that would wait longer than its engine lets it is refused as
	// overloaded (an engine with room for one, taken by a search that
	// waits for the lock).
	one := pgsearch.New(db.Pool, 1)
	pgsearch.SetMaxWait(one, 50*time.Millisecond)
	go func() {
		_, err := one.Search(ctx, q)
		done <- err
	}()
	awaitWaiting(3)
	if _, err := one.Search(ctx, q); !apperr.Is(err, apperr.Unavailable) {
		t.Errorf("a search that waited too long: %v, want UNAVAILABLE", err)
	}
	if err := lock.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for range searches + 1 {
		if err := <-done; err != nil {
			t.Errorf("search: %v", err)
		}
	}
}
