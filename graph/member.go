package graph

import (
	"context"

	"github.com/google/uuid"

	"zhdj/graph/model"
	"zhdj/internal/auth"
	"zhdj/internal/member"
	"zhdj/internal/org"
)

func memberFields(f *model.MemberFields) member.Fields {
	if f == nil {
		return member.Fields{}
	}
	return member.Fields{
		Name: f.Name, Gender: f.Gender, BirthDate: f.BirthDate, Ethnicity: deref(f.Ethnicity),
		NativePlace: deref(f.NativePlace), Phone: deref(f.Phone), CitizenID: deref(f.CitizenID),
		Education: deref(f.Education), Category: f.Category, Department: deref(f.Department),
		Major: deref(f.Major), ClassName: deref(f.ClassName), PartyPosts: f.PartyPosts,
	}
}

func (r *orgTransferResolver) transferUnit(ctx context.Context, id *uuid.UUID) (*org.Unit, error) {
	if id == nil {
		return nil, nil
	}
	p, err := auth.Require(ctx)
	if err != nil {
		return nil, err
	}
	return loadersFrom(ctx).unit.Load(ctx, tkey{p.TenantID, *id})
}

func encodeMemberCursor(m *member.Person) string {
	return sealCursor(append(m.ID[:], m.Name...))
}

func decodeMemberCursor(field string, s *string) (*member.Cursor, error) {
	b, err := openCursor(field, s, "list", func(b []byte) bool { return len(b) >= 16 })
	if b == nil {
		return nil, err
	}
	var c member.Cursor
	copy(c.ID[:], b[:16])
	c.Name = string(b[16:])
	return &c, nil
}

func memberFilter(filter *model.MemberFilter) (member.Filter, error) {
	f := member.Filter{Stages: filter.Stages, Query: deref(filter.Query),
		IncludeDescendants: deref(filter.IncludeDescendants), IncludeTransferredOut: deref(filter.IncludeTransferredOut)}
	if filter.OrgUnit != nil {
		u, err := decodeIDOf("filter.orgUnit", *filter.OrgUnit, idOrgUnit)
		if err != nil {
			return f, err
		}
		f.OrgUnitID = &u.ID
	}
	return f, nil
}
