// Package migrations embeds the SQL migrations (goose format: one file per
// version holding its Up and Down sections). sqlc reads the same files as
// its schema.
package migrations

import "embed"

// FS holds every *.sql migration, applied in file-name order.
//
//go:embed *.sql
var FS embed.FS
