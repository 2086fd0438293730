package graph

import (
	"encoding/binary"
	"time"

	"zhdj/graph/model"
	"zhdj/internal/media"
)

func uploadSession(s *media.UploadSession) *model.UploadSessionPayload {
	out := &model.UploadSessionPayload{Media: s.Media, PartSize: s.PartSize, UploadedParts: s.Uploaded, ExpiresAt: s.ExpiresAt, Parts: []*model.UploadPart{}}
	for _, p := range s.Parts {
		out.Parts = append(out.Parts, &model.UploadPart{Number: p.Number, URL: p.URL, Size: p.Size})
	}
	return out
}

func encodeMediaCursor(m *media.Media) string {
	var b [8 + 16]byte
	binary.BigEndian.PutUint64(b[0:], uint64(m.CreatedAt.UnixMicro()))
	copy(b[8:], m.ID[:])
	return sealCursor(b[:])
}

func decodeMediaCursor(field string, s *string) (*media.Cursor, error) {
	b, err := openCursor(field, s, "list", size(24))
	if b == nil {
		return nil, err
	}
	c := &media.Cursor{CreatedAt: time.UnixMicro(int64(binary.BigEndian.Uint64(b[0:]))).UTC()}
	copy(c.ID[:], b[8:])
	return c, nil
}
