package graph

import (
	"context"
	"encoding/binary"
	"time"

	"zhdj/graph/model"
	"zhdj/internal/volunteer"

	"github.com/google/uuid"
)

// activityInput converts the GraphQL input; field paths name input.activity.
func activityInput(in *model.ActivityInput) (volunteer.ActivityInput, error) {
	const p = "input.activity."
	out := volunteer.ActivityInput{
		Title: in.Title, Description: deref(in.Description), Address: deref(in.Address),
		Latitude: in.Latitude, Longitude: in.Longitude,
		StartsAt: in.StartsAt, EndsAt: in.EndsAt, SignupOpensAt: in.SignupOpensAt, SignupClosesAt: in.SignupClosesAt,
		Capacity: in.Capacity, Audience: in.Audience, Hours: in.Hours,
	}
	var err error
	if out.CoverID, err = optionalIDOf(p+"cover", in.Cover, idMedia); err != nil {
		return out, err
	}
	if out.AreaID, err = optionalIDOf(p+"area", in.Area, idVolunteerArea); err != nil {
		return out, err
	}
	if out.TopicIDs, err = decodeIDsOf(p+"topics", in.Topics, idVolunteerTopic); err != nil {
		return out, err
	}
	if out.PartnerIDs, err = decodeIDsOf(p+"partners", in.Partners, idPartner); err != nil {
		return out, err
	}
	return out, nil
}

// describedActivity returns a mutation's activity with its area, topics,
// partners and the caller's sign-up filled.
func (r *Resolver) describedActivity(ctx context.Context, a *volunteer.Activity, err error) (*model.ActivityPayload, error) {
	if err != nil {
		return nil, err
	}
	if err := r.Volunteer.Describe(ctx, a); err != nil {
		return nil, err
	}
	return &model.ActivityPayload{Activity: a}, nil
}

func signUpPayload(su *volunteer.SignUp, err error) (*model.SignUpPayload, error) {
	if err != nil {
		return nil, err
	}
	return &model.SignUpPayload{SignUp: su}, nil
}

// activityView returns a's view, loading it when a came from somewhere that
// did not fill it (one activity, never a list).
func (r *Resolver) activityView(ctx context.Context, a *volunteer.Activity) (*volunteer.View, error) {
	if a.View == nil {
		if err := r.Volunteer.Describe(ctx, a); err != nil {
			return nil, err
		}
	}
	return a.View, nil
}

var activityOrders = []volunteer.Order{volunteer.OrderStartTime, volunteer.OrderNewest, volunteer.OrderPopular}

// encodeActivityCursor packs the version, the order (a cursor of one order
// is refused by another), the sort key and the id.
func encodeActivityCursor(a *volunteer.Activity, o volunteer.Order) string {
	c := volunteer.CursorOf(a, o)
	var b [1 + 8 + 16]byte
	for i, x := range activityOrders {
		if x == o {
			b[0] = byte(i)
		}
	}
	key := uint64(c.Time.UnixMicro())
	if o == volunteer.OrderPopular {
		key = uint64(c.Count)
	}
	binary.BigEndian.PutUint64(b[1:], key)
	copy(b[9:], c.ID[:])
	return sealCursor(b[:])
}

func decodeActivityCursor(field string, s *string, o volunteer.Order) (*volunteer.Cursor, error) {
	b, err := openCursor(field, s, "list and order", func(b []byte) bool {
		return len(b) == 25 && int(b[0]) < len(activityOrders) && activityOrders[b[0]] == o
	})
	if b == nil {
		return nil, err
	}
	key := binary.BigEndian.Uint64(b[1:])
	c := &volunteer.Cursor{Time: time.UnixMicro(int64(key)).UTC(), Count: int64(key)}
	copy(c.ID[:], b[9:])
	return c, nil
}

func attendanceKind(k model.AttendanceKind) string {
	if k == model.AttendanceKindOut {
		return "out"
	}
	return "in"
}

// descriptionOption is WithDescription when the current field's selection
// asks, at path, for activities' descriptions.
func descriptionOption(ctx context.Context, path ...string) volunteer.DescriptionOption {
	return volunteer.DescriptionOption(selectsAny(ctx, path, "description"))
}

// activityFilter is the filter argument of the activity lists.
func activityFilter(filter *model.ActivityFilterInput) (volunteer.Filter, error) {
	var f volunteer.Filter
	if filter == nil {
		return f, nil
	}
	var err error
	if f.AreaIDs, err = decodeIDsOf("filter.areas", filter.Areas, idVolunteerArea); err != nil {
		return f, err
	}
	if f.PartnerIDs, err = decodeIDsOf("filter.partners", filter.Partners, idPartner); err != nil {
		return f, err
	}
	f.Statuses, f.Audiences = filter.Status, filter.Audience
	f.HasPlaces = filter.HasPlaces != nil && *filter.HasPlaces
	if f.TopicIDs, err = decodeIDsOf("filter.topics", filter.Topics, idVolunteerTopic); err != nil {
		return f, err
	}
	if f.OrgUnitID, err = optionalIDOf("filter.orgUnit", filter.OrgUnit, idOrgUnit); err != nil {
		return f, err
	}
	f.OpenOnly = filter.OpenOnly != nil && *filter.OpenOnly
	f.From, f.Until = filter.From, filter.Until
	return f, nil
}

// activityConnection is a page of activities as a connection.
func activityConnection(page *volunteer.Page, tenant uuid.UUID, order volunteer.Order, hasPrevious bool) *model.ActivityConnection {
	conn := &model.ActivityConnection{PageInfo: &model.PageInfo{HasNextPage: page.HasNext, HasPreviousPage: hasPrevious},
		Edges: make([]*model.ActivityEdge, len(page.Items)), Tenant: tenant, Filter: page.Filter}
	for i, a := range page.Items {
		conn.Edges[i] = &model.ActivityEdge{Cursor: encodeActivityCursor(a, order), Node: a}
	}
	setPageBounds(conn.PageInfo, len(conn.Edges), func(i int) string { return conn.Edges[i].Cursor })
	return conn
}
