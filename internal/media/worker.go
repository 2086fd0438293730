package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decode GIF uploads
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // decode WebP uploads

	"zhdj/internal/apperr"
	"zhdj/internal/media/mediadb"
	"zhdj/internal/postgres"
)

// maxPixels bounds the images that are decoded for derivatives, so that a
// small file that claims enormous dimensions cannot exhaust memory.
const maxPixels = 50_000_000

// ProcessArgs asks for a stored file to be checked and processed.
type ProcessArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	MediaID  uuid.UUID `json:"media_id"`
}

// Kind names the job.
func (ProcessArgs) Kind() string { return "media.process" }

// InsertOpts gives processing a few attempts with backoff (the store may be down).
func (ProcessArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 10} }

// ProcessWorker verifies the declared checksum, makes image derivatives and
// probes videos (when ffprobe/ffmpeg exist), then marks the file ready; a
// file that cannot be processed is marked failed with the reason.
type ProcessWorker struct {
	river.WorkerDefaults[ProcessArgs]
	Media *Service
	Log   *slog.Logger
}

// permanent marks a processing failure that retrying cannot fix.
type permanent struct{ msg string }

func (e permanent) Error() string { return e.msg }

// Timeout leaves time to read a 2 GiB video for its checksum and probe it.
func (w *ProcessWorker) Timeout(*river.Job[ProcessArgs]) time.Duration { return 15 * time.Minute }

// Work processes one file.
func (w *ProcessWorker) Work(ctx context.Context, job *river.Job[ProcessArgs]) error {
	s := w.Media
	a := job.Args
	var m *Media
	err := postgres.InTenantTx(ctx, s.pool, a.TenantID, func(tx pgx.Tx) error {
		row, err := mediadb.New(tx).GetMedia(ctx, mediadb.GetMediaParams{TenantID: a.TenantID, ID: a.MediaID})
		if err != nil {
			return err
		}
		m = fromRow(row.Medium, row.OrgPath)
		return nil
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	if m.Status != StatusProcessing {
		return nil
	}
	res, err := s.process(ctx, m)
	var perm permanent
	if errors.As(err, &perm) {
		return s.fail(ctx, m, perm.msg)
	}
	if err != nil {
		return err // retried with backoff
	}
	return postgres.InTenantTx(ctx, s.pool, a.TenantID, func(tx pgx.Tx) error {
		q := mediadb.New(tx)
		for _, d := range res.derivatives {
			if err := q.InsertDerivative(ctx, mediadb.InsertDerivativeParams{TenantID: a.TenantID, MediaID: m.ID, Width: int32(d.Width), Height: int32(d.Height),
				ObjectKey: d.objectKey, MimeType: d.MimeType, SizeBytes: d.Size}); err != nil {
				return err
			}
		}
		return q.SetProcessed(ctx, mediadb.SetProcessedParams{TenantID: a.TenantID, ID: m.ID, Width: res.width, Height: res.height,
			DurationMs: res.durationMs, PosterKey: res.posterKey, Notes: res.notes})
	})
}

// fail marks a file failed, deletes its bytes and releases its quota.
func (s *Service) fail(ctx context.Context, m *Media, reason string) error {
	if err := s.store.Delete(ctx, m.objectKey); err != nil {
		return err
	}
	return postgres.InTenantTx(ctx, s.pool, m.TenantID, func(tx pgx.Tx) error {
		q := mediadb.New(tx)
		if err := q.SetStatus(ctx, mediadb.SetStatusParams{TenantID: m.TenantID, ID: m.ID, Status: string(StatusFailed), Failure: reason, MimeType: m.MimeType, SizeBytes: m.Size}); err != nil {
			return err
		}
		return q.ReleaseQuota(ctx, mediadb.ReleaseQuotaParams{TenantID: m.TenantID, Bytes: m.Size})
	})
}

type processed struct {
	width, height *int32
	durationMs    *int64
	posterKey     string
	notes         []string
	derivatives   []*Derivative
}

func (s *Service) process(ctx context.Context, m *Media) (*processed, error) {
	res := &processed{notes: []string{}}
	if m.SHA256 != "" {
		if err := s.verifyChecksum(ctx, m); err != nil {
			return nil, err
		}
	}
	switch {
	case m.Purpose.Accepts(m.MimeType) && isImage(m.MimeType):
		return res, s.makeDerivatives(ctx, m, res)
	case m.Purpose.Kind() == KindVideo:
		return res, s.probeVideo(ctx, m, res)
	}
	return res, nil
}

func isImage(mime string) bool {
	switch mime {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		return true
	}
	return false
}

func (s *Service) verifyChecksum(ctx context.Context, m *Media) error {
	r, err := s.store.Get(ctx, m.objectKey)
	if err != nil {
		return err
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return fmt.Errorf("media: read for checksum: %w", err)
	}
	if n != m.Size {
		return permanent{fmt.Sprintf("stored %d bytes, declared %d", n, m.Size)}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != m.SHA256 {
		return permanent{fmt.Sprintf("the file's SHA-256 is %s, not the declared %s: it was damaged on the way; upload it again", got, m.SHA256)}
	}
	return nil
}

func (s *Service) makeDerivatives(ctx context.Context, m *Media, res *processed) error {
	head, err := s.store.Head(ctx, m.objectKey, 1<<16)
	if err != nil {
		return err
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(head))
	if err != nil {
		return permanent{"the image cannot be read: " + err.Error()}
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return permanent{fmt.Sprintf("the image is %d×%d pixels; at most %d megapixels", cfg.Width, cfg.Height, maxPixels/1_000_000)}
	}
	w, h := int32(cfg.Width), int32(cfg.Height)
	res.width, res.height = &w, &h
	r, err := s.store.Get(ctx, m.objectKey)
	if err != nil {
		return err
	}
	src, err := decodeImage(r)
	r.Close()
	if err != nil {
		return err
	}
	for _, width := range s.limits.DerivativeWidths {
		if width >= cfg.Width {
			continue
		}
		height := max(1, cfg.Height*width/cfg.Width)
		dst := image.NewRGBA(image.Rect(0, 0, width, height))
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Over, nil)
		var buf bytes.Buffer
		mime, ext := "image/jpeg", "jpg"
		if m.MimeType == "image/png" || m.MimeType == "image/gif" {
			mime, ext = "image/png", "png"
			err = png.Encode(&buf, dst)
		} else {
			err = jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 82})
		}
		if err != nil {
			return fmt.Errorf("media: encode derivative: %w", err)
		}
		key := derivativeKey(m.TenantID, m.ID, width, ext)
		if err := s.store.Put(ctx, key, bytes.NewReader(buf.Bytes()), int64(buf.Len()), mime); err != nil {
			return err
		}
		res.derivatives = append(res.derivatives, &Derivative{Width: width, Height: height, MimeType: mime, Size: int64(buf.Len()), objectKey: key})
	}
	return nil
}

