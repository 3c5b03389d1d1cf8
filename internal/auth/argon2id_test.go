package auth

import (
	"strings"
	"testing"

	"shequ"
)

// fast is cheap parameters for tests.
var fast = &Argon2id{Memory: 64, Time: 1, Threads: 1}

func TestHashVerify(t *testing.T) {
	t.Parallel()
	for _, a := range []*Argon2id{fast, Default()} {
		h, err := a.Hash("长城 correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h, "$argon2id$v=19$m=") {
			t.Errorf("hash %q", h)
		}
		ok, err := a.Verify("长城 correct horse battery", h)
		if err != nil || !ok {
			t.Errorf("Verify right password = %v, %v", ok, err)
		}
		ok, err = a.Verify("长城 correct horse batterY", h)
		if err != nil || ok {
			t.Errorf("Verify wrong password = %v, %v", ok, err)
		}
		if a.NeedsRehash(h) {
			t.Errorf("NeedsRehash(own hash) = true")
		}
		h2, _ := a.Hash("长城 correct horse battery")
		if h2 == h {
			t.Error("two hashes of one password are equal: salt not random")
		}
	}
	if h, _ := fast.Hash("x"); !Default().NeedsRehash(h) {
		t.Error("NeedsRehash with other parameters = false")
	}
	if _, err := (&Argon2id{}).Hash("x"); err == nil {
		t.Error("zero Argon2id hashed")
	}
}

// TestVerifyKnown checks a hash made by the reference implementation
// (argon2 CLI: echo -n password | argon2 somesalt -id -t 2 -m 16 -p 1 -l 32).
func TestVerifyKnown(t *testing.T) {
	t.Parallel()
	const h = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	ok, err := fast.Verify("password", h)
	if err != nil || !ok {
		t.Fatalf("Verify reference hash = %v, %v", ok, err)
	}
}

func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	good, _ := fast.Hash("password")
	f := strings.Split(good, "$")
	tests := []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$" + f[4] + "$" + f[5],
		"$argon2id$v=16$m=64,t=1,p=1$" + f[4] + "$" + f[5],
		"$argon2id$v=19$m=64,t=1$" + f[4] + "$" + f[5],
		"$argon2id$v=19$t=1,m=64,p=1$" + f[4] + "$" + f[5],
		"$argon2id$v=19$m=0,t=1,p=1$" + f[4] + "$" + f[5],
		"$argon2id$v=19$m=64,t=0,p=1$" + f[4] + "$" + f[5],
		"$argon2id$v=19$m=64,t=1,p=0$" + f[4] + "$" + f[5],
		"$argon2id$v=19$m=64,t=1,p=256$" + f[4] + "$" + f[5],
		"$argon2id$v=19$m=8,t=1,p=2$" + f[4] + "$" + f[5],
		"$argon2id$v=19$m=99999999999,t=1,p=1$" + f[4] + "$" + f[5],
		"$argon2id$v=19$m=64,t=1000,p=1$" + f[4] + "$" + f[5],
		"$argon2id$v=19$m=-1,t=1,p=1$" + f[4] + "$" + f[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + f[4] + "=$" + f[5],
		"$argon2id$v=19$m=64,t=1,p=1$$" + f[5],
		"$argon2id$v=19$m=64,t=1,p=1$" + f[4] + "$",
		"$argon2id$v=19$m=64,t=1,p=1$" + f[4] + "$" + f[5] + "$",
		"$argon2id$v=19$m=64,t=1,p=1$" + f[4] + "$!!!!",
	}
	for _, h := range tests {
		if ok, err := fast.Verify("password", h); err == nil || ok {
			t.Errorf("Verify(%q) = %v, %v; want error", h, ok, err)
		}
		if !fast.NeedsRehash(h) {
			t.Errorf("NeedsRehash(%q) = false", h)
		}
	}
}

func FuzzVerify(f *testing.F) {
	good, _ := fast.Hash("password")
	f.Add("password", good)
	f.Add("password", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$c29tZXNhbHQ")
	f.Add("", "$argon2id$v=19$m=,t=,p=$$")
	f.Fuzz(func(t *testing.T, password, hash string) {
		// Keep the fuzzer's cost bounded: parsed parameters are capped, but a
		// 2 GiB hash is valid; only run cheap ones.
		if p, err := parse(hash); err == nil && (p.memory > 1024 || p.time > 2) {
			return
		}
		ok, err := fast.Verify(password, hash)
		if err != nil && ok {
			t.Fatalf("Verify = true with error %v", err)
		}
	})
}

func TestRandomPassword(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 200 {
		p := RandomPassword()
		if len(p) != 23 || strings.Count(p, "-") != 3 {
			t.Fatalf("RandomPassword() = %q", p)
		}
		for _, g := range strings.Split(p, "-") {
			if len(g) != 5 || strings.Trim(g, passwordAlphabet) != "" {
				t.Fatalf("RandomPassword() = %q", p)
			}
		}
		if err := shequ.ValidatePassword(p, "admin"); err != nil {
			t.Fatalf("RandomPassword() %q fails the policy: %v", p, err)
		}
		if seen[p] {
			t.Fatalf("RandomPassword() repeated %q", p)
		}
		seen[p] = true
	}
}
