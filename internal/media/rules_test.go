package media

import (
	"strings"
	"testing"

	"zhdj/internal/apperr"
)

// TestWhatAFileMayBe: the rules an upload is checked by before a byte is
// stored, one case each — its size for its purpose, its type as detected
// from its content, its visibility. (Over HTTP, internal/app checks that a
// refusal stores nothing.)
func TestWhatAFileMayBe(t *testing.T) {
	t.Parallel()
	limits := DefaultLimits
	limits.MaxImageBytes = 256 << 10
	for _, c := range []struct {
		name     string
		purpose  Purpose
		size     int64
		detected string
		field    string // the field at fault; "" when accepted
		says     string
	}{
		{"a PNG cover", PurposeCover, 10 << 10, "image/png", "", ""},
		{"HTML claiming to be an image", PurposeCover, 10 << 10, "text/html", "file", "text/html"},
		{"an SVG logo", PurposeLogo, 1 << 10, "image/svg+xml", "file", "SVG"},
		{"a cover over the image limit", PurposeCover, 300 << 10, "image/png", "file", "256.0 KiB"},
		{"an empty file", PurposeCover, 0, "image/png", "size", "empty"},
		{"an MP4 video", PurposeVideo, 5 << 20, "video/mp4", "", ""},
		{"a PNG as a video", PurposeVideo, 5 << 20, "image/png", "file", "image/png"},
		{"a PDF attachment", PurposeAttachment, 1 << 20, "application/pdf", "", ""},
	} {
		err := checkSize(limits, c.purpose, c.size, "file")
		if err == nil && !c.purpose.Accepts(c.detected) {
			err = typeError(c.purpose, c.detected, "file")
		}
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.field != "" && (!apperr.Is(err, apperr.Invalid) || !strings.Contains(apperr.FieldsOf(err)[c.field], c.says)):
			t.Errorf("%s: %v (fields %v), want Invalid at %s saying %q", c.name, err, apperr.FieldsOf(err), c.field, c.says)
		}
	}
	for _, c := range []struct {
		purpose Purpose
		asked   Visibility
		ok      bool
	}{
		{PurposeCover, Public, true},
		{PurposeMemberPhoto, Public, false},
		{PurposeMemberPhoto, Private, true},
		{PurposeAttachment, "secret", false},
	} {
		if _, err := visibilityFor(c.purpose, c.asked); (err == nil) != c.ok {
			t.Errorf("%s files %s: %v", c.purpose, c.asked, err)
		}
	}
}
