// Package minioproc runs a MinIO server binary as a separate process, for
// the local stack (`zhdj dev`) and the tests. MinIO is AGPL software: it is
// only ever run, never imported.
package minioproc

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Server is one MinIO process.
type Server struct {
	Endpoint  string // 127.0.0.1:port
	AccessKey string
	SecretKey string
	Bin       string // the server binary
	Dir       string // data and log folder

	mu      sync.Mutex
	cmd     *exec.Cmd
	logFile *os.File
}

// Binary returns the MinIO server binary: ZHDJ_MINIO_BIN, or .data/bin/minio
// in the module that contains the working directory.
func Binary() (string, error) {
	if b := os.Getenv("ZHDJ_MINIO_BIN"); b != "" {
		return b, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			b := filepath.Join(dir, ".data", "bin", "minio")
			if _, err := os.Stat(b); err != nil {
				return "", fmt.Errorf("no MinIO server at %s; run `make minio` (or set ZHDJ_MINIO_BIN)", b)
			}
			return b, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("module root not found; set ZHDJ_MINIO_BIN")
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
	cmd := exec.Command(s.Bin, "server", filepath.Join(s.Dir, "data"), "--address", s.Endpoint, "--console-address", "127.0.0.1:0", "--quiet")
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+s.AccessKey, "MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off", "MINIO_CI_CD=1")
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
		res, err := http.Get("http://" + s.Endpoint + "/minio/health/live")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			b, _ := os.ReadFile(filepath.Join(s.Dir, "minio.log"))
			return fmt.Errorf("minioproc: MinIO did not come up on %s:\n%s", s.Endpoint, b)
		case <-time.After(100 * time.Millisecond):
		}
	}
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
