//go:build !race

package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"shequ"
	"shequ/internal/demo"
	"shequ/internal/testenv"
)

// Rolling upgrades (issue 18 item 6): the previous release's binary, built
// from the commit named in testdata/previous-release, runs against the
// schema of this tree. Two orders:
//
//   - new schema first: this tree migrates an empty database, then the old
//     binary serves on it (a rollback of the program after an upgrade, and
//     the old servers of a rolling upgrade once the first new one migrated);
//   - rolling: the old binary migrates and serves, this tree migrates under
//     it (expand-only migrations), the old server keeps serving, and a new
//     server serves beside it on the same database.
//
// In each, the old server takes a submission through the API and serves a
// page, and the new one reads the old one's submission. The test is built
// without the race detector (it runs in scripts/test's second step: it
// builds a binary and runs it). Without git or the commit it fails in strict
// mode (SHEQU_TEST_STRICT=1), as in CI, whose clone has the full history.

// previousReleaseFile names the commit of the previous release.
const previousReleaseFile = "testdata/previous-release"

// oldServerReady bounds the old binary's start on a busy machine.
const oldServerReady = 3 * time.Minute

func TestRollingUpgradeFromPreviousRelease(t *testing.T) {
	bin := previousReleaseBinary(t)
	orders := []struct {
		name    string
		rolling bool
	}{{"new schema first", false}, {"rolling", true}}
	emptyEngines(t, func(t *testing.T, dsn string) {
		for _, o := range orders {
			t.Run(o.name, func(t *testing.T) {
				dsn := dsn
				if strings.HasPrefix(dsn, "postgres") {
					dsn = postgresSchemaDSN(t) // a database of each order's own
				} else {
					dsn = filepath.Join(t.TempDir(), "shequ.db")
				}
				rollingUpgrade(t, bin, dsn, o.rolling)
			})
		}
	})
}

// rollingUpgrade runs one order of the upgrade on an empty database.
func rollingUpgrade(t *testing.T, bin, dsn string, rolling bool) {
	var secret string
	if rolling {
		// The old program makes its own schema, divisions, account and
		// token: nothing of this tree touches the database before its
		// migration below.
		for _, args := range [][]string{
			{"migrate", "-db", dsn},
			{"import", "divisions", "-quiet", "-prefix", demo.County, "-db", dsn},
			{"user", "add", "-username", "upgrade-worker", "-password", "correct horse battery staple",
				"-role", "community_worker", "-scope", demo.Community, "-db", dsn},
		} {
			if out, err := oldCommand(t, bin, args...).CombinedOutput(); err != nil {
				t.Fatalf("old %s: %v\n%s", strings.Join(args[:2], " "), err, out)
			}
		}
		out, err := oldCommand(t, bin, "token", "create", "-username", "upgrade-worker", "-db", dsn).Output()
		if err != nil {
			t.Fatalf("old token create: %v", err)
		}
		secret = finalLine(string(out))
	} else {
		if code, out, errs := cli(t, nil, "migrate", "-db", dsn); code != exitOK {
			t.Fatalf("migrate: %d %s%s", code, out, errs)
		}
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", demo.County, "-db", dsn); code != exitOK {
			t.Fatalf("import divisions: %d %s%s", code, out, errs)
		}
		secret = token(t, dsn, "upgrade-worker", "community_worker", demo.Community)
	}
	old := startOldServer(t, bin, dsn)
	viaOld := apiClient{t: t, base: old.base, token: secret}
	first := submitThrough(t, viaOld, "old server")
	pageThrough(t, old.base, "old server")

	if rolling {
		// This tree migrates while the old server serves.
		code, out, errs := cli(t, nil, "migrate", "-db", dsn)
		if code != exitOK {
			t.Fatalf("migrate under the old server: %d %s%s", code, out, errs)
		}
		code, out, errs = cli(t, nil, "migrate", "status", "-db", dsn)
		if code != exitOK {
			t.Fatalf("migrate status: %d %s%s", code, out, errs)
		}
		t.Logf("after the new migration: %s", finalLine(out))
		// The old server goes on taking submissions and serving pages.
		submitThrough(t, viaOld, "old server after the new migration")
		pageThrough(t, old.base, "old server after the new migration")
	}

	// A new server beside the old one reads what the old one wrote, and
	// the old one what the new one wrote.
	viaNew := apiClient{t: t, base: "http://" + startServerOn(t, dsn).Addr(), token: secret}
	if code, res := viaNew.do("GET", "/api/v1/requests/"+first, nil); code != http.StatusOK || res["id"] != first {
		t.Errorf("new server reading the old server's submission %s: %d %v", first, code, res)
	}
	second := submitThrough(t, viaNew, "new server")
	if code, res := viaOld.do("GET", "/api/v1/requests/"+second, nil); code != http.StatusOK || res["id"] != second {
		t.Errorf("old server reading the new server's submission %s: %d %v", second, code, res)
	}
	submitThrough(t, viaOld, "old server beside the new one")
	pageThrough(t, old.base, "old server beside the new one")
	if t.Failed() {
		t.Logf("old server's log:\n%s", old.logTail())
	}
}

