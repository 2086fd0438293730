package pgsearch_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"zhdj/internal/search"
	"zhdj/internal/search/pgsearch"
)

func TestLayoutRule(t *testing.T) {
	for _, c := range []struct {
		name                           string
		documents, pages, groups, runs int
		spread                         float64
		due                            bool
	}{
		{"no documents", 0, 0, 0, 0, 1, false},
		{"in search order", 5000, 1000, 24, 1023, 0.999, false},
		{"as indexed: every row among other groups", 5000, 1000, 24, 5000, 4.883, true},
		{"at the limit", 5000, 1000, 24, 1280, 1.25, false},
		{"just past it", 5000, 1000, 24, 1281, 1.251, true},
		{"too few documents to matter", 999, 200, 24, 999, 4.460, false},
		{"the fewest that can be due", 1000, 200, 24, 1000, 4.464, true},
	} {
		spread, due := pgsearch.LayoutSpread(c.documents, c.pages, c.groups, c.runs)
		if math.Abs(spread-c.spread) > 0.001 || due != c.due {
			t.Errorf("%s: spread %.3f, due %v; want %.3f, %v", c.name, spread, due, c.spread, c.due)
		}
	}
}

// scatteredSchool indexes n documents whose site, topic and type change
// from one to the next, as a school's do when written over time.
func scatteredSchool(t *testing.T, n int) (uuid.UUID, *pgsearch.Index, []*search.Document) {
	t.Helper()
	sites := []uuid.UUID{uuid.New(), uuid.New()}
	topics := []string{"理论学习", "组织生活", "志愿服务", "廉政建设"}
	types := []search.Type{search.TypeArticle, search.TypeMicroLesson, search.TypeComic}
	words := []string{"党史学习教育", "志愿服务进社区", "主题党日活动", "乡村振兴", "廉政教育"}
	at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	_, tn, ix, docs := indexedSchool(t, func(school uuid.UUID) []*search.Document {
		docs := make([]*search.Document, n)
		for i := range docs {
			docs[i] = &search.Document{Key: search.Key{Kind: search.KindContent, ID: uuid.New()}, Tenant: school,
				Type: types[i%3], Topics: []string{topics[i/3%4]}, Sites: []uuid.UUID{sites[i/12%2]},
				Title:   fmt.Sprintf("%s：第%d期", words[i%5], i),
				Summary: words[(i/5)%5] + "的做法与成效。", Tags: []string{words[i/25%5]},
				OrgUnitID: uuid.New(), At: at.Add(time.Duration(i) * time.Minute), Version: 1}
		}
		return docs
	})
	return tn.ID, ix, docs
}

