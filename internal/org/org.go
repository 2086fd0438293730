// Package org manages each school's party organisation tree: the party
// committee at the root, the general branches of the secondary colleges,
// branches and party groups.
//
// The tree is stored as a materialised path (ltree of unit ids), so that
// ancestors and whole subtrees are single indexed look-ups and moving a
// subtree is one UPDATE. Structural changes of one tenant's tree are
// serialised by a transaction-scoped advisory lock, so concurrent moves
// cannot build a cycle.
package org

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
)

// Kind is the type of an org unit.
type Kind string

const (
	KindCommittee     Kind = "committee"      // 党委: the root of a school's tree
	KindGeneralBranch Kind = "general_branch" // 党总支: usually one per secondary college
	KindBranch        Kind = "branch"         // 党支部
	KindGroup         Kind = "group"          // 党小组
)

// Kinds lists every kind from the top of the tree down.
var Kinds = []Kind{KindCommittee, KindGeneralBranch, KindBranch, KindGroup}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case KindCommittee, KindGeneralBranch, KindBranch, KindGroup:
		return true
	}
	return false
}

// allowedParents says under which kinds a unit of each kind may sit. A
// branch may report to a general branch or straight to the committee (as
// directly-affiliated branches of a school's departments do).
var allowedParents = map[Kind][]Kind{
	KindGeneralBranch: {KindCommittee},
	KindBranch:        {KindCommittee, KindGeneralBranch},
	KindGroup:         {KindBranch},
}

// CanSitUnder reports whether a unit of kind child may have a parent of kind parent.
func CanSitUnder(child, parent Kind) bool {
	for _, k := range allowedParents[child] {
		if k == parent {
			return true
		}
	}
	return false
}

// Unit is one node of the org tree.
type Unit struct {
	TenantID  uuid.UUID
	ID        uuid.UUID
	ParentID  *uuid.UUID // nil for the committee at the root
	Kind      Kind
	Name      string
	Code      string // unique within the school, e.g. "JSJ-ZB1"
	SortOrder int
	Active    bool
	Path      string // ltree of ids, root first
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Depth is the unit's distance from the root (the root is 0).
func (u *Unit) Depth() int { return strings.Count(u.Path, ".") }

// label returns the ltree label for an id.
func label(id uuid.UUID) string { return strings.ReplaceAll(id.String(), "-", "") }

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// CreateUnitInput describes a new unit. ParentID is nil only for the root
// committee of a school that has no tree yet.
type CreateUnitInput struct {
	ParentID  *uuid.UUID
	Kind      Kind
	Name      string
	Code      string
	SortOrder int
}

// UpdateUnitInput changes the fields that are set; nil leaves a field as is.
type UpdateUnitInput struct {
	Name      *string
	Code      *string
	SortOrder *int
	Active    *bool
}

func validateName(v *apperr.Validation, field, name string) {
	if n := utf8.RuneCountInString(name); n < 1 || n > 200 {
		v.Add(field, "must be 1–200 characters")
	}
}

func validateCode(v *apperr.Validation, field, code string) {
	if !codePattern.MatchString(code) {
		v.Add(field, "must be 1–64 characters: letters, digits, '_' or '-', starting with a letter or digit")
	}
}

// Validate checks the input on its own (the parent's kind is checked by the service).
func (in CreateUnitInput) Validate() error {
	var v apperr.Validation
	if !in.Kind.Valid() {
		v.Add("kind", "unknown kind")
	} else if (in.ParentID == nil) != (in.Kind == KindCommittee) {
		if in.ParentID == nil {
			v.Add("parentId", "only the party committee may be the root; give a parent")
		} else {
			v.Add("kind", "a party committee is the root of its school's tree and has no parent")
		}
	}
	validateName(&v, "name", in.Name)
	validateCode(&v, "code", in.Code)
	return v.Err()
}

// Validate checks the fields that are set.
func (in UpdateUnitInput) Validate() error {
	var v apperr.Validation
	if in.Name != nil {
		validateName(&v, "name", *in.Name)
	}
	if in.Code != nil {
		validateCode(&v, "code", *in.Code)
	}
	return v.Err()
}

// Page is one keyset page of units.
type Page struct {
	Units      []*Unit
	HasNext    bool
	TotalCount int
}

// DescendantsQuery selects a page of the units below a unit.
type DescendantsQuery struct {
	Kinds           []Kind
	IncludeInactive bool
	First           int
	After           *Cursor // nil for the first page
}

// Cursor is a position in the breadth-first order of a subtree.
type Cursor struct {
	Depth     int
	SortOrder int
	ID        uuid.UUID
}

// CursorOf returns the cursor just after u.
func CursorOf(u *Unit) Cursor { return Cursor{Depth: u.Depth(), SortOrder: u.SortOrder, ID: u.ID} }

// PubliclyVisible reports whether anonymous readers may see the unit.
func (u *Unit) PubliclyVisible() bool { return u.Active }
