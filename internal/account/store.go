package account

// Statements queued into one round trip with others live here; their text
// is what sqlc generated from queries.sql, only the scanning is written
// here.

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/account/accountdb"
	"zhdj/internal/auth"
)

// queuePrincipals queues the look-ups of the principals behind sessions
// (each session, while it and its account stand, and the accounts' role
// bindings): the sessions that stand land in found by id, the bindings in
// bindings by account.
func queuePrincipals(b *pgx.Batch, tenant uuid.UUID, sessions, accounts []uuid.UUID, found map[uuid.UUID]*auth.Principal,
	bindings map[uuid.UUID][]auth.Binding) {
	b.Queue(accountdb.ActiveSessions, tenant, sessions).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			p := &auth.Principal{TenantID: tenant}
			if err := rows.Scan(&p.SessionID, &p.AccountID, &p.Username, &p.PersonID); err != nil {
				return err
			}
			found[p.SessionID] = p
		}
		return rows.Err()
	})
	b.Queue(accountdb.PrincipalBindings, tenant, accounts).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var account uuid.UUID
			var bd auth.Binding
			if err := rows.Scan(&account, &bd.Role, &bd.OrgUnitID, &bd.OrgUnitPath); err != nil {
				return err
			}
			bindings[account] = append(bindings[account], bd)
		}
		return rows.Err()
	})
}
