package stack

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// CPU is processor time used so far (user + system) by the zhdj server and
// by PostgreSQL (the postmaster and every process it started). Differences
// of two readings say what a phase cost, which — unlike throughput on a
// shared machine whose speed varies — compares well between runs.
type CPU struct{ Server, Postgres time.Duration }

// Sub is c minus an earlier reading.
func (c CPU) Sub(earlier CPU) CPU {
	return CPU{Server: c.Server - earlier.Server, Postgres: c.Postgres - earlier.Postgres}
}

// CPU reads the processor time of the server and PostgreSQL (zero where a
// reading is not possible, as on a system without /proc).
func (s *Stack) CPU() CPU {
	var c CPU
	if s.srv != nil && s.srv.Process != nil {
		c.Server, _ = processCPU(s.srv.Process.Pid)
	}
	if s.pg == nil {
		return c
	}
	head, err := os.ReadFile(filepath.Join(s.pg.Dir, "postmaster.pid"))
	if err != nil {
		return c
	}
	postmaster, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(head), "\n", 2)[0]))
	if err != nil {
		return c
	}
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		if t, parent := processCPU(pid); pid == postmaster || parent == postmaster {
			c.Postgres += t
		}
	}
	return c
}

// processCPU returns a process's user + system time and its parent's pid.
func processCPU(pid int) (time.Duration, int) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0
	}
	// The command name (field 2) may hold spaces: fields start after ")".
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, 0
	}
	parent, _ := strconv.Atoi(f[1])
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	// Linux reports clock ticks of 1/100 s (USER_HZ) on every platform Go
	// supports there.
	return time.Duration(utime+stime) * 10 * time.Millisecond, parent
}
