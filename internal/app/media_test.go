package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhdj/internal/apperr"
	"zhdj/internal/auth"
	"zhdj/internal/media"
	"zhdj/internal/media/mediatest"
	"zhdj/internal/minioproc"
	"zhdj/internal/miniotest"
	"zhdj/internal/postgres"
)

// setupMedia is setup with a real MinIO behind the media service.
func setupMedia(t *testing.T, env map[string]string) (*testBundle, *minioproc.Server) {
	t.Helper()
	return setupMediaWith(t, env, nil)
}

// setupMediaWith is setupMedia with a tracer on the server's database pool.
func setupMediaWith(t *testing.T, env map[string]string, tracer pgx.QueryTracer) (*testBundle, *minioproc.Server) {
	t.Helper()
	m := miniotest.Start(t)
	vars := identityEnv()
	vars["ZHDJ_S3_ENDPOINT"], vars["ZHDJ_S3_ACCESS_KEY"], vars["ZHDJ_S3_SECRET_KEY"] = m.Endpoint, m.AccessKey, m.SecretKey
	vars["ZHDJ_S3_SECURE"] = "false"
	vars["ZHDJ_MEDIA_PART_BYTES"] = fmt.Sprint(5 << 20)
	for k, v := range env {
		vars[k] = v
	}
	return setupWith(t, vars, tracer), m
}

