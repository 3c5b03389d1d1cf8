package pii

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// mustRing returns a fresh random ring.
func mustRing(tb testing.TB) *KeyRing {
	tb.Helper()
	k, err := GenerateKeyRing()
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// env returns a getenv over a map.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestSealOpen(t *testing.T) {
	k := mustRing(t)
	const aad = "resident.id_number:0190f3c2-0000-7000-8000-000000000001"
	for _, plain := range []string{"33052319800101001X", "", "13800138000", "中文 ✓"} {
		ct, err := k.Seal(plain, aad)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ct, "v1:1:") {
			t.Errorf("ciphertext %q lacks the v1:1: prefix", ct)
		}
		if plain != "" && strings.Contains(ct, plain) {
			t.Errorf("ciphertext %q contains the plaintext", ct)
		}
		got, err := k.Open(ct, aad)
		if err != nil || got != plain {
			t.Errorf("Open = %q, %v; want %q", got, err, plain)
		}
	}
	// Two seals of one value differ (random nonces), so equal values do not
	// show up as equal ciphertexts.
	a, _ := k.Seal("x", aad)
	b, _ := k.Seal("x", aad)
	if a == b {
		t.Error("two seals of one value are equal")
	}
}

func TestOpenWrongAAD(t *testing.T) {
	k := mustRing(t)
	ct, _ := k.Seal("33052319800101001X", "resident.id_number:a")
	for _, aad := range []string{"resident.id_number:b", "resident.phone:a", ""} {
		if _, err := k.Open(ct, aad); err == nil {
			t.Errorf("Open with aad %q succeeded", aad)
		}
	}
}

func TestOpenTampered(t *testing.T) {
	k := mustRing(t)
	ct, _ := k.Seal("33052319800101001X", "a")
	prefix, body := ct[:len("v1:1:")], ct[len("v1:1:"):]
	raw, _ := base64.RawURLEncoding.DecodeString(body)
	for i := range raw {
		c := bytes.Clone(raw)
		c[i] ^= 0x01
		if _, err := k.Open(prefix+base64.RawURLEncoding.EncodeToString(c), "a"); err == nil {
			t.Fatalf("Open accepted a flipped bit in byte %d", i)
		}
	}
	if _, err := k.Open(prefix+base64.RawURLEncoding.EncodeToString(raw[:len(raw)-1]), "a"); err == nil {
		t.Error("Open accepted a truncated ciphertext")
	}
	// Another ring (another installation) cannot open it.
	if _, err := mustRing(t).Open(ct, "a"); err == nil {
		t.Error("another ring opened the ciphertext")
	}
}

func TestRotateRetire(t *testing.T) {
	k := mustRing(t)
	old, _ := k.Seal("13800138000", "p")
	id, err := k.Rotate()
	if err != nil || id != 2 || k.CurrentID() != 2 {
		t.Fatalf("Rotate = %d, %v; CurrentID %d", id, err, k.CurrentID())
	}
	if got, err := k.Open(old, "p"); err != nil || got != "13800138000" {
		t.Errorf("Open of a value sealed before rotation = %q, %v", got, err)
	}
	ct, _ := k.Seal("13800138000", "p")
	if kid, err := KeyID(ct); err != nil || kid != 2 {
		t.Errorf("KeyID of a new ciphertext = %d, %v; want 2", kid, err)
	}
	if ids := k.KeyIDs(); len(ids) != 2 || ids[0] != 1 || ids[1] != 2 {
		t.Errorf("KeyIDs = %v", ids)
	}
	if err := k.Retire(2); err == nil {
		t.Error("retired the current key")
	}
	if err := k.Retire(1); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Open(old, "p"); err == nil || !strings.Contains(err.Error(), "not in the ring") {
		t.Errorf("Open under a retired key: %v", err)
	}
	if got, err := k.Open(ct, "p"); err != nil || got != "13800138000" {
		t.Errorf("Open under the current key after retiring the old = %q, %v", got, err)
	}
	if err := k.Retire(1); err == nil {
		t.Error("retired an unknown key")
	}
}

