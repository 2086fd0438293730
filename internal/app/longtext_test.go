package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
)

// textTracer counts round trips like countingTracer, and the list reads
// of contents with and without their long texts.
type textTracer struct {
	countingTracer
	withText, withoutText               atomic.Int64
	withDescription, withoutDescription atomic.Int64
}

func (c *textTracer) TraceBatchStart(ctx context.Context, conn *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	for _, q := range d.Batch.QueuedQueries {
		switch {
		case strings.Contains(q.SQL, "c.body - 'html' - 'transcript'"):
			c.withoutText.Add(1)
		case strings.Contains(q.SQL, "c.body,") && (strings.Contains(q.SQL, "FROM content_on_sites c") || strings.Contains(q.SQL, "FROM content_details c")):
			c.withText.Add(1)
		case strings.Contains(q.SQL, "a.title, ''::text, a.cover_id"):
			c.withoutDescription.Add(1)
		case strings.Contains(q.SQL, "a.title, a.description, a.cover_id"):
			c.withDescription.Add(1)
		}
	}
	return c.countingTracer.TraceBatchStart(ctx, conn, d)
}

// reads are what a textTracer counted: round trips, and list reads of
// contents and of activities with and without their long texts.
type reads struct{ roundTrips, withText, withoutText, withDescription, withoutDescription int64 }

func (c *textTracer) counts() reads {
	return reads{c.n.Load(), c.withText.Load(), c.withoutText.Load(), c.withDescription.Load(), c.withoutDescription.Load()}
}

// postCounted posts doc, which must succeed, and returns its data and the
// reads it made.
func postCounted(t *testing.T, b *testBundle, tracer *textTracer, doc string, vars map[string]any) (json.RawMessage, reads) {
	t.Helper()
	before := tracer.counts()
	r := b.post(t, doc, vars)
	if len(r.Errors) != 0 {
		t.Fatalf("%s: %+v", doc, r.Errors)
	}
	after := tracer.counts()
	return r.Data, reads{after.roundTrips - before.roundTrips, after.withText - before.withText, after.withoutText - before.withoutText,
		after.withDescription - before.withDescription, after.withoutDescription - before.withoutDescription}
}

// edgeNodes returns the nodes of the connection at field of data.
func edgeNodes[N any](t *testing.T, data json.RawMessage, field string) []N {
	t.Helper()
	var out []N
	for _, e := range decode[map[string]struct{ Edges []struct{ Node N } }](t, &gqlResponse{Data: data})[field].Edges {
		out = append(out, e.Node)
	}
	return out
}