// decodeImage decodes the image r streams from the store. Failing a file
// deletes it, so a decoder's error is permanent only when reading gave no
// error of its own: a read cut off by the store or a shutdown is retried.
func decodeImage(r io.Reader) (image.Image, error) {
	rec := &readRecorder{r: r}
	img, _, err := image.Decode(rec)
	if rec.err != nil {
		return nil, fmt.Errorf("media: read image: %w", rec.err)
	}
	if err != nil {
		return nil, permanent{"the image cannot be decoded: " + err.Error()}
	}
	return img, nil
}

// readRecorder keeps the first error of r other than io.EOF.
type readRecorder struct {
	r   io.Reader
	err error
}

func (rr *readRecorder) Read(p []byte) (int, error) {
	n, err := rr.r.Read(p)
	if err != nil && err != io.EOF && rr.err == nil {
		rr.err = err
	}
	return n, err
}

// videoProtocols are all ffprobe and ffmpeg may open: the presigned URL of
// the upload. An uploaded file is untrusted input, and a media file can
// name other inputs (playlists, concat lists, references); none of them
// may reach the server's own files or other protocols.
const videoProtocols = "http,https,tcp,tls"

// probeVideo reads duration and dimensions with ffprobe and grabs a poster
// frame with ffmpeg, both reading a presigned URL; without them the video
// is still usable and the notes say what is missing.
func (s *Service) probeVideo(ctx context.Context, m *Media, res *processed) error {
	if s.tools.FFprobe == "" {
		res.notes = append(res.notes, "duration unknown: ffprobe is not installed on the server")
	}
	if s.tools.FFmpeg == "" {
		res.notes = append(res.notes, "no poster frame: ffmpeg is not installed on the server")
	}
	if s.tools.FFprobe == "" && s.tools.FFmpeg == "" {
		return nil
	}
	src, err := s.store.PresignGet(ctx, m.objectKey, 30*time.Minute, "")
	if err != nil {
		return err
	}
	if s.tools.FFprobe != "" {
		out, err := exec.CommandContext(ctx, s.tools.FFprobe, "-v", "error", "-protocol_whitelist", videoProtocols,
			"-print_format", "json", "-show_format", "-show_streams", src).Output()
		if err != nil {
			return probeFailed(ctx, func() error { _, err := s.store.Stat(ctx, m.objectKey); return err })
		}
		var probe struct {
			Format struct {
				Duration string `json:"duration"`
			} `json:"format"`
			Streams []struct {
				CodecType string `json:"codec_type"`
				Width     int32  `json:"width"`
				Height    int32  `json:"height"`
			} `json:"streams"`
		}
		if json.Unmarshal(out, &probe) == nil {
			if d, err := strconv.ParseFloat(probe.Format.Duration, 64); err == nil {
				ms := int64(d * 1000)
				res.durationMs = &ms
			}
			for _, st := range probe.Streams {
				if st.CodecType == "video" && st.Width > 0 {
					w, h := st.Width, st.Height
					res.width, res.height = &w, &h
					break
				}
			}
		}
	}
	if s.tools.FFmpeg != "" {
		f, err := os.CreateTemp("", "zhdj-poster-*.jpg")
		if err != nil {
			return err
		}
		f.Close()
		defer os.Remove(f.Name())
		// A frame a second in, at most 1280 wide (never enlarged).
		if err := exec.CommandContext(ctx, s.tools.FFmpeg, "-v", "error", "-y", "-protocol_whitelist", videoProtocols,
			"-ss", "1", "-i", src, "-frames:v", "1", "-vf", "scale='min(1280,iw)':-2", f.Name()).Run(); err != nil {
			res.notes = append(res.notes, "no poster frame: ffmpeg could not extract one")
			return nil
		}
		data, err := os.ReadFile(f.Name())
		if err != nil || len(data) == 0 {
			res.notes = append(res.notes, "no poster frame: ffmpeg could not extract one")
			return nil
		}
		key := posterKey(m.TenantID, m.ID)
		if err := s.store.Put(ctx, key, bytes.NewReader(data), int64(len(data)), "image/jpeg"); err != nil {
			return err
		}
		res.posterKey = key
	}
	return nil
}

