// Package graph is the GraphQL edge of zhdj: gqlgen's generated executor
// plus resolvers that only translate between GraphQL and the domain
// services in internal/. Regenerate with `go generate ./...`.
package graph

//go:generate sh -c "cd .. && go tool gqlgen generate"
