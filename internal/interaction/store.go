package interaction

// The lists of suggestions, whose filters and orders combine, are built
// here, and the statements of posting a comment, queued into its two round
// trips (the one place of hand-built SQL in this package); each list is a
// keyset-paged scan of one of the indexes of migrations 00035 and 00037.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// maxUnitWalks is the largest subtree whose list walks each unit's index
// and merges them; a larger one (a good share of the school) walks the
// school's index and keeps the subtree's rows.
const maxUnitWalks = 64

// listQuery is a list of suggestions under a unit, as a reader sees it.
type listQuery struct {
	tenant uuid.UUID
	path   string      // the unit's subtree
	units  []uuid.UUID // its units, when few enough to walk each
	order  Order
	// Who reads: their account (uuid.Nil: anonymous), and the subtrees
	// whose suggestions they answer or moderate (all: everywhere).
	reader    uuid.UUID
	insideOf  []string
	insideAll bool
	status    []Status
	category  string
	mine      bool
	after     *ListCursor
	limit     int
}

// ListCursor is a position in a list: the order's key, then the id.
type ListCursor struct {
	Hot       float64
	Votes     int
	CreatedAt time.Time
	Pinned    int
	ID        uuid.UUID
}

// orderKeys are each order's columns (descending, then the id).
var orderKeys = map[Order]struct{ column, cursor string }{
	Newest:     {"s.created_at", "$%d::timestamptz"},
	Hot:        {"s.hot", "$%d::double precision"},
	MostVoted:  {"s.votes", "$%d::int"},
	PinnedOnly: {"s.pinned", "$%d::int"},
}

