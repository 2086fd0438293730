package graph

import (
	"context"

	"github.com/google/uuid"

	"zhdj/graph/model"
	"zhdj/internal/meeting"
)

func decodeEventCursor(field string, s *string) (*meeting.Cursor, error) {
	c, err := decodeTimeCursor(field, s)
	if c == nil {
		return nil, err
	}
	return &meeting.Cursor{StartsAt: c.At, ID: c.ID}, nil
}

// eventPage wraps a page of events with their attendance counts and the
// caller's attendance: two round trips whatever the page size.
func (r *Resolver) eventPage(ctx context.Context, page *meeting.Page) (*model.EventConnection, error) {
	conn := &model.EventConnection{Edges: []*model.EventEdge{}, PageInfo: &model.PageInfo{HasNextPage: page.HasNext}}
	if len(page.Items) == 0 {
		return conn, nil
	}
	events, err := r.wrapEvents(ctx, page.Items)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		conn.Edges = append(conn.Edges, &model.EventEdge{Cursor: encodeTimeCursor(e.StartsAt, e.ID), Node: e})
	}
	setPageBounds(conn.PageInfo, len(conn.Edges), func(i int) string { return conn.Edges[i].Cursor })
	return conn, nil
}

func (r *Resolver) wrapEvents(ctx context.Context, items []*meeting.Event) ([]*model.Event, error) {
	if len(items) == 0 {
		return nil, nil
	}
	tenant := items[0].TenantID
	counts, err := r.Meetings.CountsOf(ctx, tenant, items)
	if err != nil {
		return nil, err
	}
	ids := make([]uuid.UUID, len(items))
	for i, e := range items {
		ids[i] = e.ID
	}
	mine, err := r.Meetings.MyAttendance(ctx, tenant, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*model.Event, len(items))
	for i, e := range items {
		out[i] = &model.Event{Event: e, Counts: counts[e.ID], Mine: mine[e.ID], Loaded: true}
	}
	return out, nil
}

func (r *Resolver) wrapEvent(ctx context.Context, e *meeting.Event) (*model.Event, error) {
	out, err := r.wrapEvents(ctx, []*meeting.Event{e})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

var checkInMethods = map[string]model.CheckInMethod{"code": model.CheckInMethodCode, "online": model.CheckInMethodOnline, "organiser": model.CheckInMethodOrganiser}
