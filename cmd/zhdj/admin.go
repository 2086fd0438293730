package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"zhdj/internal/account"
	"zhdj/internal/app"
	"zhdj/internal/auth"
	"zhdj/internal/org"
	"zhdj/internal/tenant"
)

// openApp starts the application without serving, for operator commands.
func openApp(ctx context.Context) (*app.App, error) {
	cfg, err := loadConfig()
	if err != nil {
		return nil, err
	}
	cfg.AutoMigrate = false
	cfg.NoBackground = true
	return app.New(ctx, cfg, app.NewLogger(cfg))
}

func runTenant(ctx context.Context, args []string, stdout io.Writer) error {
	if ok, err := oneAction(args, "tenant", "create", "zhdj tenant create --code CODE --name NAME [--committee-name NAME] [--committee-code CODE]"); !ok {
		return err
	}
	fs := newFlags("tenant create", "Create a school (tenant) and the party committee at the root of its org tree.")
	code := fs.String("code", "", "short URL-safe code of the school, e.g. hzvtc (required)")
	name := fs.String("name", "", "the school's name, e.g. 杭州职业技术学院 (required)")
	committee := fs.String("committee-name", "", "name of the party committee (default: NAME党委)")
	committeeCode := fs.String("committee-code", "DW", "code of the party committee unit")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *committee == "" {
		*committee = strings.TrimSpace(*name) + "党委"
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	t, err := a.Tenants.Create(ctx, tenant.CreateInput{Code: *code, Name: *name})
	if err != nil {
		return err
	}
	sys := auth.WithPrincipal(ctx, auth.SystemPrincipal(t.ID))
	root, err := a.Org.CreateUnit(sys, org.CreateUnitInput{Kind: org.KindCommittee, Name: *committee, Code: *committeeCode})
	if err != nil {
		return fmt.Errorf("tenant created, but its party committee was not: %w", err)
	}
	fmt.Fprintf(stdout, "school %s (%s) created with its party committee %s (%s)\n", t.Code, t.Name, root.Name, root.Code)
	return nil
}

func runUser(ctx context.Context, args []string, stdout io.Writer) error {
	if ok, err := oneAction(args, "user", "create", "zhdj user create --school CODE --username NAME --display-name NAME [--role ROLE --org-unit CODE] [--phone P] [--email E]"); !ok {
		return err
	}
	fs := newFlags("user create", `Create an account in a school, optionally with a role bound to an org unit.
The password is read from the ZHDJ_USER_PASSWORD environment variable or,
when that is unset, from the first line of standard input — never from a flag.`)
	school := fs.String("school", "", "the school's code (required)")
	username := fs.String("username", "", "sign-in name (required)")
	display := fs.String("display-name", "", "the person's name as shown (required)")
	role := fs.String("role", "", "tenant_admin, org_admin, editor, reviewer or member")
	unit := fs.String("org-unit", "", "code of the org unit the role is bound to (required with --role)")
	phone := fs.String("phone", "", "mainland mobile number, also usable to sign in")
	email := fs.String("email", "", "e-mail address, also usable to sign in")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if (*role == "") != (*unit == "") {
		return errors.New("user: --role and --org-unit go together")
	}
	password := os.Getenv("ZHDJ_USER_PASSWORD")
	if password == "" {
		fmt.Fprint(os.Stderr, "Password: ")
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("user: read password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
		fmt.Fprintln(os.Stderr)
	}
	if password == "" {
		return errors.New("user: no password given (set ZHDJ_USER_PASSWORD or pipe it on standard input)")
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	t, err := a.Tenants.ByCode(ctx, *school)
	if err != nil {
		return fmt.Errorf("user: school %q: %w", *school, err)
	}
	sys := auth.WithPrincipal(ctx, auth.SystemPrincipal(t.ID))
	acc, err := a.Accounts.Create(sys, account.CreateInput{Username: *username, DisplayName: *display, Password: password, Phone: *phone, Email: *email})
	if err != nil {
		return err
	}
	if *role != "" {
		u, err := a.Org.UnitByCode(ctx, t.ID, *unit)
		if err != nil {
			return fmt.Errorf("user: account %s created, but org unit %q: %w", acc.Username, *unit, err)
		}
		if err := a.Accounts.GrantRole(sys, acc.ID, auth.Role(*role), u.ID); err != nil {
			return fmt.Errorf("user: account %s created, but the role was not granted: %w", acc.Username, err)
		}
	}
	fmt.Fprintf(stdout, "account %s created in %s", acc.Username, t.Code)
	if *role != "" {
		fmt.Fprintf(stdout, " with role %s at %s", *role, *unit)
	}
	fmt.Fprintln(stdout)
	return nil
}

func runMedia(ctx context.Context, args []string, stdout io.Writer) error {
	if ok, err := oneAction(args, "media", "sweep", "zhdj media sweep"); !ok {
		return err
	}
	fs := newFlags("media sweep", `Reconcile media storage with the database: abort uploads unfinished for
longer than ZHDJ_MEDIA_ABANDON_AFTER, delete stored objects no row refers to
(older than ZHDJ_MEDIA_ORPHAN_GRACE) and remove rows whose object is gone.
Prints what it did. The server also runs this every hour.`)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := a.Media.Sweep(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, rep.String())
	return nil
}
