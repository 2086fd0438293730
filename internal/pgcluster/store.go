package pgcluster

// The statements that provision a cluster for zhdj (its roles and
// databases), run as the cluster's superuser.

import (
	"context"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"

	"zhdj/internal/postgres"
)

// The roles zhdj uses on a cluster: the owner runs migrations and owns the
// schema; the server logs in as a member of the NOLOGIN group role that the
// migrations grant to, and owns nothing, so row-level security binds it.
const (
	OwnerRole    = "zhdj_owner"
	ServerRole   = "zhdj_server"
	AppGroupRole = "zhdj_app"
)

// ProvisionRoles creates the owner, group and server roles on the server at
// adminURL (a superuser), or resets their passwords when they exist.
func ProvisionRoles(ctx context.Context, adminURL, ownerPassword, serverPassword string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("pgcluster: connect as superuser: %w", err)
	}
	defer conn.Close(ctx)
	stmts := []struct{ create, alter string }{
		{"CREATE ROLE " + AppGroupRole + " NOLOGIN", ""},
		{"CREATE ROLE " + OwnerRole + " LOGIN", "ALTER ROLE " + OwnerRole + " LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD " + quote(ownerPassword)},
		{"CREATE ROLE " + ServerRole + " LOGIN IN ROLE " + AppGroupRole, "ALTER ROLE " + ServerRole + " LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD " + quote(serverPassword)},
	}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s.create); err != nil && !isDuplicate(err) {
			return fmt.Errorf("pgcluster: %s: %w", s.create, err)
		}
		if s.alter != "" {
			if _, err := conn.Exec(ctx, s.alter); err != nil {
				return fmt.Errorf("pgcluster: alter role: %w", err)
			}
		}
	}
	if _, err := conn.Exec(ctx, "GRANT "+AppGroupRole+" TO "+ServerRole); err != nil {
		return fmt.Errorf("pgcluster: grant group role: %w", err)
	}
	return nil
}

// CreateDatabase creates database name, owned by the owner role and cloned
// from template ("" for the default), unless it exists.
func CreateDatabase(ctx context.Context, adminURL, name, template string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("pgcluster: connect as superuser: %w", err)
	}
	defer conn.Close(ctx)
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " OWNER " + OwnerRole
	if template != "" {
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if _, err := conn.Exec(ctx, sql); err != nil && !isDuplicate(err) {
		return fmt.Errorf("pgcluster: create database %s: %w", name, err)
	}
	return nil
}

// RoleURL returns adminURL with its user, password and database replaced.
func RoleURL(adminURL, user, password, database string) string {
	u, err := url.Parse(adminURL)
	if err != nil {
		return adminURL
	}
	u.User = url.UserPassword(user, password)
	u.Path = "/" + database
	return u.String()
}

func quote(s string) string {
	return "'" + escape(s) + "'"
}

func escape(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(out)
}

func isDuplicate(err error) bool { return postgres.IsDuplicateObject(err) }
