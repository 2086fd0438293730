// Package internal holds zhdj's domain and infrastructure packages. This
// file only carries the code generator for their typed SQL.
package internal

//go:generate go run github.com/sqlc-dev/sqlc/cmd/sqlc@v1.31.1 generate -f sqlc.yaml
