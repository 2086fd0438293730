package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// runHealth asks a running server whether it is ready (its /readyz): the
// container image has no curl, so healthchecks run the binary itself.
func runHealth(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlags("health", "Exit 0 when the server at --url answers /readyz with 200 (for container healthchecks).")
	base := fs.String("url", "http://127.0.0.1:8080", "the server's base URL")
	path := fs.String("path", "/readyz", "the endpoint to ask (/healthz: alive, /readyz: ready for requests)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *base+*path, nil)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s answered %s: %s", *path, res.Status, body)
	}
	fmt.Fprintf(stdout, "%s\n", body)
	return nil
}
