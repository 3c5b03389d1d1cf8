package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// pgCluster is a throwaway PostgreSQL 15 cluster that a test starts, stops
// and restarts itself (a fault test cannot stop the shared test server).
// It listens on 127.0.0.1 on a port of 56100–56199 and trusts every local
// connection; it is removed at cleanup.
type pgCluster struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	cred *syscall.Credential // the postgres user's when run as root
}

// newPGCluster initialises and starts a cluster, or skips the test when
// PostgreSQL's server programs are not installed.
func newPGCluster(t testing.TB) *pgCluster {
	t.Helper()
	bin := ""
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		bin = strings.TrimSpace(string(out))
	}
	if _, err := os.Stat(filepath.Join(bin, "initdb")); err != nil {
		bin = "/usr/lib/postgresql/15/bin"
		if _, err := os.Stat(filepath.Join(bin, "initdb")); err != nil {
			t.Skip("PostgreSQL server programs (initdb, pg_ctl) are not installed")
		}
	}
	c := &pgCluster{t: t, bin: bin}
	// initdb refuses to run as root: run the cluster as postgres, in a
	// folder it owns.
	dir, err := os.MkdirTemp("", "shequ-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root without a postgres user")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	c.dir = filepath.Join(dir, "data")
	c.port = freePort(t, 56100, 56199)
	c.run("initdb", "-D", c.dir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	c.Start()
	t.Cleanup(func() { c.pgctl("stop", "-m", "immediate") })
	return c
}

// handedPorts are the ports freePort gave out in this process: a port is
// only taken when the server it was found for starts listening, so without
// them two callers could be given the same free port.
var handedPorts = struct {
	sync.Mutex
	m map[int]bool
}{m: map[int]bool{}}

// freePort returns a port of [lo, hi] nobody listens on and no earlier
// call returned.
func freePort(t testing.TB, lo, hi int) int {
	t.Helper()
	handedPorts.Lock()
	defer handedPorts.Unlock()
	for p := lo; p <= hi; p++ {
		if handedPorts.m[p] {
			continue
		}
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err == nil {
			ln.Close()
			handedPorts.m[p] = true
			return p
		}
	}
	t.Fatalf("no free port in %d–%d", lo, hi)
	return 0
}

// run runs one of PostgreSQL's programs as the cluster's user.
func (c *pgCluster) run(name string, args ...string) string {
	c.t.Helper()
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = os.TempDir()
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		c.t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

func (c *pgCluster) pgctl(args ...string) string {
	c.t.Helper()
	return c.run("pg_ctl", append([]string{"-D", c.dir, "-w", "-t", "60"}, args...)...)
}

// Start starts the server and waits until it accepts connections.
func (c *pgCluster) Start() {
	c.t.Helper()
	c.pgctl("start", "-l", filepath.Join(filepath.Dir(c.dir), "log"), "-o",
		fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c fsync=off -c max_connections=60",
			c.port, filepath.Dir(c.dir)))
}

// Stop stops the server ("fast": sessions are ended, as in a restart).
func (c *pgCluster) Stop() {
	c.t.Helper()
	c.pgctl("stop", "-m", "fast")
}

// SQL runs statements with psql as the superuser.
func (c *pgCluster) SQL(stmts ...string) {
	c.t.Helper()
	for _, s := range stmts {
		c.run("psql", "-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", s)
	}
}

// DSN is the URL of the cluster's postgres database.
func (c *pgCluster) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=3", c.port)
}

// waitUntil polls f every 100 ms until it is true or d has passed.
func waitUntil(d time.Duration, f func() bool) bool {
	for end := time.Now().Add(d); ; {
		if f() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}