func TestIndex(t *testing.T) {
	k := mustRing(t)
	a := k.Index("id_number", "33052319800101001X")
	if len(a) != 64 || a != k.Index("id_number", "33052319800101001X") {
		t.Errorf("Index is not a deterministic 64-hex value: %q", a)
	}
	if a == k.Index("phone", "33052319800101001X") {
		t.Error("the kind does not change the index")
	}
	if k.Index("ab", "c") == k.Index("a", "bc") {
		t.Error("kind and value are not separated")
	}
	if a == mustRing(t).Index("id_number", "33052319800101001X") {
		t.Error("the index is not keyed")
	}
	// Rotating data keys keeps the index.
	if _, err := k.Rotate(); err != nil {
		t.Fatal(err)
	}
	if k.Index("id_number", "33052319800101001X") != a {
		t.Error("rotation changed the index")
	}
}

func TestLoadKeyRingEnv(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	b64 := base64.StdEncoding.EncodeToString(key)
	k, err := LoadKeyRing(env(map[string]string{"SHEQU_DATA_KEY": b64}), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if k.CurrentID() != 1 || !k.FromEnv() || k.Path() != "" {
		t.Errorf("ring from env: current %d, fromEnv %v, path %q", k.CurrentID(), k.FromEnv(), k.Path())
	}
	// The same key in a file gives the same index (the index key is derived).
	p := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(p, []byte(b64+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k2, err := LoadKeyRing(env(map[string]string{"SHEQU_DATA_KEY_FILE": p}), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if k.Index("id_number", "x") != k2.Index("id_number", "x") {
		t.Error("SHEQU_DATA_KEY and SHEQU_DATA_KEY_FILE with one key index differently")
	}
	ct, _ := k.Seal("v", "a")
	if got, err := k2.Open(ct, "a"); err != nil || got != "v" {
		t.Errorf("Open across env and file rings = %q, %v", got, err)
	}
	if _, err := k.Rotate(); !errors.Is(err, ErrEnvKey) {
		t.Errorf("Rotate of an env ring = %v, want ErrEnvKey", err)
	}
	if err := k.Save(filepath.Join(t.TempDir(), "keys.json")); !errors.Is(err, ErrEnvKey) {
		t.Errorf("Save of an env ring = %v, want ErrEnvKey", err)
	}
	for _, bad := range []string{"not base64!", base64.StdEncoding.EncodeToString([]byte("short"))} {
		if _, err := LoadKeyRing(env(map[string]string{"SHEQU_DATA_KEY": bad}), "", nil); err == nil {
			t.Errorf("SHEQU_DATA_KEY=%q accepted", bad)
		}
	}
	if _, err := LoadKeyRing(env(nil), "", nil); err == nil {
		t.Error("no key and no data directory accepted")
	}
}

func TestLoadKeyRingGenerates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	var logged []string
	logf := func(f string, args ...any) { logged = append(logged, f) }
	k, err := LoadKeyRing(env(nil), dir, logf)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, KeyFileName)
	if k.Path() != path || len(logged) != 1 || !strings.Contains(logged[0], "back it up") {
		t.Errorf("path %q, log %q", k.Path(), logged)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %04o, want 0600", st.Mode().Perm())
	}
	ct, _ := k.Seal("33052319800101001X", "a")

	// Loaded again: the same keys, and nothing logged.
	k2, err := LoadKeyRing(env(nil), dir, logf)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k2.Open(ct, "a"); err != nil || got != "33052319800101001X" || len(logged) != 1 {
		t.Errorf("reloaded ring: %q, %v, log %q", got, err, logged)
	}
	if k.Index("id_number", "x") != k2.Index("id_number", "x") {
		t.Error("reloaded ring indexes differently")
	}

	// Rotate and save; the file stays 0600 and opens both generations.
	if _, err := k2.Rotate(); err != nil {
		t.Fatal(err)
	}
	ct2, _ := k2.Seal("13800138000", "b")
	if err := k2.Save(k2.Path()); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("saved key file mode %04o, want 0600", st.Mode().Perm())
	}
	k3, err := LoadKeyRing(env(nil), dir, logf)
	if err != nil {
		t.Fatal(err)
	}
	if k3.CurrentID() != 2 {
		t.Errorf("CurrentID after reload = %d, want 2", k3.CurrentID())
	}
	for ct, want := range map[string]string{ct: "33052319800101001X", ct2: "13800138000"} {
		aad := "a"
		if want == "13800138000" {
			aad = "b"
		}
		if got, err := k3.Open(ct, aad); err != nil || got != want {
			t.Errorf("Open after save/reload = %q, %v", got, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("data directory holds %d files after Save, want only the key file", len(entries))
	}

	// A JSON ring named by SHEQU_DATA_KEY_FILE is a rotatable key file.
	k4, err := LoadKeyRing(env(map[string]string{"SHEQU_DATA_KEY_FILE": path}), "", nil)
	if err != nil || k4.FromEnv() || k4.Path() != path {
		t.Errorf("JSON ring from SHEQU_DATA_KEY_FILE: %v, fromEnv %v, path %q", err, k4 != nil && k4.FromEnv(), k4.Path())
	}
}

func TestLoadKeyRingRefusesOpenMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	dir := t.TempDir()
	if _, err := LoadKeyRing(env(nil), dir, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, KeyFileName)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadKeyRing(env(nil), dir, nil)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("0644 key file: err = %v, want a chmod 600 hint", err)
	}
}

func TestLoadKeyRingMalformedFile(t *testing.T) {
	for name, text := range map[string]string{
		"not json":        "{",
		"no current key":  `{"current":2,"keys":{"1":"` + base64.StdEncoding.EncodeToString(make([]byte, 32)) + `"},"index":"` + base64.StdEncoding.EncodeToString(make([]byte, 32)) + `"}`,
		"short key":       `{"current":1,"keys":{"1":"AAAA"},"index":"` + base64.StdEncoding.EncodeToString(make([]byte, 32)) + `"}`,
		"no index":        `{"current":1,"keys":{"1":"` + base64.StdEncoding.EncodeToString(make([]byte, 32)) + `"}}`,
		"key id 0":        `{"current":0,"keys":{"0":"` + base64.StdEncoding.EncodeToString(make([]byte, 32)) + `"},"index":"` + base64.StdEncoding.EncodeToString(make([]byte, 32)) + `"}`,
		"unknown field":   `{"current":1,"keys":{},"index":"","extra":1}`,
		"bad key id text": `{"current":1,"keys":{"one":"AAAA"},"index":""}`,
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, KeyFileName), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadKeyRing(env(nil), dir, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzOpen(f *testing.F) {
	k, err := NewKeyRing(1, map[uint32][]byte{1: bytes.Repeat([]byte{1}, 32)}, bytes.Repeat([]byte{2}, 32))
	if err != nil {
		f.Fatal(err)
	}
	good, _ := k.Seal("33052319800101001X", "a")
	for _, s := range []string{good, "", "v1", "v1:", "v1:1:", "v1:0:AAAA", "v1:4294967296:AAAA", "v2:1:AAAA",
		"v1:1:" + strings.Repeat("A", 40), "v1:-1:AA", "v1:1:@@@"} {
		f.Add(s, "a")
	}
	f.Fuzz(func(t *testing.T, ct, aad string) {
		plain, err := k.Open(ct, aad)
		// Only the one sealed value may open (base64 may spell it in more
		// than one way); anything else opening would be a forgery of GCM.
		if err == nil && (aad != "a" || plain != "33052319800101001X") {
			t.Fatalf("Open(%q, %q) = %q", ct, aad, plain)
		}
		_, _ = KeyID(ct)
	})
}
