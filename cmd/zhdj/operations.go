package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"zhdj/internal/console"
	"zhdj/internal/operation"
)

func runOperations(ctx context.Context, args []string, stdout io.Writer) error {
	const usage = "zhdj operations push --site SLUG [--front-end] [FILE…] | list --site SLUG"
	if len(args) == 0 || (args[0] != "push" && args[0] != "list") {
		fmt.Fprintln(os.Stderr, "Usage: "+usage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errors.New("operations: want the action push or list")
	}
	action := args[0]
	help := map[string]string{
		"push": `Register a site's GraphQL operations ahead of time (a front end's build or
deploy step). Each FILE is a .graphql document (named by its file name) or
a persisted-query manifest (.json: {"operations": [{"id", "name", "body"}]},
as Apollo's and graphql-codegen's tools write); --front-end adds the demo
college front end's, built into the binary (the console's own operations
are always allowed). The documents are kept by
their SHA-256, which clients send instead of the text; with
ZHDJ_OPERATIONS=registered only registered operations run (from a site's
origins, that site's), picked up by every server within 10 seconds.`,
		"list": `List a site's registered operations: hash, size and name.`,
	}[action]
	fs := newFlags("operations "+action, help)
	slug := fs.String("site", "", "the site's slug (required)")
	frontEnd := fs.Bool("front-end", false, "push: also the operations of the demo college front end built into this binary")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *slug == "" {
		return errors.New("operations: --site is required")
	}
	docs := map[string]string{}
	if action == "push" {
		if fs.NArg() == 0 && !*frontEnd {
			return errors.New("operations push: name the .graphql or .json files to register, or give --front-end")
		}
		if *frontEnd {
			built, err := console.Operations("site")
			if err != nil {
				return err
			}
			if len(built) == 0 {
				return errors.New("operations push: this binary was built without the front end (make web)")
			}
			maps.Copy(docs, built)
		}
		for _, f := range fs.Args() {
			if err := readOperations(f, docs); err != nil {
				return err
			}
		}
	}
	a, err := openApp(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	route, err := a.Sites.RouteBySlug(ctx, *slug)
	if err != nil {
		return err
	}
	if action == "push" {
		regs, err := a.Operations.Register(ctx, route.TenantID, route.SiteID, docs)
		if err != nil {
			return err
		}
		sort.Slice(regs, func(i, j int) bool { return regs[i].Name < regs[j].Name })
		for _, r := range regs {
			fmt.Fprintf(stdout, "%s  %7d B  %s\n", r.Hash, r.Bytes, r.Name)
		}
		fmt.Fprintf(stdout, "%d operations registered for %s\n", len(regs), *slug)
		return nil
	}
	regs, err := a.Operations.List(ctx, route.TenantID, route.SiteID)
	if err != nil {
		return err
	}
	for _, r := range regs {
		fmt.Fprintf(stdout, "%s  %7d B  %s  (%s)\n", r.Hash, r.Bytes, r.Name, r.RegisteredAt.UTC().Format("2006-01-02 15:04"))
	}
	fmt.Fprintf(stdout, "%d operations registered for %s\n", len(regs), *slug)
	return nil
}

// readOperations adds the documents of a .graphql file or a manifest.
func readOperations(path string, docs map[string]string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !strings.EqualFold(filepath.Ext(path), ".json") {
		docs[strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))] = string(b)
		return nil
	}
	var m struct {
		Operations []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
			Body string `json:"body"`
		} `json:"operations"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%s: not a persisted-query manifest: %w", path, err)
	}
	if len(m.Operations) == 0 {
		return fmt.Errorf("%s: a manifest with no operations", path)
	}
	for i, op := range m.Operations {
		if op.ID != "" && op.ID != operation.Hash(op.Body) {
			return fmt.Errorf("%s: operation %d (%s): its id is not the SHA-256 of its body", path, i, op.Name)
		}
		name := op.Name
		if name == "" {
			name = operation.Hash(op.Body)[:12]
		}
		docs[name] = op.Body
	}
	return nil
}