// submitThrough files a request (办件) through c and returns its id.
func submitThrough(t *testing.T, c apiClient, who string) string {
	t.Helper()
	start := time.Now().In(shequ.Shanghai).AddDate(0, 0, 7).Format("2006-01-02") + " 09:00"
	code, res := c.do("POST", "/api/v1/requests", map[string]any{
		"service_code": "WT-001", "channel": "phone", "community_code": demo.Community,
		"attributes": map[string][]string{"venue": {"hall"}, "start": {start}, "people": {"12"}},
	})
	id, _ := res["id"].(string)
	if code != http.StatusCreated || id == "" {
		t.Fatalf("%s: submission answered %d %v", who, code, res)
	}
	return id
}

// pageThrough reads the public catalogue page (a full page through the
// templates) from base.
func pageThrough(t *testing.T, base, who string) {
	t.Helper()
	resp, err := http.Get(base + "/services")
	if err != nil {
		t.Fatalf("%s: page: %v", who, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("</html>")) {
		t.Fatalf("%s: /services answered %d (%d bytes)", who, resp.StatusCode, len(body))
	}
}

// oldServer is the previous release's `shequ serve`, in a process of its
// own.
type oldServer struct {
	base string
	log  *lockedBuffer
}

func (s *oldServer) logTail() string {
	out := s.log.String()
	if len(out) > 4000 {
		out = out[len(out)-4000:]
	}
	return out
}

// lockedBuffer collects a process's output, read while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// oldCommand runs the old binary with the test's data folder (the key file
// every program on the database shares) and none of the caller's SHEQU_
// settings.
func oldCommand(t *testing.T, bin string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, append(args, "-data-dir", dataDir(t))...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SHEQU_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	return cmd
}

// oldServerURL finds the address the old server prints once it listens.
var oldServerURL = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)

// startOldServer starts the old binary's server on dsn and waits until it
// is ready; it is stopped (SIGTERM, then SIGKILL) at cleanup.
func startOldServer(t *testing.T, bin, dsn string) *oldServer {
	t.Helper()
	// The old server listens on a port it picks (":0") and prints its
	// address. (A port found free here and closed again before the old
	// server bound it could be taken meanwhile by another test running in
	// parallel, whose server then answered this test's requests.)
	s := &oldServer{log: &lockedBuffer{}}
	cmd := oldCommand(t, bin, "serve", "-db", dsn, "-addr", "127.0.0.1:0", "-log-level", "warn")
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the old server: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	deadline := time.Now().Add(oldServerReady)
	for {
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("the old server exited: %v\n%s", err, s.logTail())
		default:
		}
		if s.base == "" {
			s.base = oldServerURL.FindString(s.log.String())
		}
		if s.base != "" { // listening
			if resp, err := http.Get(s.base + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return s
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the old server was not ready within %v\n%s", oldServerReady, s.logTail())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// previousReleaseBinary returns the previous release's `shequ`, built once
// per commit into the user's cache folder (a rebuild needs only the Go
// build cache then).
func previousReleaseBinary(t *testing.T) string {
	t.Helper()
	unavailable := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if testenv.Strict() {
			t.Fatalf("the previous release is required (SHEQU_TEST_STRICT=1): %s", msg)
		}
		t.Skipf("SKIP-BACKEND: previous release: %s", msg)
	}
	commit, err := readPreviousRelease(previousReleaseFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("git"); err != nil {
		unavailable("git is not installed")
	}
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		unavailable("not in a git clone: %v", err)
	}
	root := strings.TrimSpace(string(top))
	if err := exec.Command("git", "-C", root, "cat-file", "-e", commit+"^{commit}").Run(); err != nil {
		unavailable("commit %s is not in this clone (a shallow clone?)", commit)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "shequ-test", "release-"+commit)
	bin := filepath.Join(dir, "shequ")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.MkdirTemp(dir, "src-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(src)
	archive := filepath.Join(src, "tree.tar")
	if out, err := exec.Command("git", "-C", root, "archive", "--format=tar", "-o", archive, commit).CombinedOutput(); err != nil {
		t.Fatalf("git archive %s: %v\n%s", commit, err, out)
	}
	if out, err := exec.Command("tar", "-xf", archive, "-C", src).CombinedOutput(); err != nil {
		t.Fatalf("unpack %s: %v\n%s", commit, err, out)
	}
	// Built to a temporary name and renamed: two test processes building
	// at once each end with a whole binary.
	tmp := filepath.Join(dir, "shequ.tmp"+strconv.Itoa(os.Getpid()))
	// Built with the flags the tests are built with (no -trimpath, the
	// environment's CGO_ENABLED), so that the dependencies come from the
	// build cache the test run has just filled: with -trimpath and cgo off
	// every dependency was compiled again (867 s at load 15).
	build := exec.Command("go", "build", "-ldflags", "-X main.version=release-"+commit[:12], "-o", tmp, "./cmd/shequ")
	build.Dir = src
	began := time.Now()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the previous release %s: %v\n%s", commit, err, out)
	}
	if err := os.Rename(tmp, bin); err != nil {
		t.Fatal(err)
	}
	t.Logf("built the previous release %s in %.0f s", commit[:12], time.Since(began).Seconds())
	return bin
}

// readPreviousRelease reads the commit of the previous release: the file's
// one line that is not a comment, a full hexadecimal commit id.
func readPreviousRelease(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var commit string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if commit != "" {
			return "", fmt.Errorf("%s: more than one commit", name)
		}
		commit = line
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	if len(commit) != 40 || strings.Trim(commit, "0123456789abcdef") != "" {
		return "", errors.New(name + ": want one full commit id (40 hexadecimal digits)")
	}
	return commit, nil
}

// finalLine is the last non-empty line of out.
func finalLine(out string) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}
