package graph

import (
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/google/uuid"

	"zhdj/internal/apperr"
	"zhdj/internal/org"
)

// Cursors are opaque to clients: base64url of a version byte and the keyset
// values of the row they follow.

const cursorV1 = 1

// sealCursor returns the opaque cursor whose keyset values are payload.
func sealCursor(payload []byte) string {
	return base64.RawURLEncoding.EncodeToString(append([]byte{cursorV1}, payload...))
}

// openCursor returns the payload of cursor s, or nil when there is none.
// A string that is not a cursor of this version, or whose payload valid
// refuses, is an Invalid error on field ("is not a cursor of this " + what).
func openCursor(field string, s *string, what string, valid func(payload []byte) bool) ([]byte, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*s)
	if err != nil || len(b) < 1 || b[0] != cursorV1 || !valid(b[1:]) {
		return nil, apperr.InvalidField(field, "is not a cursor of this "+what)
	}
	return b[1:], nil
}

// size is a cursor payload check: exactly n bytes.
func size(n int) func([]byte) bool { return func(b []byte) bool { return len(b) == n } }

// timeID is the keyset of a list ordered by a time, then an id.
type timeID struct {
	At time.Time
	ID uuid.UUID
}

// encodeTimeCursor packs a position in a list ordered by a time, then an id.
func encodeTimeCursor(at time.Time, id uuid.UUID) string {
	var b [8 + 16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(at.UnixMicro()))
	copy(b[8:], id[:])
	return sealCursor(b[:])
}

// decodeTimeCursor is the position encodeTimeCursor packed, or nil.
func decodeTimeCursor(field string, s *string) (*timeID, error) {
	b, err := openCursor(field, s, "list", size(24))
	if b == nil {
		return nil, err
	}
	c := &timeID{At: time.UnixMicro(int64(binary.BigEndian.Uint64(b[:8]))).UTC()}
	copy(c.ID[:], b[8:])
	return c, nil
}

func encodeUnitCursor(c org.Cursor) string {
	var b [4 + 4 + 16]byte
	binary.BigEndian.PutUint32(b[0:], uint32(int32(c.Depth)))
	binary.BigEndian.PutUint32(b[4:], uint32(int32(c.SortOrder)))
	copy(b[8:], c.ID[:])
	return sealCursor(b[:])
}

func decodeUnitCursor(field string, s *string) (*org.Cursor, error) {
	b, err := openCursor(field, s, "list", size(24))
	if b == nil {
		return nil, err
	}
	var id uuid.UUID
	copy(id[:], b[8:])
	return &org.Cursor{
		Depth:     int(int32(binary.BigEndian.Uint32(b[0:]))),
		SortOrder: int(int32(binary.BigEndian.Uint32(b[4:]))),
		ID:        id,
	}, nil
}

// An account cursor is the username of the last account seen (usernames
// are unique in a school).
func encodeAccountCursor(username string) string { return sealCursor([]byte(username)) }

func decodeAccountCursor(field string, s *string) (string, error) {
	b, err := openCursor(field, s, "list", func(b []byte) bool { return len(b) > 0 && len(b) <= 200 })
	return string(b), err
}
