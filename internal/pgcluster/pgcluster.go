// Package pgcluster runs a private PostgreSQL cluster from the machine's
// installed server binaries: the throw-away clusters of the test suite and
// the persistent one of `zhdj dev` under .data/postgres.
//
// PostgreSQL refuses to run as root. When the process is root, the data
// folder is handed to the "postgres" system user and every server command
// runs through `runuser -u postgres --`.
//
// The cluster listens on 127.0.0.1 only, has no Unix socket, and requires a
// password (SCRAM) for its superuser; the password is generated at init and
// kept in a 0600 file beside the data folder.
package pgcluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Superuser is the name of the cluster's bootstrap superuser.
const Superuser = "postgres"

// Cluster is one data folder and the server that may be running on it.
type Cluster struct {
	// Dir is the data folder (PGDATA).
	Dir string
	// Port is the TCP port on 127.0.0.1.
	Port int
	// Settings are extra server settings written at init (name → value).
	Settings map[string]string

	bin      string
	password string
	runAs    *user.User // nil when not root
}

// New describes a cluster in dir on port. It finds the server binaries
// (PATH first, then Debian's /usr/lib/postgresql/<version>/bin, newest first)
// and fails with an install hint when there are none.
func New(dir string, port int) (*Cluster, error) {
	bin, err := FindBinaries()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: abs, Port: port, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("pgcluster: running as root needs the 'postgres' system user (apt-get install postgresql creates it): %w", err)
		}
		c.runAs = u
	}
	return c, nil
}

// FindBinaries returns the folder holding initdb, pg_ctl and postgres.
func FindBinaries() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		real, err := filepath.EvalSymlinks(p)
		if err == nil {
			p = real
		}
		return filepath.Dir(p), nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(matches, func(i, j int) bool { return versionOf(matches[i]) > versionOf(matches[j]) })
	if len(matches) > 0 {
		return filepath.Dir(matches[0]), nil
	}
	return "", errors.New("pgcluster: PostgreSQL server binaries (initdb, pg_ctl) not found; install them with `apt-get install postgresql` or run `make deps`")
}

func versionOf(initdbPath string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdbPath))))
	return v
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (c *Cluster) passwordFile() string { return c.Dir + ".password" }

// Initialised reports whether Dir already holds a cluster.
func (c *Cluster) Initialised() bool {
	_, err := os.Stat(filepath.Join(c.Dir, "PG_VERSION"))
	return err == nil
}

