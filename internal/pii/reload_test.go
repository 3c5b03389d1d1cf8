package pii

import (
	"path/filepath"
	"testing"

	"shequ"
)

// A running process reads its key file again only when it changed (or when
// forced), takes a ring with the same index key, and refuses one of
// another installation; a key added by another process opens what it
// sealed once adopted, and before that answers "unavailable", not an
// internal error.
func TestReadAgainAdopt(t *testing.T) {
	dir := t.TempDir()
	server, err := LoadKeyRing(env(nil), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, changed, err := server.ReadAgain(false); changed || err != nil {
		t.Fatalf("unchanged file: %v, %v", changed, err)
	}
	if n, changed, err := server.ReadAgain(true); !changed || err != nil || n.CurrentID() != 1 {
		t.Fatalf("forced: %v, %v", changed, err)
	}
	// Another process (shequ keys rotate) adds key 2 and makes it current.
	cli, err := LoadKeyRing(env(nil), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	id, err := cli.AddKey()
	if err != nil || id != 2 || cli.CurrentID() != 1 {
		t.Fatalf("AddKey = %d, %v; current %d", id, err, cli.CurrentID())
	}
	if err := cli.SetCurrent(id); err != nil {
		t.Fatal(err)
	}
	if err := cli.Save(cli.Path()); err != nil {
		t.Fatal(err)
	}
	ct, _ := cli.Seal("11010519491231002X", "x")
	_, err = server.Open(ct, "x")
	if e := shequ.AsError(err); e.Code != shequ.EUnavailable || e.Key != "keys.missing" {
		t.Fatalf("a value under a key not loaded yet: %v (%s/%s)", err, e.Code, e.Key)
	}
	n, changed, err := server.ReadAgain(false)
	if !changed || err != nil {
		t.Fatalf("changed file: %v, %v", changed, err)
	}
	if err := server.Adopt(n); err != nil {
		t.Fatal(err)
	}
	if got, err := server.Open(ct, "x"); err != nil || got != "11010519491231002X" || server.CurrentID() != 2 {
		t.Errorf("after Adopt: %q, %v, current %d", got, err, server.CurrentID())
	}
	if _, changed, _ := server.ReadAgain(false); changed {
		t.Error("the adopted file reads as changed")
	}
	fp1, ok1 := server.Fingerprint(1)
	fp1b, _ := cli.Fingerprint(1)
	fp2, ok2 := server.Fingerprint(2)
	if !ok1 || !ok2 || fp1 != fp1b || fp1 == fp2 || len(fp1) != 32 {
		t.Errorf("fingerprints %q %q %q", fp1, fp1b, fp2)
	}
	if _, ok := server.Fingerprint(9); ok {
		t.Error("a fingerprint of a key not held")
	}
	// A key file of another installation is refused.
	other, err := LoadKeyRing(env(nil), filepath.Join(t.TempDir(), "x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Adopt(other); err == nil {
		t.Error("a ring with another index key was adopted")
	}
	if server.CurrentID() != 2 {
		t.Error("a refused ring changed the keys")
	}
}

// A blocked ring seals nothing and answers the reason; it still opens.
func TestBlockSealing(t *testing.T) {
	k, err := GenerateKeyRing()
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := k.Seal("a", "b")
	reason := shequ.Errorf(shequ.EUnavailable, "keys.retiring", "being retired")
	k.BlockSealing(reason)
	if _, err := k.Seal("a", "b"); err != reason {
		t.Errorf("Seal while blocked = %v", err)
	}
	if got, err := k.Open(ct, "b"); err != nil || got != "a" {
		t.Errorf("Open while blocked = %q, %v", got, err)
	}
	k.UnblockSealing()
	if _, err := k.Seal("a", "b"); err != nil {
		t.Errorf("Seal after unblock = %v", err)
	}
	if err := k.SetCurrent(5); err == nil {
		t.Error("SetCurrent of a key not held")
	}
}
