package model

import (
	"github.com/google/uuid"

	"zhdj/internal/volunteer"
)

// ActivityConnection is a page of activities; it keeps the tenant and
// filter so that facets are counted only when asked for.
type ActivityConnection struct {
	Edges    []*ActivityEdge
	PageInfo *PageInfo
	Tenant   uuid.UUID
	Filter   volunteer.Filter
}
