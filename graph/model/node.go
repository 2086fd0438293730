package model

// Node is any object with a global ID. Domain types (tenant.Tenant,
// org.Unit, site.Site …) are bound to GraphQL objects directly and carry no
// GraphQL methods, so the interface is deliberately empty; the executor
// dispatches on the concrete type.
type Node any

// SearchResult is what a search finds: an Article, MicroLesson or Comic
// (value types) or a *volunteer.Activity; like Node it is dispatched on
// the concrete type.
type SearchResult any
