package account

// Statements queued into one round trip with others live here; their text
// is what sqlc generated from queries.sql, only the scanning is written
// here.

import (
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/account/accountdb"
	"zhdj/internal/auth"
)

// queuePrincipal queues the look-ups of session's principal (the session,
// while it and its account stand, and the account's role bindings) into
// p; found reports, once b has run, whether the session stands.
func queuePrincipal(b *pgx.Batch, tenant, session, account uuid.UUID, p *auth.Principal) (found *bool) {
	found = new(bool)
	b.Queue(accountdb.ActiveSession, tenant, session, account).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&p.SessionID, &p.AccountID, &p.Username, &p.PersonID)
		*found = err == nil
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	b.Queue(accountdb.PrincipalBindings, tenant, account).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var bd auth.Binding
			if err := rows.Scan(&bd.Role, &bd.OrgUnitID, &bd.OrgUnitPath); err != nil {
				return err
			}
			p.Bindings = append(p.Bindings, bd)
		}
		return rows.Err()
	})
	return found
}