// TestListsReadLongTextsOnlyWhenAsked: a site's list and search hits leave
// out articles' HTML and micro-lessons' transcripts (most of a real body)
// unless the operation asks for them; asked, they come in the same round
// trips, whatever the page size, each item with its own text.
func TestListsReadLongTextsOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	tracer := &textTracer{}
	b := setupWith(t, nil, tracer)
	ownerExec(t, b,
		`INSERT INTO contents (tenant_id, type, slug, title, org_unit_id, status, published_at, body)
		 SELECT u.tenant_id, 'article', 'a-' || g, '长文 ' || g, u.id, 'published', now() - (2 * g) * interval '1 minute',
		        jsonb_build_object('html', '<p>正文 ' || g || '</p>', 'source', '来源 ' || g)
		 FROM generate_series(1, 120) g, org_units u WHERE u.code = 'XXGC'`,
		`INSERT INTO contents (tenant_id, type, slug, title, org_unit_id, status, published_at, body)
		 SELECT u.tenant_id, 'micro_lesson', 'l-' || g, '微党课 ' || g, u.id, 'published', now() - (2 * g + 1) * interval '1 minute',
		        jsonb_build_object('transcript', '讲稿 ' || g, 'speaker', '讲师 ' || g)
		 FROM generate_series(1, 60) g, org_units u WHERE u.code = 'XXGC'`)

	const fields = `slug ... on Article { source } ... on MicroLesson { speaker }`
	const textFields = `slug ... on Article { body source } ... on MicroLesson { transcript speaker }`
	type node struct {
		Slug, Body, Source, Transcript, Speaker string
	}
	list := func(selection string, n int) ([]node, reads) {
		data, rs := postCounted(t, b, tracer, `query($n: Int) { contents(site: "xxgc", first: $n) { edges { node { `+selection+` } } } }`, map[string]any{"n": n})
		nodes := edgeNodes[node](t, data, "contents")
		if len(nodes) != n {
			t.Fatalf("%d items, want %d", len(nodes), n)
		}
		return nodes, rs
	}
	check := func(nodes []node, withText bool) {
		t.Helper()
		seen := 0
		for _, x := range nodes {
			// An article's body and source, a micro-lesson's transcript
			// and speaker: the long text and a field beside it.
			for _, k := range []struct{ slug, text, other, textFormat, otherFormat string }{
				{"a-%d", x.Body, x.Source, "<p>正文 %d</p>", "来源 %d"},
				{"l-%d", x.Transcript, x.Speaker, "讲稿 %d", "讲师 %d"},
			} {
				var g int
				if _, err := fmt.Sscanf(x.Slug, k.slug, &g); err != nil {
					continue
				}
				seen++
				text := ""
				if withText {
					text = fmt.Sprintf(k.textFormat, g)
				}
				if k.text != text || k.other != fmt.Sprintf(k.otherFormat, g) {
					t.Fatalf("%s: long text %q, beside it %q", x.Slug, k.text, k.other)
				}
			}
		}
		if seen == 0 {
			t.Fatal("none of the test's items was listed")
		}
	}

	list(fields, 5) // warm caches (site routing, prepared statements)
	list(textFields, 5)
	var rs [4]reads
	var nodes []node
	for i, c := range []struct {
		selection string
		n         int
	}{{fields, 20}, {fields, 100}, {textFields, 20}, {textFields, 100}} {
		nodes, rs[i] = list(c.selection, c.n)
		check(nodes, c.selection == textFields)
	}
	if rs[0].withText != 0 || rs[0].withoutText != 1 || rs[1] != rs[0] {
		t.Fatalf("a list that asks for no text: %+v and %+v; want one read without texts", rs[0], rs[1])
	}
	if rs[2].withText != 1 || rs[2].withoutText != 0 || rs[3] != rs[2] || rs[2].roundTrips != rs[0].roundTrips {
		t.Fatalf("a list that asks for texts: %+v and %+v (without: %+v); want one read with texts in as many round trips", rs[2], rs[3], rs[0])
	}

	// Search hits: the same rule.
	b.waitIndexed(t)
	hits := func(selection string) ([]node, reads) {
		data, rs := postCounted(t, b, tracer, `query { search(site: "xxgc", query: "长文", first: 30) { edges { node { ... on Content { `+selection+` } } } } }`, nil)
		return edgeNodes[node](t, data, "search"), rs
	}
	nodes, plain := hits(fields)
	check(nodes, false)
	nodes, texts := hits(textFields)
	check(nodes, true)
	if len(nodes) != 30 || plain.withoutText != 1 || plain.withText != 0 || texts.withText != 1 || texts.withoutText != 0 {
		t.Fatalf("search: %d hits; reads %+v without asking for texts, %+v asking", len(nodes), plain, texts)
	}
}

