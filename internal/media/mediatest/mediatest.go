// Package mediatest holds a real video for tests and benchmarks: two
// seconds of ffmpeg's 320×240 test pattern in H.264 (made with
// `ffmpeg -f lavfi -i testsrc=duration=2:size=320x240:rate=10 -c:v libx264
// -profile:v baseline -pix_fmt yuv420p -movflags +faststart lesson.mp4`),
// which content sniffing, ffprobe and ffmpeg read like an editor's upload.
package mediatest

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Lesson is the video.
//
//go:embed lesson.mp4
var Lesson []byte

// What ffprobe finds in Lesson.
const (
	LessonWidth    = 320
	LessonHeight   = 240
	LessonDuration = 2.0 // seconds
)

// Video is an MP4 of exactly size bytes: Lesson followed by a free box
// (which players, ffprobe and ffmpeg skip) holding bytes read from fill.
// It lets a test or a benchmark send a real video of any size.
func Video(size int64, fill io.Reader) (io.Reader, error) {
	pad := size - int64(len(Lesson))
	var header []byte
	switch {
	case pad >= 8 && pad <= math.MaxUint32:
		header = binary.BigEndian.AppendUint32(nil, uint32(pad))
		header = append(header, "free"...)
	case pad > math.MaxUint32:
		// A box over 4 GiB gives its size in 64 bits after the type.
		header = binary.BigEndian.AppendUint32(nil, 1)
		header = append(header, "free"...)
		header = binary.BigEndian.AppendUint64(header, uint64(pad))
	default:
		return nil, fmt.Errorf("mediatest: a video of %d bytes is too small (at least %d)", size, len(Lesson)+8)
	}
	return io.MultiReader(bytes.NewReader(Lesson), bytes.NewReader(header), io.LimitReader(fill, pad-int64(len(header)))), nil
}
