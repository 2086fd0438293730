package graph

import (
	"context"
	"encoding/binary"
	"time"

	"zhdj/graph/model"
	"zhdj/internal/volunteer"
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
