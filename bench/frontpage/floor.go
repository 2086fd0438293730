package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// The floor: the front page answered by hand with net/http and pgx — the
// same SQL and the same round trips as zhdj (one batch for the list, one
// for authors, covers and derivatives, tenant-scoped for row-level
// security), the same presigned cover URLs, no GraphQL.

type floorItem struct {
	Title       string    `json:"title"`
	Slug        string    `json:"slug"`
	PublishedAt time.Time `json:"publishedAt"`
	Tags        []string  `json:"tags"`
	Cover       *struct {
		URL    string `json:"url"`
		Srcset string `json:"srcset"`
	} `json:"cover"`
	Authors []struct {
		DisplayName string `json:"displayName"`
	} `json:"authors"`
}

type route struct{ tenant, site uuid.UUID }

type signed struct {
	url     string
	expires time.Time
}

var urlCache sync.Map

func serveFloor(addr string) error {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("FLOOR_DATABASE_URL"))
	if err != nil {
		return err
	}
	presigner, err := minio.New(os.Getenv("ZHDJ_S3_ENDPOINT"), &minio.Options{
		Creds: credentials.NewStaticV4(os.Getenv("ZHDJ_S3_ACCESS_KEY"), os.Getenv("ZHDJ_S3_SECRET_KEY"), ""), Region: "us-east-1"})
	if err != nil {
		return err
	}
	var routes sync.Map
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	mux.HandleFunc("GET /front", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		slug := r.URL.Query().Get("site")
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if n < 1 || n > 100 {
			n = 20
		}
		rt, ok := routes.Load(slug)
		if !ok {
			var t route
			if err := pool.QueryRow(ctx, `SELECT tenant_id, id FROM sites WHERE slug = $1 AND active`, slug).Scan(&t.tenant, &t.site); err != nil {
				http.Error(w, "no such site", http.StatusNotFound)
				return
			}
			routes.Store(slug, t)
			rt = t
		}
		items, err := front(ctx, pool, presigner, rt.(route), n)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"items": items})
	})
	return http.ListenAndServe(addr, mux)
}

func tenantBatch(ctx context.Context, pool *pgxpool.Pool, tenant uuid.UUID, b *pgx.Batch) error {
	full := &pgx.Batch{}
	full.Queue("SELECT set_config('app.tenant_id', $1, true)", tenant.String())
	full.QueuedQueries = append(full.QueuedQueries, b.QueuedQueries...)
	return pool.SendBatch(ctx, full).Close()
}

