// Command upload measures media uploads end to end: it starts a private
// PostgreSQL, a private MinIO and the zhdj server as separate processes,
// sends a file (1 GiB by default) through each upload flow, and reports
// throughput and how much the server's peak resident memory grew.
//
//	go run ./bench/upload [-size 1073741824] [-zhdj path/to/zhdj]
//
// Target (issue: media): less than 64 MiB of growth per flow. This is a
// benchmark, not a test: it reports, it does not assert in CI.
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"time"

	"zhdj/bench/internal/stack"
	"zhdj/internal/media/mediatest"
)

func main() {
	size := flag.Int64("size", 1<<30, "bytes to upload through each flow")
	bin := flag.String("zhdj", "", "zhdj binary (built into a temporary folder when empty)")
	flag.Parse()
	if err := run(*size, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "bench/upload:", err)
		os.Exit(1)
	}
}

func run(size int64, bin string) error {
	ctx := context.Background()
	s, err := stack.Start(ctx, bin,
		fmt.Sprintf("ZHDJ_MEDIA_MAX_DOCUMENT_BYTES=%d", size+1<<20),
		fmt.Sprintf("ZHDJ_MEDIA_MAX_VIDEO_BYTES=%d", size+1<<20),
		fmt.Sprintf("ZHDJ_MEDIA_QUOTA_BYTES=%d", 4*size+1<<30))
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.Run("seed"); err != nil {
		return err
	}
	pid, err := s.Serve()
	if err != nil {
		return err
	}
	// The seeded content goes through the search indexer first, which
	// loads the segmenter's dictionary (tens of MiB, once): measure the
	// uploads after that, not the dictionary.
	if err := stack.WaitIndexed(ctx, s.OwnerURL); err != nil {
		return err
	}
	base := s.BaseURL
	token, err := login(base)
	if err != nil {
		return err
	}
	fmt.Printf("\nserver pid %d; uploading %s through each flow\n\n", pid, human(size))
	fmt.Printf("%-34s %12s %14s %16s %8s\n", "flow", "seconds", "MiB/s", "peak RSS growth", "target")

	before := stack.PeakRSS(pid)
	start := time.Now()
	if err := directUpload(base, token, size); err != nil {
		return fmt.Errorf("direct upload: %w", err)
	}
	report("direct multipart (presigned parts)", size, time.Since(start), stack.PeakRSS(pid)-before)

	before = stack.PeakRSS(pid)
	start = time.Now()
	if err := apiUpload(base, token, size); err != nil {
		return fmt.Errorf("API upload: %w", err)
	}
	report("GraphQL multipart (uploadImage)", size, time.Since(start), stack.PeakRSS(pid)-before)
	return nil
}

func report(flow string, size int64, d time.Duration, growth int64) {
	verdict := "ok"
	if growth >= 64<<20 {
		verdict = "MISSED"
	}
	fmt.Printf("%-34s %12.1f %14.1f %13.1f MiB %8s\n", flow, d.Seconds(), float64(size)/(1<<20)/d.Seconds(), float64(growth)/(1<<20), verdict)
}

func login(base string) (string, error) {
	var d struct{ Login struct{ AccessToken string } }
	err := stack.GraphQL(base, "", `mutation { login(input: {school: "demo", identifier: "editor", password: "zhdj-demo-2026"}) { accessToken } }`, nil, &d)
	return d.Login.AccessToken, err
}

// payload is a deterministic byte stream with a file-type signature first.
func payload(size int64, magic string) io.Reader {
	return io.MultiReader(strings.NewReader(magic), io.LimitReader(rand.NewChaCha8([32]byte{7}), size-int64(len(magic))))
}

// video is a real video of size bytes (the server's ffprobe and ffmpeg
// read it when installed), the same every time.
func video(size int64) (io.Reader, error) {
	return mediatest.Video(size, rand.NewChaCha8([32]byte{7}))
}

func directUpload(base, token string, size int64) error {
	h := sha256.New()
	src, err := video(size)
	if err != nil {
		return err
	}
	if _, err := io.Copy(h, src); err != nil {
		return err
	}
	var s struct {
		CreateUpload struct {
			Media    struct{ ID string }
			PartSize int64
			Parts    []struct {
				Number int
				URL    string
				Size   int64
			}
		}
	}
	err = stack.GraphQL(base, token, `mutation($in: CreateUploadInput!) { createUpload(input: $in) { media { id } partSize parts { number url size } } }`,
		map[string]any{"in": map[string]any{"filename": "bench.mp4", "purpose": "VIDEO", "size": size, "sha256": hex.EncodeToString(h.Sum(nil))}}, &s)
	if err != nil {
		return err
	}
	if src, err = video(size); err != nil {
		return err
	}
	for _, p := range s.CreateUpload.Parts {
		req, _ := http.NewRequest(http.MethodPut, p.URL, io.LimitReader(src, p.Size))
		req.ContentLength = p.Size
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			return fmt.Errorf("part %d: HTTP %d", p.Number, res.StatusCode)
		}
	}
	var done struct {
		CompleteUpload struct{ Media struct{ Status string } }
	}
	if err := stack.GraphQL(base, token, `mutation($id: ID!) { completeUpload(input: {id: $id}) { media { status } } }`, map[string]any{"id": s.CreateUpload.Media.ID}, &done); err != nil {
		return err
	}
	return waitReady(base, token, s.CreateUpload.Media.ID)
}

func waitReady(base, token, id string) error {
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		var d struct {
			Node struct{ Status, Failure string }
		}
		if err := stack.GraphQL(base, token, `query($id: ID!) { node(id: $id) { ... on Media { status failure } } }`, map[string]any{"id": id}, &d); err != nil {
			return err
		}
		switch d.Node.Status {
		case "READY":
			return nil
		case "FAILED":
			return fmt.Errorf("media failed: %s", d.Node.Failure)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("media %s never became ready", id)
}

// apiUpload streams a multipart request with its length declared, as
// browsers send FormData (the client holds only the envelope in memory).
func apiUpload(base, token string, size int64) error {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	ops, _ := json.Marshal(map[string]any{
		"query":     `mutation($in: UploadImageInput!) { uploadImage(input: $in) { media { id status } } }`,
		"variables": map[string]any{"in": map[string]any{"file": nil, "purpose": "ATTACHMENT"}},
	})
	_ = w.WriteField("operations", string(ops))
	_ = w.WriteField("map", `{"0": ["variables.in.file"]}`)
	_, _ = w.CreateFormFile("0", "bench.pdf")
	prefix := append([]byte{}, buf.Bytes()...)
	buf.Reset()
	_ = w.Close()
	trailer := append([]byte{}, buf.Bytes()...)
	body := io.MultiReader(bytes.NewReader(prefix), payload(size, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), bytes.NewReader(trailer))
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", body)
	req.ContentLength = int64(len(prefix)) + size + int64(len(trailer))
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var env struct {
		Data struct {
			UploadImage struct{ Media struct{ ID, Status string } }
		}
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil {
		return err
	}
	if len(env.Errors) > 0 {
		return fmt.Errorf("%s", env.Errors[0].Message)
	}
	return waitReady(base, token, env.Data.UploadImage.Media.ID)
}

func human(n int64) string {
	if n >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
