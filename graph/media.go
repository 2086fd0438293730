package graph

import (
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/google/uuid"

	"zhdj/graph/model"
	"zhdj/internal/apperr"
	"zhdj/internal/media"
)

func optionalUnit(field string, id *string) (*uuid.UUID, error) {
	if id == nil {
		return nil, nil
	}
	g, err := decodeIDOf(field, *id, idOrgUnit)
	if err != nil {
		return nil, err
	}
	return &g.ID, nil
}

func uploadSession(s *media.UploadSession) *model.UploadSessionPayload {
	out := &model.UploadSessionPayload{Media: s.Media, PartSize: s.PartSize, UploadedParts: s.Uploaded, ExpiresAt: s.ExpiresAt, Parts: []*model.UploadPart{}}
	for _, p := range s.Parts {
		out.Parts = append(out.Parts, &model.UploadPart{Number: p.Number, URL: p.URL, Size: p.Size})
	}
	return out
}

func encodeMediaCursor(m *media.Media) string {
	var b [1 + 8 + 16]byte
	b[0] = cursorV1
	binary.BigEndian.PutUint64(b[1:], uint64(m.CreatedAt.UnixMicro()))
	copy(b[9:], m.ID[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func decodeMediaCursor(field string, s *string) (*media.Cursor, error) {
	if s == nil || *s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*s)
	if err != nil || len(b) != 25 || b[0] != cursorV1 {
		return nil, apperr.InvalidField(field, "is not a cursor of this list")
	}
	c := &media.Cursor{CreatedAt: time.UnixMicro(int64(binary.BigEndian.Uint64(b[1:]))).UTC()}
	copy(c.ID[:], b[9:])
	return c, nil
}
