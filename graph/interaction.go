package graph

import (
	"encoding/binary"
	"math"
	"time"

	"zhdj/internal/apperr"
	"zhdj/internal/interaction"
)

// encodeSuggestionCursor packs a position in a list of suggestions: the
// order's key (8 bytes) and the id.
func encodeSuggestionCursor(order interaction.Order, c interaction.ListCursor) string {
	var b [8 + 16]byte
	var k uint64
	switch order {
	case interaction.Hot:
		k = math.Float64bits(c.Hot)
	case interaction.MostVoted:
		k = uint64(c.Votes)
	case interaction.PinnedOnly:
		k = uint64(c.Pinned)
	default:
		k = uint64(c.CreatedAt.UnixMicro())
	}
	binary.BigEndian.PutUint64(b[:8], k)
	copy(b[8:], c.ID[:])
	return sealCursor(b[:])
}

// decodeSuggestionCursor is the position encodeSuggestionCursor packed
// for the same order, or nil.
func decodeSuggestionCursor(order interaction.Order, s *string) (*interaction.ListCursor, error) {
	b, err := openCursor("after", s, "list of suggestions", size(24))
	if b == nil {
		return nil, err
	}
	k := binary.BigEndian.Uint64(b[:8])
	c := &interaction.ListCursor{}
	copy(c.ID[:], b[8:])
	switch order {
	case interaction.Hot:
		c.Hot = math.Float64frombits(k)
	case interaction.MostVoted:
		c.Votes = int(k)
	case interaction.PinnedOnly:
		c.Pinned = int(k)
	default:
		c.CreatedAt = time.UnixMicro(int64(k)).UTC()
	}
	return c, nil
}

// errNeedsPlace: a list of suggestions names a site or an org unit.
var errNeedsPlace = apperr.InvalidField("site", "name the site or the org unit whose suggestions to list")
