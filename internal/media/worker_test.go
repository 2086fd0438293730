package media

import (
	"bytes"
	"context"
	"errors"
	"image"
	pngenc "image/png"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestProbeFailed: a failed probe fails (and so deletes) the file only when
// the file could be reached and the probe was not stopped.
func TestProbeFailed(t *testing.T) {
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	down := errors.New("connection refused")
	for name, c := range map[string]struct {
		ctx           context.Context
		stat          error
		wantPermanent bool
	}{
		"unreadable video":       {context.Background(), nil, true},
		"store out of reach":     {context.Background(), down, false},
		"server shutting down":   {stopped, nil, false},
		"stopped and store down": {stopped, down, false},
	} {
		err := probeFailed(c.ctx, func() error { return c.stat })
		var perm permanent
		if got := errors.As(err, &perm); got != c.wantPermanent || err == nil {
			t.Errorf("%s: %v (permanent %v, want %v)", name, err, got, c.wantPermanent)
		}
	}
}

// TestDecodeImage: an image that cannot be decoded is failed for good; one
// whose bytes stopped coming is tried again.
func TestDecodeImage(t *testing.T) {
	var png bytes.Buffer
	if err := pngenc.Encode(&png, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	cut := errors.New("connection reset by peer")
	for name, c := range map[string]struct {
		r             io.Reader
		wantErr       bool
		wantPermanent bool
	}{
		"an image":           {bytes.NewReader(png.Bytes()), false, false},
		"not an image":       {strings.NewReader("GIF89a but not really"), true, true},
		"truncated file":     {bytes.NewReader(png.Bytes()[:png.Len()/2]), true, true},
		"read cut off":       {io.MultiReader(bytes.NewReader(png.Bytes()[:png.Len()/2]), iotest.ErrReader(cut)), true, false},
		"cut off at the top": {iotest.ErrReader(cut), true, false},
	} {
		img, err := decodeImage(c.r)
		var perm permanent
		if (err != nil) != c.wantErr || errors.As(err, &perm) != c.wantPermanent || (err == nil && img.Bounds().Dx() != 8) {
			t.Errorf("%s: %v (permanent %v, want error %v, permanent %v)", name, err, errors.As(err, &perm), c.wantErr, c.wantPermanent)
		}
	}
}
