package rekey

import (
	"fmt"

	"github.com/jackc/pgx/v5"

	"zhdj/internal/pii"
)

// schools lists every school.
const schools = `SELECT id FROM tenant_profiles ORDER BY id`

// The statements over a column. Table and column names come from the
// domains' SealedColumns (constants in code), never from input; quoted
// all the same.

func countSQL(c pii.Column) string {
	col := pgx.Identifier{c.Column}.Sanitize()
	return fmt.Sprintf(`SELECT get_byte(%[1]s, 0), count(*) FROM %[2]s WHERE tenant_id = $1 AND %[1]s IS NOT NULL GROUP BY 1`,
		col, pgx.Identifier{c.Table}.Sanitize())
}

func staleSQL(c pii.Column) string {
	col := pgx.Identifier{c.Column}.Sanitize()
	return fmt.Sprintf(`SELECT id, %[1]s FROM %[2]s WHERE tenant_id = $1 AND %[1]s IS NOT NULL AND get_byte(%[1]s, 0) <> $2
		ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED`, col, pgx.Identifier{c.Table}.Sanitize())
}

func updateSQL(c pii.Column) string {
	return fmt.Sprintf(`UPDATE %s SET %s = $3 WHERE tenant_id = $1 AND id = $2`,
		pgx.Identifier{c.Table}.Sanitize(), pgx.Identifier{c.Column}.Sanitize())
}