// probeFailed decides what a failed ffprobe means. Failing a file deletes
// it, so only a file that could be read and still could not be probed is
// failed; when the probe was stopped (the server shutting down) or the
// store is out of reach, the file may be fine and is tried again later.
func probeFailed(ctx context.Context, stat func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := stat(); err != nil {
		return fmt.Errorf("media: ffprobe failed and the file cannot be reached: %w", err)
	}
	return permanent{"the video cannot be read (ffprobe failed)"}
}

// FindTools looks for ffprobe and ffmpeg on PATH.
func FindTools() Tools {
	var t Tools
	t.FFprobe, _ = exec.LookPath("ffprobe")
	t.FFmpeg, _ = exec.LookPath("ffmpeg")
	return t
}

// DeleteObjectsArgs asks for stored objects to be removed (after their rows
// were deleted in a committed transaction).
type DeleteObjectsArgs struct {
	Keys     []string `json:"keys"`
	UploadID string   `json:"upload_id,omitempty"`
}

// Kind names the job.
func (DeleteObjectsArgs) Kind() string { return "media.delete_objects" }

// DeleteObjectsWorker removes objects; a failure is retried, never shown to
// the user whose request deleted the row.
type DeleteObjectsWorker struct {
	river.WorkerDefaults[DeleteObjectsArgs]
	Store ObjectStore
}

// Work deletes the objects.
func (w *DeleteObjectsWorker) Work(ctx context.Context, job *river.Job[DeleteObjectsArgs]) error {
	if job.Args.UploadID != "" && len(job.Args.Keys) > 0 {
		if err := w.Store.AbortMultipart(ctx, job.Args.Keys[0], job.Args.UploadID); err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
	}
	for _, k := range job.Args.Keys {
		if err := w.Store.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}