func front(ctx context.Context, pool *pgxpool.Pool, presigner *minio.Client, rt route, n int) ([]floorItem, error) {
	type row struct {
		id    uuid.UUID
		cover *uuid.UUID
		item  floorItem
	}
	var rows []row
	b := &pgx.Batch{}
	b.Queue(`WITH st AS (SELECT s.id, s.org_unit_id, u.path FROM sites s JOIN org_units u ON u.tenant_id = s.tenant_id AND u.id = s.org_unit_id
	                    WHERE s.tenant_id = $1 AND s.id = $2)
SELECT c.id, c.cover_id, c.title, c.slug, c.published_at, c.tags
FROM contents c JOIN org_units cu ON cu.tenant_id = c.tenant_id AND cu.id = c.org_unit_id, st
WHERE c.tenant_id = $1 AND c.status = 'published'
  AND (c.org_unit_id = st.org_unit_id OR (c.publish_to_subtree AND cu.path @> st.path))
  AND NOT EXISTS (SELECT 1 FROM site_hidden h WHERE h.tenant_id = c.tenant_id AND h.site_id = st.id AND h.content_id = c.id)
ORDER BY c.published_at DESC, c.id DESC
LIMIT $3`, rt.tenant, rt.site, n+1).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.id, &r.cover, &r.item.Title, &r.item.Slug, &r.item.PublishedAt, &r.item.Tags); err != nil {
				return err
			}
			rows = append(rows, r)
		}
		return rs.Err()
	})
	if err := tenantBatch(ctx, pool, rt.tenant, b); err != nil {
		return nil, err
	}
	if len(rows) > n {
		rows = rows[:n]
	}
	ids := make([]uuid.UUID, len(rows))
	var covers []uuid.UUID
	for i, r := range rows {
		ids[i] = r.id
		if r.cover != nil {
			covers = append(covers, *r.cover)
		}
	}
	authors := map[uuid.UUID][]string{}
	type cover struct {
		key   string
		width int
		ders  []string
		dw    []int
	}
	cov := map[uuid.UUID]*cover{}
	b = &pgx.Batch{}
	b.Queue(`SELECT ca.content_id, a.display_name FROM content_authors ca
		JOIN accounts a ON a.tenant_id = ca.tenant_id AND a.id = ca.account_id
		WHERE ca.tenant_id = app_tenant() AND ca.content_id = ANY($1::uuid[]) ORDER BY ca.content_id, ca.position`, ids).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			var id uuid.UUID
			var name string
			if err := rs.Scan(&id, &name); err != nil {
				return err
			}
			authors[id] = append(authors[id], name)
		}
		return rs.Err()
	})
	b.Queue(`SELECT id, object_key, coalesce(width, 0) FROM media WHERE tenant_id = app_tenant() AND id = ANY($1::uuid[])
		AND status = 'ready' AND visibility = 'public'`, covers).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			var id uuid.UUID
			c := &cover{}
			if err := rs.Scan(&id, &c.key, &c.width); err != nil {
				return err
			}
			cov[id] = c
		}
		return rs.Err()
	})
	type der struct {
		media uuid.UUID
		width int
		key   string
	}
	var ders []der
	b.Queue(`SELECT media_id, width, object_key FROM media_derivatives
		WHERE tenant_id = app_tenant() AND media_id = ANY($1::uuid[]) ORDER BY media_id, width`, covers).Query(func(rs pgx.Rows) error {
		for rs.Next() {
			var d der
			if err := rs.Scan(&d.media, &d.width, &d.key); err != nil {
				return err
			}
			ders = append(ders, d)
		}
		return rs.Err()
	})
	if err := tenantBatch(ctx, pool, rt.tenant, b); err != nil {
		return nil, err
	}
	for _, d := range ders {
		if c := cov[d.media]; c != nil {
			c.ders, c.dw = append(c.ders, d.key), append(c.dw, d.width)
		}
	}
	presign := func(key string) (string, error) {
		// The same reuse of presigned URLs as zhdj (while more than half
		// of their ten minutes remain).
		if c, ok := urlCache.Load(key); ok && time.Until(c.(signed).expires) > 5*time.Minute {
			return c.(signed).url, nil
		}
		u, err := presigner.PresignedGetObject(ctx, "zhdj-media", key, 10*time.Minute, url.Values{})
		if err != nil {
			return "", err
		}
		urlCache.Store(key, signed{u.String(), time.Now().Add(10 * time.Minute)})
		return u.String(), nil
	}
	out := make([]floorItem, len(rows))
	for i, r := range rows {
		it := r.item
		for _, a := range authors[r.id] {
			it.Authors = append(it.Authors, struct {
				DisplayName string `json:"displayName"`
			}{a})
		}
		if r.cover != nil {
			if c := cov[*r.cover]; c != nil {
				u, err := presign(c.key)
				if err != nil {
					return nil, err
				}
				var parts []string
				for j, k := range c.ders {
					du, err := presign(k)
					if err != nil {
						return nil, err
					}
					parts = append(parts, fmt.Sprintf("%s %dw", du, c.dw[j]))
				}
				parts = append(parts, fmt.Sprintf("%s %dw", u, c.width))
				it.Cover = &struct {
					URL    string `json:"url"`
					Srcset string `json:"srcset"`
				}{u, strings.Join(parts, ", ")}
			}
		}
		out[i] = it
	}
	return out, nil
}
