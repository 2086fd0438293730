package backup

// The statements backup and restore run (as a role past row-level
// security).

// exportSnapshot exports the transaction's snapshot for pg_dump --snapshot.
const exportSnapshot = `SELECT pg_export_snapshot()`

// migrationVersion is the newest migration applied.
const migrationVersion = `SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`

// listTables names every table of the database's own schemas, quoted.
const listTables = `SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
	WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg\_%' ORDER BY 1`

// countTables counts the tables of the database's own schemas (a restore
// needs none).
const countTables = `SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`

// countRowsOf counts the rows of table, a name listTables quoted.
func countRowsOf(table string) string { return "SELECT count(*) FROM " + table }