// sql builds the statement and its arguments.
func (l listQuery) sql() (string, []any) {
	args := []any{l.tenant, l.path}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	var where []string
	where = append(where, "s.tenant_id = $1", "u.path <@ $2::ltree")
	// What the reader may see (readable, in SQL).
	see := []string{"(s.public AND s.moderation = 'visible')"}
	if l.reader != uuid.Nil {
		see = append(see, "s.author_id = "+arg(l.reader))
	}
	switch {
	case l.insideAll:
		see = append(see, "true")
	case len(l.insideOf) > 0:
		see = append(see, "u.path <@ ANY("+arg(l.insideOf)+"::ltree[])")
	}
	where = append(where, "("+strings.Join(see, " OR ")+")")
	if len(l.status) > 0 {
		where = append(where, "s.status = ANY("+arg(strs(l.status))+"::text[])")
	}
	if l.category != "" {
		where = append(where, "s.category = "+arg(l.category))
	}
	if l.mine {
		where = append(where, "s.author_id = "+arg(l.reader))
	}
	key := orderKeys[l.order]
	dir := "DESC"
	if l.order == PinnedOnly {
		where = append(where, "s.pinned IS NOT NULL")
		dir = "ASC"
	}
	if l.after != nil {
		var k any
		switch l.order {
		case Newest:
			k = l.after.CreatedAt
		case Hot:
			k = l.after.Hot
		case MostVoted:
			k = l.after.Votes
		case PinnedOnly:
			k = l.after.Pinned
		}
		cmp := "<"
		if dir == "ASC" {
			cmp = ">"
		}
		where = append(where, fmt.Sprintf("(%s, s.id) %s (%s, %s::uuid)", key.column, cmp, fmt.Sprintf(key.cursor, len(args)+1), "$"+strconv.Itoa(len(args)+2)))
		args = append(args, k, l.after.ID)
	}
	const columns = `s.id, s.org_unit_id, s.category, s.title, s.body, s.author_id, s.author_name, s.anonymous, s.public, s.status, s.reject_reason,
       s.moderation, s.matched_words, s.due_at, s.votes, s.pinned, s.created_at, s.answered_at, u.path::text, s.hot`
	orderBy := "ORDER BY " + key.column + " " + dir + ", s.id " + dir
	limit := arg(l.limit)
	if l.units != nil {
		// Each unit's first rows by its own index, merged. (u is the outer
		// unit: the subtree and insiders' conditions read it.)
		q := `SELECT ` + columns + `
FROM unnest(` + arg(l.units) + `::uuid[]) AS unit(id) JOIN org_units u ON u.tenant_id = $1 AND u.id = unit.id
CROSS JOIN LATERAL (SELECT * FROM suggestions s WHERE s.org_unit_id = u.id AND ` + strings.Join(where, " AND ") + `
  ` + orderBy + ` LIMIT ` + limit + `) s
` + orderBy + `
LIMIT ` + limit
		return q, args
	}
	q := `SELECT ` + columns + `
FROM suggestions s JOIN org_units u ON u.tenant_id = s.tenant_id AND u.id = s.org_unit_id
WHERE ` + strings.Join(where, " AND ") + `
` + orderBy + `
LIMIT ` + limit
	return q, args
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// listRow is a suggestion of a list with its hot score (for the cursor).
type listRow struct {
	s   *Suggestion
	hot float64
}

// runList reads a list in tx.
func runList(ctx context.Context, tx pgx.Tx, l listQuery) ([]listRow, error) {
	q, args := l.sql()
	if l.units != nil {
		// Walking each unit is the plan whatever the units: planning it
		// afresh each time cost more than running it.
		if _, err := tx.Exec(ctx, `SET LOCAL plan_cache_mode = force_generic_plan`); err != nil {
			return nil, fmt.Errorf("interaction: list: %w", err)
		}
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("interaction: list: %w", err)
	}
	defer rows.Close()
	var out []listRow
	for rows.Next() {
		sg := &Suggestion{TenantID: l.tenant}
		var status, mod string
		var votes int32
		var pinned *int32
		var hot float64
		if err := rows.Scan(&sg.ID, &sg.OrgUnitID, &sg.Category, &sg.Title, &sg.Body, &sg.AuthorID, &sg.AuthorName, &sg.Anonymous, &sg.Public,
			&status, &sg.RejectReason, &mod, &sg.MatchedWords, &sg.DueAt, &votes, &pinned, &sg.CreatedAt, &sg.AnsweredAt, &sg.path, &hot); err != nil {
			return nil, fmt.Errorf("interaction: list: %w", err)
		}
		sg.Status, sg.Moderation, sg.Votes = Status(status), Moderation(mod), int(votes)
		if pinned != nil {
			n := int(*pinned)
			sg.Pinned = &n
		}
		out = append(out, listRow{s: sg, hot: hot})
	}
	return out, rows.Err()
}

// commentContext is what posting a comment on an item on a site needs:
// whether the item shows there, how comments on it are moderated (the
// item's own mode, else the site's, else post-moderation) and the author's
// name.
const commentContext = `SELECT EXISTS (SELECT 1 FROM content_on_sites v WHERE v.tenant_id = $1 AND v.site_id = $2 AND v.id = $3 AND v.status = 'published'),
       coalesce((SELECT i.mode FROM comment_policies i WHERE i.tenant_id = $1 AND i.content_id = $3),
                (SELECT s.mode FROM comment_policies s WHERE s.tenant_id = $1 AND s.site_id = $2), 'post'),
       coalesce((SELECT a.display_name FROM accounts a WHERE a.tenant_id = $1 AND a.id = $4), '')`

// postingContext is what commentContext read.
type postingContext struct {
	onSite     bool
	mode       Mode
	authorName string
}

func queueCommentContext(b *pgx.Batch, in CommentInput, author uuid.UUID) *postingContext {
	c := &postingContext{}
	b.Queue(commentContext, in.TenantID, in.SiteID, in.ContentID, author).QueryRow(func(r pgx.Row) error {
		return r.Scan(&c.onSite, &c.mode, &c.authorName)
	})
	return c
}

const insertComment = `INSERT INTO comments (tenant_id, content_id, site_id, author_id, author_name, body, status, matched_words)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[])
RETURNING id, created_at`

func queueInsertComment(b *pgx.Batch, c *Comment, matched []string) {
	b.Queue(insertComment, c.TenantID, c.ContentID, c.SiteID, c.AuthorID, c.AuthorName, c.Body, string(c.Status), matched).QueryRow(func(r pgx.Row) error {
		return r.Scan(&c.ID, &c.CreatedAt)
	})
}
