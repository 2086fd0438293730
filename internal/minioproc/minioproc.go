// Package minioproc runs an S3-compatible server binary as a separate
// process, for the local stack (`zhdj dev`) and the tests: MinIO (the
// default), or SeaweedFS (`weed server -s3`), the second store the media
// tests run against. Both are only ever run, never imported (MinIO is
// AGPL).
package minioproc

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Flavours of S3-compatible server.
const (
	MinIO     = "minio"
	SeaweedFS = "seaweedfs"
)

// Server is one S3 server process.
type Server struct {
	Endpoint  string // 127.0.0.1:port
	AccessKey string
	SecretKey string
	Bin       string // the server binary
	Dir       string // data and log folder
	// Flavour is MinIO (when empty) or SeaweedFS.
	Flavour string

	ports []int // SeaweedFS's inner servers (master, volume, filer; HTTP and gRPC), kept across restarts

	mu      sync.Mutex
	cmd     *exec.Cmd
	logFile *os.File
}

// Binary returns the MinIO server binary: ZHDJ_MINIO_BIN, or .data/bin/minio
// in the module that contains the working directory.
func Binary() (string, error) { return BinaryOf(MinIO) }

// BinaryOf returns the server binary of a flavour: ZHDJ_MINIO_BIN or
// .data/bin/minio (`make minio`); ZHDJ_WEED_BIN or .data/bin/weed (`make
// seaweedfs`).
func BinaryOf(flavour string) (string, error) {
	env, name, target := "ZHDJ_MINIO_BIN", "minio", "make minio"
	if flavour == SeaweedFS {
		env, name, target = "ZHDJ_WEED_BIN", "weed", "make seaweedfs"
	}
	if b := os.Getenv(env); b != "" {
		return b, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			b := filepath.Join(dir, ".data", "bin", name)
			if _, err := os.Stat(b); err != nil {
				return "", fmt.Errorf("no %s server at %s; run `%s` (or set %s)", name, b, target, env)
			}
			return b, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("module root not found; set %s", env)
		}
		dir = parent
	}
}

// Start (re)starts the server process on the same port and data folder and
// waits until it is live.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return nil
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return err
	}
	log, err := os.OpenFile(filepath.Join(s.Dir, "minio.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	cmd, live, err := s.command()
	if err != nil {
		log.Close()
		return err
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("minioproc: start %s: %w", s.Bin, err)
	}
	s.cmd, s.logFile = cmd, log
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		if live() {
			return nil
		}
		select {
		case <-ctx.Done():
			b, _ := os.ReadFile(filepath.Join(s.Dir, "minio.log"))
			return fmt.Errorf("minioproc: %s did not come up on %s:\n%s", s.Bin, s.Endpoint, b)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// command is the server's command line, and how to tell it is live.
func (s *Server) command() (*exec.Cmd, func() bool, error) {
	if s.Flavour != SeaweedFS {
		cmd := exec.Command(s.Bin, "server", filepath.Join(s.Dir, "data"), "--address", s.Endpoint, "--console-address", "127.0.0.1:0", "--quiet")
		cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+s.AccessKey, "MINIO_ROOT_PASSWORD="+s.SecretKey,
			"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=1")
		return cmd, func() bool { return status("http://"+s.Endpoint+"/minio/health/live") == http.StatusOK }, nil
	}
	// SeaweedFS: master, volume server, filer and the S3 gateway in one
	// process, each on a loopback port of its own; the S3 identity from a
	// config file.
	host, port, err := net.SplitHostPort(s.Endpoint)
	if err != nil {
		return nil, nil, err
	}
	if s.ports == nil {
		for range 7 {
			p, err := freePort()
			if err != nil {
				return nil, nil, err
			}
			s.ports = append(s.ports, p)
		}
	}
	identities, _ := json.Marshal(map[string]any{"identities": []any{map[string]any{
		"name": "zhdj", "credentials": []any{map[string]string{"accessKey": s.AccessKey, "secretKey": s.SecretKey}},
		"actions": []string{"Admin", "Read", "List", "Tagging", "Write"}}}})
	conf := filepath.Join(s.Dir, "s3.json")
	if err := os.WriteFile(conf, identities, 0o600); err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, "data"), 0o700); err != nil {
		return nil, nil, err
	}
	p := func(i int) string { return strconv.Itoa(s.ports[i]) }
	cmd := exec.Command(s.Bin, "server", "-dir="+filepath.Join(s.Dir, "data"), "-ip="+host, "-ip.bind="+host,
		"-master.port="+p(0), "-master.port.grpc="+p(1), "-volume.port="+p(2), "-volume.port.grpc="+p(3),
		"-filer", "-filer.port="+p(4), "-filer.port.grpc="+p(5),
		"-s3", "-s3.port="+port, "-s3.port.grpc="+p(6), "-s3.config="+conf,
		"-master.volumeSizeLimitMB=64", "-volume.max=20")
	// Live once the gateway answers (refusing an unsigned request), the
	// filer, where it keeps buckets and uploads, does too, and the master
	// can place a write (after a restart the volume server registers with
	// it a few seconds later; a write before that fails with a 500).
	return cmd, func() bool {
		return status("http://"+s.Endpoint+"/") == http.StatusForbidden && status("http://"+net.JoinHostPort(host, p(4))+"/") == http.StatusOK &&
			status("http://"+net.JoinHostPort(host, p(0))+"/dir/assign") == http.StatusOK
	}, nil
}

// status is the HTTP status of a GET of url, 0 when none came.
func status(url string) int {
	res, err := http.Get(url)
	if err != nil {
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Stop ends the server process (the data folder stays for a restart).
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	s.logFile.Close()
	s.cmd = nil
}
