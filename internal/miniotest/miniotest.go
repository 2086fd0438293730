// Package miniotest runs a real S3 server for a test: the pinned MinIO
// binary that `make minio` installs into .data/bin (or ZHDJ_MINIO_BIN), or,
// with ZHDJ_TEST_S3=seaweedfs, SeaweedFS's weed (`make seaweedfs`, or
// ZHDJ_WEED_BIN), on a free loopback port, with a throw-away data folder
// and generated credentials. A missing binary fails the test; it never
// skips it.
package miniotest

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"strconv"
	"testing"

	"zhdj/internal/minioproc"
)

// Start runs a fresh S3 server for the test (the flavour ZHDJ_TEST_S3
// names; MinIO by default) and stops it when the test ends.
func Start(t testing.TB) *minioproc.Server {
	t.Helper()
	flavour := os.Getenv("ZHDJ_TEST_S3")
	switch flavour {
	case "", minioproc.MinIO, minioproc.SeaweedFS:
	default:
		t.Fatalf("miniotest: ZHDJ_TEST_S3=%q: want minio or seaweedfs", flavour)
	}
	bin, err := minioproc.BinaryOf(flavour)
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
		Bin: bin, Dir: t.TempDir(), Flavour: flavour,
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