// TestCompaction: scattered documents are rewritten in search order when
// due, searches find exactly what they found before, documents in order
// are left as they are, and force rewrites them anyway.
func TestCompaction(t *testing.T) {
	tn, ix, docs := scatteredSchool(t, 1200)
	ctx := context.Background()
	queries := []search.Query{
		{Text: "党史", Filter: search.Filter{Types: []search.Type{search.TypeArticle}, Topics: []string{"理论学习"}}},
		{Text: "志愿", Filter: search.Filter{Topics: []string{"志愿服务"}}},
		{Text: "乡村振兴", Order: search.OrderNewest},
	}
	answers := func() []string {
		var out []string
		for _, q := range queries {
			q.Tenant, q.Site, q.Terms, q.First = tn, docs[0].Sites[0], search.QueryTerms(q.Text), 20
			q.Facets = []search.Facet{search.FacetType, search.FacetTopic, search.FacetTag}
			res, err := ix.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if res.Total == 0 {
				t.Fatalf("%q finds nothing: the test searches for nothing", q.Text)
			}
			var ids []string
			for _, h := range res.Hits {
				ids = append(ids, h.ID.String())
			}
			out = append(out, fmt.Sprint(q.Text, res.Total, res.HasNext, ids, res.Facets))
		}
		return out
	}
	wantAnswers := answers()
	wantFPs, err := ix.Fingerprints(ctx, tn)
	if err != nil {
		t.Fatal(err)
	}

	c, err := ix.Compact(ctx, tn, false)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Compacted || c.Documents != 1200 || c.Spread < 2 || c.After > 1.05 {
		t.Fatalf("compaction of scattered documents: %+v; want compacted, 1200 documents, spread from over 2 to about 1", c)
	}
	if got := answers(); !slices.Equal(got, wantAnswers) {
		t.Errorf("searches after compaction:\n%q\nbefore:\n%q", got, wantAnswers)
	}
	fps, err := ix.Fingerprints(ctx, tn)
	if err != nil {
		t.Fatal(err)
	}
	if len(fps) != len(wantFPs) {
		t.Fatalf("%d documents after compaction, %d before", len(fps), len(wantFPs))
	}
	for k, fp := range wantFPs {
		if fps[k] != fp {
			t.Fatalf("document %v changed in compaction", k)
		}
	}

	again, err := ix.Compact(ctx, tn, false)
	if err != nil || again.Compacted || again.Spread > 1.05 {
		t.Fatalf("compaction of documents in order: %+v, %v; want them left as they are", again, err)
	}
	forced, err := ix.Compact(ctx, tn, true)
	if err != nil || !forced.Compacted || forced.After > 1.05 {
		t.Fatalf("forced compaction: %+v, %v", forced, err)
	}
}

// TestCompactionLosesNoWrite: documents deleted and changed while a
// compaction moves them are deleted and changed, not brought back by the
// move.
func TestCompactionLosesNoWrite(t *testing.T) {
	tn, ix, docs := scatteredSchool(t, 1200)
	ctx := context.Background()
	done := make(chan struct{})
	var mu sync.Mutex
	deleted, changed := map[search.Key]bool{}, map[search.Key]string{}
	var wg sync.WaitGroup
	var writeErr error
	const writers = 8
	for w := range writers {
		wg.Go(func() {
			// Deletes and changes, one document at a time, until the
			// compaction is over and a few more after: several are
			// always under way.
			for i, extra := w, 0; 2*i+1 < len(docs) && extra < 3; i += writers {
				select {
				case <-done:
					extra++
				default:
				}
				del, upd := docs[2*i], *docs[2*i+1]
				upd.Title, upd.Version = upd.Title+"（修订）", 2
				err := ix.Delete(ctx, tn, []search.Key{del.Key})
				if err == nil {
					err = ix.Upsert(ctx, tn, []*search.Document{&upd})
				}
				mu.Lock()
				if err != nil {
					writeErr = err
					mu.Unlock()
					return
				}
				deleted[del.Key], changed[upd.Key] = true, upd.Fingerprint()
				mu.Unlock()
			}
		})
	}
	time.Sleep(20 * time.Millisecond) // writes are under way
	c, err := ix.Compact(ctx, tn, true)
	close(done)
	wg.Wait()
	if err != nil || writeErr != nil {
		t.Fatalf("compact: %v; writes: %v", err, writeErr)
	}
	fps, err := ix.Fingerprints(ctx, tn)
	if err != nil {
		t.Fatal(err)
	}
	if len(deleted) < 10 {
		t.Fatalf("only %d documents deleted around the compaction (%+v): the test proves nothing", len(deleted), c)
	}
	for k := range deleted {
		if _, ok := fps[k]; ok {
			t.Errorf("document %v deleted during the compaction is still indexed", k.ID)
		}
	}
	for k, fp := range changed {
		if fps[k] != fp {
			t.Errorf("document %v changed during the compaction holds %q, want %q", k.ID, fps[k], fp)
		}
	}
	if want := len(docs) - len(deleted); len(fps) != want {
		t.Errorf("%d documents indexed, want %d", len(fps), want)
	}
}
