package stack

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// SeedColleges adds, in tx (scoped to the demo school), colleges general
// branches BC01… under its committee, each of branches branches
// (BC01-B01…) of two groups each.
func SeedColleges(ctx context.Context, tx pgx.Tx, colleges, branches int) error {
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO org_units (tenant_id, id, parent_id, kind, name, code, sort_order, path)
		  SELECT d.tenant_id, x.id, d.id, 'general_branch', '基准学院' || c, 'BC' || lpad(c::text, 2, '0'), 100 + c, d.path || text2ltree(replace(x.id::text, '-', ''))
		  FROM org_units d, generate_series(1, $1) c, LATERAL (SELECT gen_random_uuid() AS id WHERE c > 0) x WHERE d.code = 'DW'`, []any{colleges}},
		{`INSERT INTO org_units (tenant_id, id, parent_id, kind, name, code, sort_order, path)
		  SELECT c.tenant_id, x.id, c.id, 'branch', c.name || '第' || b || '支部', c.code || '-B' || lpad(b::text, 2, '0'), b, c.path || text2ltree(replace(x.id::text, '-', ''))
		  FROM org_units c, generate_series(1, $1) b, LATERAL (SELECT gen_random_uuid() AS id WHERE b > 0) x WHERE c.code LIKE 'BC__'`, []any{branches}},
		{`INSERT INTO org_units (tenant_id, id, parent_id, kind, name, code, sort_order, path)
		  SELECT b.tenant_id, x.id, b.id, 'group', b.name || g || '组', b.code || '-G' || g, g, b.path || text2ltree(replace(x.id::text, '-', ''))
		  FROM org_units b, generate_series(1, 2) g, LATERAL (SELECT gen_random_uuid() AS id WHERE g > 0) x WHERE b.code LIKE 'BC__-B__'`, nil},
	} {
		if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
			return fmt.Errorf("seed colleges: %w", err)
		}
	}
	return nil
}
