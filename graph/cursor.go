package graph

import (
	"encoding/base64"
	"encoding/binary"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
	"zhdj/internal/org"
)

// Cursors are opaque to clients: base64url of a version byte and the keyset
// values of the row they follow.

const cursorV1 = 1

func encodeUnitCursor(c org.Cursor) string {
	var b [1 + 4 + 4 + 16]byte
	b[0] = cursorV1
	binary.BigEndian.PutUint32(b[1:], uint32(int32(c.Depth)))
	binary.BigEndian.PutUint32(b[5:], uint32(int32(c.SortOrder)))
	copy(b[9:], c.ID[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func decodeUnitCursor(field string, s *string) (*org.Cursor, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*s)
	if err != nil || len(b) != 25 || b[0] != cursorV1 {
		return nil, apperr.InvalidField(field, "is not a cursor of this list")
	}
	var id uuid.UUID
	copy(id[:], b[9:])
	return &org.Cursor{
		Depth:     int(int32(binary.BigEndian.Uint32(b[1:]))),
		SortOrder: int(int32(binary.BigEndian.Uint32(b[5:]))),
		ID:        id,
	}, nil
}
