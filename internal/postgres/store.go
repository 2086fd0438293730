package postgres

import "strings"

// The statements this package runs itself.

// setTenant scopes the rest of the transaction to a school: row-level
// security reads app.tenant_id (app_tenant() in migration 00001).
const setTenant = "SELECT set_config('app.tenant_id', $1, true)"

// setTenantGenericPlans is setTenant with the transaction's prepared
// statements held to their generic plans (see TenantBatchOverArrays).
const setTenantGenericPlans = "SELECT set_config('app.tenant_id', $1, true), set_config('plan_cache_mode', 'force_generic_plan', true)"

// serverRoleFacts are the facts CheckServerRole judges the server's role
// by: its name, whether it is a superuser or may bypass row-level
// security, and how many tenant tables it owns (or is a member of an
// owner of).
const serverRoleFacts = `
		SELECT r.rolname, r.rolsuper, r.rolbypassrls,
		       (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		         WHERE n.nspname = 'public' AND c.relkind = 'r' AND pg_has_role(current_user, c.relowner, 'USAGE')
		           AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'))
		FROM pg_roles r WHERE r.rolname = current_user`

// primaryPosition is the primary's WAL position, replicaPosition whether
// a server is in recovery and the WAL position it replayed (Replicas).
const (
	primaryPosition = `SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::int8`
	replicaPosition = `SELECT pg_is_in_recovery(), COALESCE((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::int8, 0)`
)

// SelectList is the select list of columns of alias, with the expression
// instead[c] in place of column c (an empty text for a long one a list does
// not read, say), so that the list always has the same columns in the same
// order to scan.
func SelectList(alias string, columns []string, instead map[string]string) string {
	out := make([]string, len(columns))
	for i, c := range columns {
		if e, ok := instead[c]; ok {
			out[i] = e
		} else {
			out[i] = alias + "." + c
		}
	}
	return strings.Join(out, ", ")
}