func uuidFrom(b []byte) uuid.UUID {
	var u uuid.UUID
	copy(u[:], b)
	return u
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// lessonVideo is a real video (mediatest.Lesson) of size bytes.
func lessonVideo(t *testing.T, size int) []byte {
	t.Helper()
	r, err := mediatest.Video(int64(size), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	v, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// fakeMP4 is size bytes that content sniffing recognises as MP4 and no
// player can play.
func fakeMP4(size int) []byte {
	b := make([]byte, size)
	_, _ = rand.Read(b)
	copy(b, []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"))
	return b
}

const mediaFields = `id status filename mimeType size failure width height durationSeconds url posterUrl srcset processingNotes derivatives { width url }`

type mediaNode struct {
	ID, Status, Filename, MimeType string
	Size                           int64
	Failure                        *string
	Width, Height                  *int
	DurationSeconds                *float64
	URL, PosterURL, Srcset         *string
	ProcessingNotes                []string
	Derivatives                    []struct {
		Width int
		URL   string
	}
}

func (b *testBundle) uploadFile(t *testing.T, token, filename string, data []byte, purpose string) *gqlResponse {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	ops, _ := json.Marshal(map[string]any{
		"query":     `mutation($in: UploadImageInput!) { uploadImage(input: $in) { media { ` + mediaFields + ` } } }`,
		"variables": map[string]any{"in": map[string]any{"file": nil, "purpose": purpose}},
	})
	_ = w.WriteField("operations", string(ops))
	_ = w.WriteField("map", `{"0": ["variables.in.file"]}`)
	fw, _ := w.CreateFormFile("0", filename)
	_, _ = fw.Write(data)
	_ = w.Close()
	return b.raw(t, http.MethodPost, "/graphql", w.FormDataContentType(), body.Bytes(), bearer(token)...)
}

func (b *testBundle) waitMediaRaw(t *testing.T, token, id string) mediaNode {
	t.Helper()
	d := decode[struct{ Node *mediaNode }](t, b.post(t, `query($id: ID!) { node(id: $id) { ... on Media { `+mediaFields+` } } }`, map[string]any{"id": id}, bearer(token)...))
	if d.Node == nil {
		t.Fatalf("media %s not found", id)
	}
	return *d.Node
}

// waitMedia polls the library until the file leaves PROCESSING.
func (b *testBundle) waitMedia(t *testing.T, token, id string) mediaNode {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d := decode[struct{ Node *mediaNode }](t, b.post(t, `query($id: ID!) { node(id: $id) { ... on Media { `+mediaFields+` } } }`, map[string]any{"id": id}, bearer(token)...))
		if d.Node != nil && d.Node.Status != "PROCESSING" && d.Node.Status != "UPLOADING" {
			return *d.Node
		}
		if time.Now().After(deadline) {
			t.Fatalf("media %s still processing: %+v", id, d.Node)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func httpGet(t *testing.T, url string) (int, []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func TestImageUploadAndDerivatives(t *testing.T) {
	t.Parallel()
	b, _ := setupMedia(t, nil)
	editor, _ := b.login(t, "editor", demoPassword)

	r := b.uploadFile(t, editor, "../../etc/封面图.png", pngBytes(t, 1600, 900), "COVER")
	up := decode[struct{ UploadImage struct{ Media mediaNode } }](t, r).UploadImage.Media
	if up.Status != "PROCESSING" || up.MimeType != "image/png" || up.Filename != "封面图.png" {
		t.Fatalf("upload: %+v", up)
	}
	text := b.scrape(t)
	if got := value(text, `zhdj_uploads_total{purpose="cover",via="api"}`); got != 1 {
		t.Errorf("uploads counted: %v, want 1", got)
	}
	if got := value(text, `zhdj_object_store_requests_total{method="PUT",outcome="ok"}`); got < 1 {
		t.Errorf("store calls counted: %v", got)
	}
	m := b.waitMedia(t, editor, up.ID)
	if m.Status != "READY" || *m.Width != 1600 || *m.Height != 900 || len(m.Derivatives) != 3 || m.Srcset == nil {
		t.Fatalf("processed: %+v", m)
	}
	for i, w := range []int{320, 640, 1280} {
		d := m.Derivatives[i]
		status, body := httpGet(t, d.URL)
		if d.Width != w || status != http.StatusOK {
			t.Fatalf("derivative %d: width %d status %d", i, d.Width, status)
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(body))
		if err != nil || cfg.Width != w {
			t.Fatalf("derivative %d is not a %d-wide image: %+v %v", i, w, cfg, err)
		}
	}
	// Public media is visible to anonymous readers once ready.
	anon := decode[struct{ Node *mediaNode }](t, b.post(t, `query($id: ID!) { node(id: $id) { ... on Media { id url } } }`, map[string]any{"id": up.ID}))
	if anon.Node == nil || anon.Node.URL == nil {
		t.Fatalf("public media hidden from anonymous readers: %+v", anon)
	}
	if status, _ := httpGet(t, *anon.Node.URL); status != http.StatusOK {
		t.Fatalf("presigned URL: %d", status)
	}
}

func TestUploadRefusals(t *testing.T) {
	t.Parallel()
	b, _ := setupMedia(t, map[string]string{"ZHDJ_MEDIA_MAX_IMAGE_BYTES": fmt.Sprint(256 << 10)})
	editor, _ := b.login(t, "editor", demoPassword)
	objects := func() int {
		n := 0
		_ = b.app.Store.List(context.Background(), "t/", func(media.ObjectInfo) error { n++; return nil })
		return n
	}

	for name, c := range map[string]struct {
		filename string
		data     []byte
		purpose  string
		want     string
	}{
		"html claiming to be an image": {"photo.jpg", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), "COVER", "text/html"},
		"svg":                          {"logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "LOGO", "SVG"},
		"too large":                    {"big.png", append(pngBytes(t, 10, 10), make([]byte, 300<<10)...), "COVER", "封面文件最大 256.0 KiB"},
		"video through the API":        {"v.mp4", fakeMP4(1024), "VIDEO", "createUpload"},
	} {
		r := b.uploadFile(t, editor, c.filename, c.data, c.purpose)
		if r.code(0) != "BAD_USER_INPUT" || !strings.Contains(fmt.Sprint(r.Errors[0].Extensions["fields"], r.Errors[0].Message), c.want) {
			t.Errorf("%s: %+v", name, r.Errors)
		}
	}
	if n := objects(); n != 0 {
		t.Fatalf("refused uploads left %d objects in storage", n)
	}
	list := decode[struct {
		Media struct{ Edges []struct{ Node mediaNode } }
	}](t, b.post(t, `{ media(first: 50) { edges { node { id status } } } }`, nil, bearer(editor)...))
	if len(list.Media.Edges) != 0 {
		t.Fatalf("refused uploads left rows: %+v", list.Media.Edges)
	}
	member, _ := b.login(t, "member", demoPassword)
	if r := b.uploadFile(t, member, "a.png", pngBytes(t, 10, 10), "COVER"); r.code(0) != "FORBIDDEN" {
		t.Fatalf("member uploading a cover: %+v", r.Errors)
	}
}

type session struct {
	Media    mediaNode
	PartSize int64
	Parts    []struct {
		Number int
		URL    string
		Size   int64
	}
	UploadedParts []int
}

const createUploadMutation = `mutation($in: CreateUploadInput!) { createUpload(input: $in) { media { id status } partSize parts { number url size } uploadedParts } }`

func (b *testBundle) createUpload(t *testing.T, token string, in map[string]any) session {
	t.Helper()
	return decode[struct{ CreateUpload session }](t, b.post(t, createUploadMutation, map[string]any{"in": in}, bearer(token)...)).CreateUpload
}

func putPart(t *testing.T, url string, data []byte) error {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(data))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("PUT part: %d %s", res.StatusCode, b)
	}
	return nil
}

const completeMutation = `mutation($id: ID!) { completeUpload(input: {id: $id}) { media { id status mimeType size } } }`

func TestDirectVideoUpload(t *testing.T) {
	t.Parallel()
	b, minio := setupMedia(t, nil)
	editor, _ := b.login(t, "editor", demoPassword)
	video := lessonVideo(t, 12<<20)
	sum := sha256.Sum256(video)

	s := b.createUpload(t, editor, map[string]any{"filename": "微党课第一讲.mp4", "purpose": "VIDEO", "size": len(video), "sha256": hex.EncodeToString(sum[:])})
	if len(s.Parts) != 3 || s.PartSize != 5<<20 || s.Media.Status != "UPLOADING" {
		t.Fatalf("session: %+v", s)
	}
	part := func(n int) []byte {
		start := int64(n-1) * s.PartSize
		return video[start:min(start+s.PartSize, int64(len(video)))]
	}
	// Part 1 arrives; then storage goes away mid-upload.
	if err := putPart(t, s.Parts[0].URL, part(1)); err != nil {
		t.Fatal(err)
	}
	r := b.post(t, completeMutation, map[string]any{"id": s.Media.ID}, append(bearer(editor), "Accept-Language", "en")...)
	if r.code(0) != "BAD_USER_INPUT" || !strings.Contains(fmt.Sprint(r.Errors[0].Extensions["fields"]), "missing parts 2, 3") {
		t.Fatalf("incomplete upload: %+v", r.Errors)
	}
	minio.Stop()
	if r := b.post(t, completeMutation, map[string]any{"id": s.Media.ID}, bearer(editor)...); r.code(0) != "UNAVAILABLE" {
		t.Fatalf("complete with storage down: %+v", r.Errors)
	}
	if got := value(b.scrape(t), `zhdj_object_store_requests_total{method="GET",outcome="failed"}`); got < 1 {
		t.Errorf("failed store calls counted: %v", got)
	}
	if err := minio.Start(); err != nil {
		t.Fatal(err)
	}
	// Resume: part 1 is known, fresh URLs for 2 and 3.
	res := decode[struct{ ResumeUpload session }](t, b.post(t, `mutation($id: ID!) { resumeUpload(input: {id: $id}) { parts { number url } uploadedParts } }`, map[string]any{"id": s.Media.ID}, bearer(editor)...)).ResumeUpload
	if len(res.UploadedParts) != 1 || res.UploadedParts[0] != 1 || len(res.Parts) != 2 || res.Parts[0].Number != 2 {
		t.Fatalf("resume: %+v", res)
	}
	// Part 2 is sent twice (a retry after a dropped connection); the last copy counts.
	for _, p := range res.Parts {
		if err := putPart(t, p.URL, part(p.Number)); err != nil {
			t.Fatal(err)
		}
	}
	if err := putPart(t, res.Parts[0].URL, part(2)); err != nil {
		t.Fatal(err)
	}
	first := decode[struct{ CompleteUpload struct{ Media mediaNode } }](t, b.post(t, completeMutation, map[string]any{"id": s.Media.ID}, bearer(editor)...)).CompleteUpload.Media
	second := decode[struct{ CompleteUpload struct{ Media mediaNode } }](t, b.post(t, completeMutation, map[string]any{"id": s.Media.ID}, bearer(editor)...)).CompleteUpload.Media
	if first.MimeType != "video/mp4" || first.Size != int64(len(video)) || second.ID != first.ID {
		t.Fatalf("complete: %+v then %+v", first, second)
	}
	// Counted once, though completed twice.
	text := b.scrape(t)
	if got := value(text, `zhdj_uploads_total{purpose="video",via="direct"}`); got != 1 {
		t.Errorf("uploads counted: %v, want 1", got)
	}
	if got := value(text, `zhdj_upload_bytes_total{purpose="video",via="direct"}`); got != float64(len(video)) {
		t.Errorf("upload bytes counted: %v, want %d", got, len(video))
	}
	m := b.waitMedia(t, editor, s.Media.ID)
	if m.Status != "READY" || m.URL == nil {
		t.Fatalf("video: %+v", m)
	}
	status, got := httpGet(t, *m.URL)
	if status != http.StatusOK || !bytes.Equal(got, video) {
		t.Fatalf("downloaded video differs (status %d, %d bytes)", status, len(got))
	}
	// What the server's ffprobe and ffmpeg make of it (`make deps`
	// installs them), or, without them, that the notes say so.
	if tools := media.FindTools(); tools.FFprobe == "" || tools.FFmpeg == "" {
		if notes := strings.Join(m.ProcessingNotes, "; "); !strings.Contains(notes, "ffprobe") && !strings.Contains(notes, "ffmpeg") {
			t.Fatalf("missing video tools not reported: %+v", m.ProcessingNotes)
		}
		return
	}
	if m.DurationSeconds == nil || *m.DurationSeconds != mediatest.LessonDuration || m.Width == nil || *m.Width != mediatest.LessonWidth ||
		m.Height == nil || *m.Height != mediatest.LessonHeight || len(m.ProcessingNotes) != 0 || m.PosterURL == nil {
		t.Fatalf("probed video: %+v (duration %v)", m, m.DurationSeconds)
	}
	status, poster := httpGet(t, *m.PosterURL)
	frame, err := jpeg.Decode(bytes.NewReader(poster))
	if status != http.StatusOK || err != nil {
		t.Fatalf("poster: HTTP %d, %v", status, err)
	}
	// Never enlarged beyond the video's own width.
	if b := frame.Bounds(); b.Dx() != mediatest.LessonWidth || b.Dy() != mediatest.LessonHeight {
		t.Fatalf("poster is %v", b)
	}
}

func TestDirectUploadFailures(t *testing.T) {
	t.Parallel()
	b, _ := setupMedia(t, nil)
	editor, _ := b.login(t, "editor", demoPassword)

	// A PNG renamed .mp4 is refused at completion and its object deleted.
	img := pngBytes(t, 64, 64)
	s := b.createUpload(t, editor, map[string]any{"filename": "lesson.mp4", "purpose": "VIDEO", "size": len(img), "contentType": "video/mp4"})
	if err := putPart(t, s.Parts[0].URL, img); err != nil {
		t.Fatal(err)
	}
	r := b.post(t, completeMutation, map[string]any{"id": s.Media.ID}, bearer(editor)...)
	if r.code(0) != "BAD_USER_INPUT" || !strings.Contains(fmt.Sprint(r.Errors[0].Extensions["fields"]), "image/png") {
		t.Fatalf("png as video: %+v", r.Errors)
	}
	m := b.waitMedia(t, editor, s.Media.ID)
	if m.Status != "FAILED" || m.Failure == nil {
		t.Fatalf("png as video row: %+v", m)
	}
	if _, err := b.app.Store.Stat(context.Background(), objectKeyOf(t, b, s.Media.ID)); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("refused object still stored: %v", err)
	}

	// A damaged upload (wrong checksum) fails after processing.
	video := lessonVideo(t, 1<<20)
	s = b.createUpload(t, editor, map[string]any{"filename": "v.mp4", "purpose": "VIDEO", "size": len(video), "sha256": strings.Repeat("ab", 32)})
	if err := putPart(t, s.Parts[0].URL, video); err != nil {
		t.Fatal(err)
	}
	decode[struct{ CompleteUpload struct{ Media mediaNode } }](t, b.post(t, completeMutation, map[string]any{"id": s.Media.ID}, bearer(editor)...))
	if m := b.waitMedia(t, editor, s.Media.ID); m.Status != "FAILED" || !strings.Contains(*m.Failure, "SHA-256") {
		t.Fatalf("checksum mismatch: %+v", m)
	}

	// A never-completed upload is aborted: no row, no parts.
	s = b.createUpload(t, editor, map[string]any{"filename": "..\\..\\x\u0000\u202e4pm.exe\n.mp4", "purpose": "VIDEO", "size": len(video)})
	if fn := b.waitMediaRaw(t, editor, s.Media.ID).Filename; fn != "x4pm.exe.mp4" {
		t.Fatalf("filename stored as %q", fn)
	}
	if err := putPart(t, s.Parts[0].URL, video[:1<<19]); err != nil {
		t.Fatal(err)
	}
	if r := b.post(t, completeMutation, map[string]any{"id": s.Media.ID}, bearer(editor)...); r.code(0) != "BAD_USER_INPUT" {
		t.Fatalf("truncated upload completed: %+v", r.Errors)
	}
	if r := b.post(t, `mutation($id: ID!) { abortUpload(input: {id: $id}) { ok } }`, map[string]any{"id": s.Media.ID}, bearer(editor)...); len(r.Errors) != 0 {
		t.Fatalf("abort: %+v", r.Errors)
	}
	if r := b.post(t, completeMutation, map[string]any{"id": s.Media.ID}, bearer(editor)...); r.code(0) != "NOT_FOUND" {
		t.Fatalf("aborted upload still there: %+v", r.Errors)
	}

	// Sizes are checked before anything is stored.
	r = b.post(t, createUploadMutation, map[string]any{"in": map[string]any{"filename": "huge.mp4", "purpose": "VIDEO", "size": int64(3) << 30}}, bearer(editor)...)
	if r.code(0) != "BAD_USER_INPUT" {
		t.Fatalf("3 GiB video: %+v", r.Errors)
	}
}

func objectKeyOf(t *testing.T, b *testBundle, gid string) string {
	t.Helper()
	raw, _ := base64RawURL(gid)
	var tenant, id uuid.UUID
	copy(tenant[:], raw[1:17])
	copy(id[:], raw[17:])
	return fmt.Sprintf("t/%s/m/%s/original", tenant, id)
}

func TestQuotaUnderConcurrency(t *testing.T) {
	t.Parallel()
	b, _ := setupMedia(t, map[string]string{"ZHDJ_MEDIA_QUOTA_BYTES": fmt.Sprint(10 << 20)})
	editor, _ := b.login(t, "editor", demoPassword)
	var wg sync.WaitGroup
	results := make([]*gqlResponse, 12)
	for i := range results {
		wg.Go(func() {
			results[i] = b.post(t, createUploadMutation, map[string]any{"in": map[string]any{"filename": fmt.Sprintf("v%d.mp4", i), "purpose": "VIDEO", "size": 2 << 20}}, bearer(editor)...)
		})
	}
	wg.Wait()
	ok, refused := 0, 0
	for _, r := range results {
		switch {
		case len(r.Errors) == 0:
			ok++
		case r.code(0) == "CONFLICT":
			refused++
		default:
			t.Fatalf("unexpected: %+v", r.Errors)
		}
	}
	if ok != 5 || refused != 7 {
		t.Fatalf("10 MiB quota, 12 × 2 MiB: %d accepted, %d refused", ok, refused)
	}
}

func TestPrivateMediaAndDeletion(t *testing.T) {
	t.Parallel()
	b, _ := setupMedia(t, map[string]string{"ZHDJ_MEDIA_ORPHAN_GRACE": "1ns"})
	secretary, _ := b.login(t, "secretary", demoPassword)
	member, _ := b.login(t, "member", demoPassword)
	editor, _ := b.login(t, "editor", demoPassword)

	photo := decode[struct{ UploadImage struct{ Media mediaNode } }](t, b.uploadFile(t, secretary, "照片.png", pngBytes(t, 300, 400), "MEMBER_PHOTO")).UploadImage.Media
	b.waitMedia(t, secretary, photo.ID)
	q := `query($id: ID!) { node(id: $id) { ... on Media { url } } }`
	if d := decode[struct{ Node *mediaNode }](t, b.post(t, q, map[string]any{"id": photo.ID})); d.Node != nil {
		t.Fatalf("private photo visible anonymously: %+v", d.Node)
	}
	if d := decode[struct{ Node *mediaNode }](t, b.post(t, q, map[string]any{"id": photo.ID}, bearer(member)...)); d.Node != nil {
		t.Fatalf("private photo visible to a member: %+v", d.Node)
	}
	if d := decode[struct{ Node *mediaNode }](t, b.post(t, q, map[string]any{"id": photo.ID}, bearer(secretary)...)); d.Node == nil || d.Node.URL == nil {
		t.Fatalf("private photo hidden from its branch secretary: %+v", d.Node)
	}

	cover := decode[struct{ UploadImage struct{ Media mediaNode } }](t, b.uploadFile(t, editor, "c.png", pngBytes(t, 200, 100), "COVER")).UploadImage.Media
	b.waitMedia(t, editor, cover.ID)
	raw, _ := base64RawURL(cover.ID)
	var tenant, id uuid.UUID
	copy(tenant[:], raw[1:17])
	copy(id[:], raw[17:])
	use := func(published bool) {
		err := postgres.InTenantTx(context.Background(), b.app.Pool, tenant, func(tx pgx.Tx) error {
			return media.SetUsages(context.Background(), tx, tenant, media.Usage{UserType: "article", UserID: uuid.New(), Label: "学习二十大", Published: published}, []uuid.UUID{id})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	use(true)
	del := `mutation($id: ID!) { deleteMedia(input: {id: $id}) { ok } }`
	r := b.post(t, del, map[string]any{"id": cover.ID}, bearer(editor)...)
	if r.code(0) != "CONFLICT" || !strings.Contains(r.Errors[0].Message, "学习二十大") {
		t.Fatalf("deleting a published cover: %+v", r.Errors)
	}
	// Unpublished users do not block deletion.
	err := postgres.InTenantTx(context.Background(), b.app.Pool, tenant, func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), `UPDATE media_usages SET published = false`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := b.post(t, del, map[string]any{"id": cover.ID}, bearer(editor)...); len(r.Errors) != 0 {
		t.Fatalf("delete: %+v", r.Errors)
	}
	key := fmt.Sprintf("t/%s/m/%s/original", tenant, id)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := b.app.Store.Stat(context.Background(), key); apperr.Is(err, apperr.NotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("deleted media's object still stored")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The sweeper removes objects without rows and rows without objects.
	ctx := context.Background()
	orphan := fmt.Sprintf("t/%s/m/%s/original", tenant, uuid.New())
	if err := b.app.Store.Put(ctx, orphan, strings.NewReader("orphan"), 6, "text/plain"); err != nil {
		t.Fatal(err)
	}
	raw, _ = base64RawURL(photo.ID)
	var photoID uuid.UUID
	copy(photoID[:], raw[17:])
	if err := b.app.Store.Delete(ctx, fmt.Sprintf("t/%s/m/%s/original", tenant, photoID)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // the orphan must be older than the 1ns grace
	rep, err := b.app.Media.Sweep(auth.WithPrincipal(ctx, auth.SystemPrincipal(tenant)))
	if err != nil {
		t.Fatal(err)
	}
	if rep.OrphanObjects < 1 || rep.MissingObjects != 1 {
		t.Fatalf("sweep: %s", rep)
	}
	if _, err := b.app.Store.Stat(ctx, orphan); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("orphan survived the sweep: %v", err)
	}
}

// TestSweepKeepsFilesWhenStoreAndDatabaseDisagree: a server pointed at
// the wrong bucket (a mistyped name is created empty at start) finds every
// file missing, and one whose database lost its rows (restored from an
// older copy) finds every object unknown; either sweep removes nothing,
// says to check the settings, and the files are still served.
func TestSweepKeepsFilesWhenStoreAndDatabaseDisagree(t *testing.T) {
	t.Parallel()
	b, _ := setupMedia(t, map[string]string{"ZHDJ_MEDIA_ORPHAN_GRACE": "1ns"})
	editor, _ := b.login(t, "editor", demoPassword)
	var keys []string
	for range 3 {
		keys = append(keys, objectKeyOf(t, b, b.readyCover(t, editor)))
	}
	cfg := b.cfg
	cfg.S3.Bucket = "zhdj-media-typo"
	wrong := (&testBundle{cfg: cfg, demo: b.demo, db: b.db}).replica(t)
	ctx := context.Background()
	tenant := b.demo.School.ID
	sweep := auth.WithPrincipal(ctx, auth.SystemPrincipal(tenant))
	var before int
	if err := b.count(t, tenant, `SELECT count(*) FROM media WHERE status = 'ready'`, &before); err != nil || before < 3 {
		t.Fatalf("ready files %d %v", before, err)
	}
	rep, err := wrong.app.Media.Sweep(sweep)
	if err == nil || !strings.Contains(err.Error(), "storage settings") || rep.MissingObjects != 0 {
		t.Fatalf("sweep of the wrong bucket: %s, %v", rep, err)
	}
	var after int
	if err := b.count(t, tenant, `SELECT count(*) FROM media WHERE status = 'ready'`, &after); err != nil || after != before {
		t.Fatalf("ready files %d after the sweep, %d before %v", after, before, err)
	}
	if rep, err := b.app.Media.Sweep(sweep); err != nil || rep.MissingObjects != 0 || rep.OrphanObjects != 0 {
		t.Fatalf("sweep of the right bucket: %s, %v", rep, err)
	}

	// The rows gone, as in a database restored from before the uploads.
	if err := b.asOwner(t, tenant, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM media_derivatives; DELETE FROM media`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	rep, err = b.app.Media.Sweep(sweep)
	if err == nil || !strings.Contains(err.Error(), "known to no row") || rep.OrphanObjects != 0 {
		t.Fatalf("sweep with the rows gone: %s, %v", rep, err)
	}
	for _, k := range keys {
		if _, err := b.app.Store.Stat(ctx, k); err != nil {
			t.Fatalf("%s after the sweep: %v", k, err)
		}
	}
}

func base64RawURL(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(s) }
