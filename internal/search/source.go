package search

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/net/html"

	"zhdj/internal/search/searchdb"
)

// The documents are read from the views content and volunteer own
// (content_documents, activity_documents; see store.go): search is a read
// model of them, never written back.

// summaryRunes is how much of an activity's description stands for its summary.
const summaryRunes = 200

// LoadDocuments returns the documents of keys as the database holds them
// now, in tx (scoped to tenant). A key with no document (unpublished,
// deleted, shown on no site) is absent from the map.
func LoadDocuments(ctx context.Context, tx pgx.Tx, tenant uuid.UUID, keys []Key) (map[Key]*Document, error) {
	var contents, activities []uuid.UUID
	for _, k := range keys {
		if k.Kind == KindActivity {
			activities = append(activities, k.ID)
		} else {
			contents = append(contents, k.ID)
		}
	}
	out := make(map[Key]*Document, len(keys))
	b := &pgx.Batch{}
	if len(contents) > 0 {
		b.Queue(contentDocs, tenant, contents).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				d := &Document{Key: Key{Kind: KindContent}, Tenant: tenant}
				var body []byte
				var published *time.Time
				if err := rows.Scan(&d.ID, &d.Type, &d.Title, &d.Summary, &body, &d.Tags, &d.Topics, &d.OrgUnitID, &published, &d.Version, &d.Sites); err != nil {
					return err
				}
				if published != nil {
					d.At = *published
				}
				d.Body = bodyText(body)
				if len(d.Sites) > 0 {
					out[d.Key] = d
				}
			}
			return rows.Err()
		})
	}
	if len(activities) > 0 {
		b.Queue(activityDocs, tenant, activities).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				d := &Document{Key: Key{Kind: KindActivity}, Tenant: tenant, Type: TypeActivity, Tags: []string{}}
				var description, address, partners, areaNames string
				if err := rows.Scan(&d.ID, &d.Title, &description, &address, &d.AreaID, &d.OrgUnitID, &d.At, &d.Version,
					&d.Topics, &partners, &d.Areas, &areaNames, &d.Sites); err != nil {
					return err
				}
				d.Summary = truncateRunes(description, summaryRunes)
				d.Body = strings.Join([]string{description, address, areaNames, partners}, "\n")
				if len(d.Sites) > 0 {
					out[d.Key] = d
				}
			}
			return rows.Err()
		})
	}
	if b.Len() == 0 {
		return out, nil
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("search: load documents: %w", err)
	}
	return out, nil
}

// SearchableKeys returns the keys of every item of tenant that may have a
// document (published content, findable activities).
func SearchableKeys(ctx context.Context, tx pgx.Tx, tenant uuid.UUID) ([]Key, error) {
	rows, err := searchdb.New(tx).SearchableKeys(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("search: searchable keys: %w", err)
	}
	keys := make([]Key, len(rows))
	for i, r := range rows {
		keys[i] = Key{Kind: Kind(r.Kind), ID: r.ID}
	}
	return keys, nil
}

// bodyText is the searchable text of a content body: an article's HTML as
// text, a lesson's transcript, speaker, series and chapter titles, a
// comic's captions and alt texts.
func bodyText(body []byte) string {
	var b struct {
		HTML       string `json:"html"`
		Transcript string `json:"transcript"`
		Speaker    string `json:"speaker"`
		Series     string `json:"series"`
		Chapters   []struct {
			Title string `json:"title"`
		} `json:"chapters"`
		Panels []struct {
			Caption string `json:"caption"`
			Alt     string `json:"alt"`
		} `json:"panels"`
	}
	if json.Unmarshal(body, &b) != nil {
		return ""
	}
	parts := []string{htmlText(b.HTML), b.Transcript, b.Speaker, b.Series}
	for _, c := range b.Chapters {
		parts = append(parts, c.Title)
	}
	for _, p := range b.Panels {
		parts = append(parts, p.Caption, p.Alt)
	}
	return strings.TrimSpace(strings.Join(parts, "\n"))
}

// htmlText returns the text of an HTML fragment, blocks separated by spaces.
func htmlText(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.TrimSpace(b.String())
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			b.WriteByte(' ')
		}
	}
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
