// Package miniotest runs a real MinIO server for a test: the pinned binary
// that `make minio` installs into .data/bin (or ZHDJ_MINIO_BIN), on a free
// loopback port, with a throw-away data folder and generated credentials.
// A missing binary fails the test; it never skips it.
package miniotest

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"strconv"
	"testing"

	"zhdj/internal/minioproc"
)

// Start runs a fresh MinIO for the test and stops it when the test ends.
func Start(t testing.TB) *minioproc.Server {
	t.Helper()
	bin, err := minioproc.Binary()
	if err != nil {
		t.Fatal("miniotest: ", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	s := &minioproc.Server{
		Endpoint: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), AccessKey: "zhdj" + random(6), SecretKey: random(20),
		Bin: bin, Dir: t.TempDir(),
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}