// TestActivityListsReadDescriptionsOnlyWhenAsked: browsing, search hits and
// a partner's activities leave out descriptions (up to 20,000 characters
// each) unless the operation asks for them; asked, they come in the same
// round trips, each activity with its own.
func TestActivityListsReadDescriptionsOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	tracer := &textTracer{}
	b := setupWith(t, nil, tracer)
	ownerExec(t, b,
		`INSERT INTO partners (tenant_id, name, kind) SELECT id, '社区伙伴', 'community' FROM tenants WHERE code = 'demo'`,
		`INSERT INTO activities (tenant_id, title, description, partner_ids, org_unit_id, starts_at, ends_at, signup_opens_at, signup_closes_at,
			capacity, audience, hours, status, code_secret)
		 SELECT u.tenant_id, '植树活动 ' || g, '说明 ' || g, ARRAY(SELECT id FROM partners WHERE name = '社区伙伴'), u.id,
			now() + g * interval '1 hour', now() + g * interval '1 hour' + interval '2 hours', now() - interval '1 day', now() + interval '1 hour',
			10, 'all_students', 2, 'open', '\x00'
		 FROM generate_series(1, 120) g, org_units u WHERE u.code = 'XXGC'`)

	type node struct{ Title, Description string }
	check := func(what string, nodes []node, want int, withDescription bool) {
		t.Helper()
		if len(nodes) != want {
			t.Fatalf("%s: %d activities, want %d", what, len(nodes), want)
		}
		for _, a := range nodes {
			var g int
			if _, err := fmt.Sscanf(a.Title, "植树活动 %d", &g); err != nil {
				t.Fatalf("%s: unexpected activity %q", what, a.Title)
			}
			description := ""
			if withDescription {
				description = fmt.Sprintf("说明 %d", g)
			}
			if a.Description != description {
				t.Fatalf("%s: %q has description %q", what, a.Title, a.Description)
			}
		}
	}
	run := func(doc string) (json.RawMessage, reads) { return postCounted(t, b, tracer, doc, nil) }
	browse := func(selection string, n int) ([]node, reads) {
		data, rs := postCounted(t, b, tracer, `query($n: Int) { activities(site: "xxgc", first: $n) { edges { node { `+selection+` } } } }`, map[string]any{"n": n})
		return edgeNodes[node](t, data, "activities"), rs
	}
	browse("title", 5) // warm caches (site routing, prepared statements)
	browse("title description", 5)
	var rs [4]reads
	for i, c := range []struct {
		selection string
		n         int
	}{{"title", 20}, {"title", 100}, {"title description", 20}, {"title description", 100}} {
		var nodes []node
		nodes, rs[i] = browse(c.selection, c.n)
		check("browse", nodes, c.n, c.selection != "title")
	}
	if rs[0].withDescription != 0 || rs[0].withoutDescription != 1 || rs[1] != rs[0] {
		t.Fatalf("browsing without descriptions: %+v and %+v; want one read without them", rs[0], rs[1])
	}
	if rs[2].withDescription != 1 || rs[2].withoutDescription != 0 || rs[3] != rs[2] || rs[2].roundTrips != rs[0].roundTrips {
		t.Fatalf("browsing with descriptions: %+v and %+v (without: %+v); want one read with them in as many round trips", rs[2], rs[3], rs[0])
	}

	// A partner's latest activities, and search hits: the same rule.
	for _, withDescription := range []bool{false, true} {
		selection := "title"
		if withDescription {
			selection = "title description"
		}
		data, rs := run(`{ volunteerPartners(site: "xxgc") { name activities(first: 3) { ` + selection + ` } } }`)
		var partner []node
		for _, p := range decode[struct {
			VolunteerPartners []struct {
				Name       string
				Activities []node
			}
		}](t, &gqlResponse{Data: data}).VolunteerPartners {
			if p.Name == "社区伙伴" {
				partner = p.Activities
			}
		}
		check("partner", partner, 3, withDescription)
		if (withDescription && (rs.withDescription != 1 || rs.withoutDescription != 0)) || (!withDescription && (rs.withDescription != 0 || rs.withoutDescription != 1)) {
			t.Fatalf("a partner's activities (descriptions asked: %v): %+v", withDescription, rs)
		}
	}
	b.waitIndexed(t)
	for _, withDescription := range []bool{false, true} {
		selection := "title"
		if withDescription {
			selection = "title description"
		}
		data, rs := run(`{ search(site: "xxgc", query: "植树活动", first: 30) { edges { node { ... on Activity { ` + selection + ` } } } } }`)
		check("search", edgeNodes[node](t, data, "search"), 30, withDescription)
		if (withDescription && (rs.withDescription != 1 || rs.withoutDescription != 0)) || (!withDescription && (rs.withDescription != 0 || rs.withoutDescription != 1)) {
			t.Fatalf("search hits (descriptions asked: %v): %+v", withDescription, rs)
		}
	}
}
