package graph

import (
	"context"
	"encoding/binary"
	"math"
	"strings"
	"time"

	"zhdj/graph/model"
	"zhdj/internal/apperr"
	"zhdj/internal/cockpit"
	"zhdj/internal/learning"
	"zhdj/internal/points"

	"github.com/google/uuid"
)

// pointsKind is the GraphQL name of a ledger kind (a fact's kind, or a
// correction), and factKind the reverse.
func pointsKind(k string) model.PointsKind { return model.PointsKind(strings.ToUpper(k)) }

func factKind(field string, k model.PointsKind) (learning.FactKind, error) {
	if !k.IsValid() || k == model.PointsKindCorrection {
		return "", apperr.InvalidField(field, "no points rule is set for this kind")
	}
	return learning.FactKind(strings.ToLower(string(k))), nil
}

// periodOf reads a period input (nil: this year), now being now.
func periodOf(in *model.PeriodInput, now time.Time) (points.Period, error) {
	if in == nil {
		return points.PeriodOf(learning.Yearly, now), nil
	}
	at := now
	if in.At != nil {
		at = *in.At
	}
	switch in.Kind {
	case model.PeriodKindMonth:
		return points.PeriodOf(learning.Monthly, at), nil
	case model.PeriodKindQuarter:
		return points.PeriodOf(learning.Quarterly, at), nil
	case model.PeriodKindYear:
		return points.PeriodOf(learning.Yearly, at), nil
	}
	if in.From == nil || in.To == nil {
		return points.Period{}, apperr.InvalidField("period.from", "a custom period gives its start and its end")
	}
	p := points.Period{From: *in.From, Until: *in.To}
	return p, points.ValidatePeriod(p)
}

// pointsHistory is a page of a person's entries (nil: the caller's) as a
// connection.
func (r *queryResolver) pointsHistory(ctx context.Context, person *uuid.UUID, period *model.PeriodInput, kinds []model.PointsKind, first *int, after *string) (*model.PointsEntryConnection, error) {
	p, err := periodOf(period, time.Now())
	if err != nil {
		return nil, err
	}
	ks := make([]string, len(kinds))
	for i, k := range kinds {
		ks[i] = strings.ToLower(string(k))
	}
	at, err := decodeLedgerCursor(after)
	if err != nil {
		return nil, err
	}
	page, err := r.Ledger.History(ctx, person, p, ks, pageSize(first), at)
	if err != nil {
		return nil, inputErr(err, "", nil)
	}
	conn := &model.PointsEntryConnection{Edges: []*model.PointsEntryEdge{}, PageInfo: &model.PageInfo{HasNextPage: page.HasNext}}
	for _, e := range page.Items {
		conn.Edges = append(conn.Edges, &model.PointsEntryEdge{Cursor: encodeTimeCursor(e.OccurredAt, e.ID), Node: e})
	}
	setPageBounds(conn.PageInfo, len(conn.Edges), func(i int) string { return conn.Edges[i].Cursor })
	return conn, nil
}

// encodeRankCursor packs a position in a ranking: the score, the id, the
// name (best first, then by name and id).
func encodeRankCursor(r *points.Ranked) string {
	b := make([]byte, 8+16, 8+16+len(r.Name))
	binary.BigEndian.PutUint64(b[:8], math.Float64bits(r.Score.Score))
	copy(b[8:], r.PersonID[:])
	return sealCursor(append(b, r.Name...))
}

func decodeRankCursor(field string, s *string) (*points.RankCursor, error) {
	b, err := openCursor(field, s, "ranking", func(b []byte) bool { return len(b) >= 24 })
	if b == nil {
		return nil, err
	}
	c := &points.RankCursor{Score: math.Float64frombits(binary.BigEndian.Uint64(b[:8])), Name: string(b[24:])}
	copy(c.ID[:], b[8:24])
	return c, nil
}

// appeals is a page of appeals as a connection.
func (r *queryResolver) appeals(ctx context.Context, f points.AppealFilter, status *model.PointsAppealStatus, first *int, after *string) (*model.PointsAppealConnection, error) {
	if status != nil {
		st := points.AppealStatus(strings.ToLower(string(*status)))
		f.Status = &st
	}
	at, err := decodeLedgerCursor(after)
	if err != nil {
		return nil, err
	}
	page, err := r.Ledger.Appeals(ctx, f, pageSize(first), at)
	if err != nil {
		return nil, inputErr(err, "", nil)
	}
	conn := &model.PointsAppealConnection{Edges: []*model.PointsAppealEdge{}, PageInfo: &model.PageInfo{HasNextPage: page.HasNext}}
	for _, a := range page.Items {
		conn.Edges = append(conn.Edges, &model.PointsAppealEdge{Cursor: encodeTimeCursor(a.FiledAt, a.ID), Node: a})
	}
	setPageBounds(conn.PageInfo, len(conn.Edges), func(i int) string { return conn.Edges[i].Cursor })
	return conn, nil
}

// encodePersonCursor packs a position in a list of people by name, then id.
func encodePersonCursor(name string, id uuid.UUID) string {
	b := make([]byte, 16, 16+len(name))
	copy(b, id[:])
	return sealCursor(append(b, name...))
}

func decodePersonCursor(field string, s *string) (*cockpit.PersonCursor, error) {
	b, err := openCursor(field, s, "list of people", func(b []byte) bool { return len(b) >= 16 })
	if b == nil {
		return nil, err
	}
	c := &cockpit.PersonCursor{Name: string(b[16:])}
	copy(c.ID[:], b[:16])
	return c, nil
}

// decodeLedgerCursor is the position after a time cursor of the ledger's
// lists (entries, appeals), or nil.
func decodeLedgerCursor(after *string) (*points.Cursor, error) {
	cur, err := decodeTimeCursor("after", after)
	if cur == nil {
		return nil, err
	}
	return &points.Cursor{OccurredAt: cur.At, ID: cur.ID}, nil
}
