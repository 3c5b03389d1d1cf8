// Package testenv tells tests which optional backends this machine offers:
// a PostgreSQL server and a Chromium browser. When one is missing the test is
// skipped, or fails when SHEQU_TEST_STRICT=1 (as in CI), so that a skipped
// backend can never pass for a tested one.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Strict reports whether missing backends fail tests instead of skipping them.
func Strict() bool { return os.Getenv("SHEQU_TEST_STRICT") == "1" }

// missing skips the test, or fails it in strict mode.
func missing(tb testing.TB, what string) {
	tb.Helper()
	if Strict() {
		tb.Fatalf("%s is required (SHEQU_TEST_STRICT=1) but not available", what)
	}
	tb.Skipf("SKIP-BACKEND: %s not available", what)
}

// PostgresDSN returns the DSN of the PostgreSQL server for tests, taken from
// SHEQU_TEST_POSTGRES, or skips the test when none is set.
func PostgresDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("SHEQU_TEST_POSTGRES")
	if dsn == "" {
		missing(tb, "PostgreSQL (set SHEQU_TEST_POSTGRES to a DSN)")
	}
	return dsn
}

// Chromium returns the path of a Chromium binary, from SHEQU_TEST_CHROMIUM or
// the PATH, or skips the test when there is none.
func Chromium(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("SHEQU_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	missing(tb, "Chromium (install chromium or set SHEQU_TEST_CHROMIUM)")
	return ""
}

// LibreOffice returns the path of LibreOffice's soffice (Debian
// libreoffice-calc-nogui), the independent reader of the XLSX exports, or
// skips the test when there is none.
func LibreOffice(tb testing.TB) string {
	tb.Helper()
	if p, err := exec.LookPath("soffice"); err == nil {
		return p
	}
	missing(tb, "LibreOffice (install libreoffice-calc-nogui)")
	return ""
}

// Zbarimg returns the path of zbarimg (Debian zbar-tools), which decodes
// the QR codes the pages draw, or skips the test when there is none.
func Zbarimg(tb testing.TB) string {
	tb.Helper()
	if p, err := exec.LookPath("zbarimg"); err == nil {
		return p
	}
	missing(tb, "zbarimg (install zbar-tools)")
	return ""
}