// Init creates the cluster unless Dir already holds one, and loads the
// superuser password either way.
func (c *Cluster) Init(ctx context.Context) error {
	if c.Initialised() {
		pw, err := os.ReadFile(c.passwordFile())
		if err != nil {
			return fmt.Errorf("pgcluster: read password of existing cluster: %w", err)
		}
		c.password = strings.TrimSpace(string(pw))
		return nil
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return fmt.Errorf("pgcluster: create data folder: %w", err)
	}
	// The server user must be able to reach the data folder.
	if err := os.Chmod(filepath.Dir(c.Dir), 0o755); err != nil {
		return fmt.Errorf("pgcluster: open parent folder: %w", err)
	}
	buf := make([]byte, 18)
	if _, err := rand.Read(buf); err != nil {
		return err
	}
	c.password = hex.EncodeToString(buf)
	if err := os.WriteFile(c.passwordFile(), []byte(c.password+"\n"), 0o600); err != nil {
		return fmt.Errorf("pgcluster: write password file: %w", err)
	}
	// initdb reads the password from a file the server user can read; it is
	// removed as soon as initdb is done.
	pwTmp := c.Dir + ".initdb-pw"
	if err := os.WriteFile(pwTmp, []byte(c.password+"\n"), 0o600); err != nil {
		return err
	}
	defer os.Remove(pwTmp)
	if err := c.chown(c.Dir, pwTmp); err != nil {
		return err
	}
	out, err := c.run(ctx, "initdb", "-D", c.Dir, "-U", Superuser, "--pwfile", pwTmp,
		"--auth", "scram-sha-256", "--encoding", "UTF8", "--locale", "C", "--no-sync", "--no-instructions")
	if err != nil {
		return fmt.Errorf("pgcluster: initdb: %w\n%s", err, out)
	}
	conf := []string{
		"listen_addresses = '127.0.0.1'",
		"unix_socket_directories = ''",
		"max_connections = 300",
		"timezone = 'UTC'",
		"log_timezone = 'UTC'",
	}
	keys := make([]string, 0, len(c.Settings))
	for k := range c.Settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		conf = append(conf, fmt.Sprintf("%s = '%s'", k, strings.ReplaceAll(c.Settings[k], "'", "''")))
	}
	f, err := os.OpenFile(filepath.Join(c.Dir, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString("\n# zhdj private cluster\n" + strings.Join(conf, "\n") + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start(ctx context.Context) error {
	if c.password == "" {
		return errors.New("pgcluster: Start before Init")
	}
	out, err := c.run(ctx, "pg_ctl", "-D", c.Dir, "-l", filepath.Join(c.Dir, "server.log"),
		"-o", fmt.Sprintf("-p %d", c.Port), "-w", "-t", "60", "start")
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(c.Dir, "server.log"))
		return fmt.Errorf("pgcluster: start on port %d: %w\n%s\n%s", c.Port, err, out, tail(string(log), 2000))
	}
	return nil
}

// Running reports whether a server is running on Dir.
func (c *Cluster) Running(ctx context.Context) bool {
	_, err := c.run(ctx, "pg_ctl", "-D", c.Dir, "status")
	return err == nil
}

// Stop shuts the server down (fast mode: sessions are cut, nothing is lost).
func (c *Cluster) Stop(ctx context.Context) error {
	out, err := c.run(ctx, "pg_ctl", "-D", c.Dir, "-m", "fast", "-w", "-t", "60", "stop")
	if err != nil {
		return fmt.Errorf("pgcluster: stop: %w\n%s", err, out)
	}
	return nil
}

// Standby makes a streaming replica of the running cluster in dir, to
// listen on port: a base backup (pg_basebackup, its WAL streamed) with
// standby.signal and the connection to this cluster written, so that it
// starts as a hot standby replaying this cluster's changes. The standby
// has this cluster's superuser and password (the backup copies them). The
// cluster's pg_hba.conf must let its superuser replicate from 127.0.0.1
// (initdb's default does).
func (c *Cluster) Standby(ctx context.Context, dir string, port int) (*Cluster, error) {
	if c.password == "" {
		return nil, errors.New("pgcluster: Standby before Init")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	s := &Cluster{Dir: abs, Port: port, bin: c.bin, password: c.password, runAs: c.runAs}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("pgcluster: create standby folder: %w", err)
	}
	if err := os.Chmod(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("pgcluster: open parent folder: %w", err)
	}
	if err := s.chown(abs); err != nil {
		return nil, err
	}
	out, err := c.runWith(ctx, []string{"PGPASSWORD=" + c.password}, "pg_basebackup",
		"-h", "127.0.0.1", "-p", strconv.Itoa(c.Port), "-U", Superuser, "-D", abs,
		"-X", "stream", "-c", "fast", "-R", "--no-sync")
	if err != nil {
		return nil, fmt.Errorf("pgcluster: base backup for a standby: %w\n%s", err, out)
	}
	if err := os.WriteFile(s.passwordFile(), []byte(c.password+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("pgcluster: write password file: %w", err)
	}
	return s, nil
}

// URL returns a connection URL for database as the superuser.
func (c *Cluster) URL(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(Superuser, c.password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// chown hands paths (recursively) to the server user when we are root.
func (c *Cluster) chown(paths ...string) error {
	if c.runAs == nil {
		return nil
	}
	uid, _ := strconv.Atoi(c.runAs.Uid)
	gid, _ := strconv.Atoi(c.runAs.Gid)
	for _, root := range paths {
		err := filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, uid, gid)
		})
		if err != nil {
			return fmt.Errorf("pgcluster: hand %s to the server user: %w", root, err)
		}
	}
	return nil
}

func (c *Cluster) run(ctx context.Context, tool string, args ...string) ([]byte, error) {
	return c.runWith(ctx, nil, tool, args...)
}

// runWith is run with extra environment variables.
func (c *Cluster) runWith(ctx context.Context, env []string, tool string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bin, tool)
	var cmd *exec.Cmd
	if c.runAs != nil {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", c.runAs.Username, "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	// The server must outlive a Ctrl-C aimed at our process group long
	// enough for us to stop it cleanly; it gets its own session.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Dir = "/"
	cmd.Env = append(append(os.Environ(), "LC_ALL=C"), env...)
	return cmd.CombinedOutput()
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// WaitReady polls until a TCP connection to the port succeeds or ctx ends.
func (c *Cluster) WaitReady(ctx context.Context) error {
	for {
		conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)), time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
