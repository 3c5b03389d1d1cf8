// Package auth hashes passwords with argon2id (RFC 9106) in the PHC string
// format that other tools read, and generates one-time passwords. It
// implements shequ.PasswordHasher.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"

	"shequ"
)

// Argon2id hashes passwords with argon2id. Its zero value is not usable:
// start from Default.
type Argon2id struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
}

var _ shequ.PasswordHasher = (*Argon2id)(nil)

// Default returns the OWASP minimum for argon2id: 19 MiB, 2 passes, 1 lane
// (about 20 ms here per login, and 19 MiB each for concurrent logins).
func Default() *Argon2id { return &Argon2id{Memory: 19456, Time: 2, Threads: 1} }

// Sizes of the salt and of the derived key, in bytes.
const (
	saltLen = 16
	keyLen  = 32
)

// Bounds accepted when verifying a stored hash, so that a tampered hash
// cannot make a login allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 21 // KiB, 2 GiB
	maxTime    = 64
	maxKeyLen  = 128
	minSaltLen = 8
	maxSaltLen = 64
)

// b64 is the unpadded standard base64 that PHC strings use.
var b64 = base64.RawStdEncoding

// errMalformed is returned for a stored hash that is not an argon2id PHC
// string this package can check.
var errMalformed = errors.New("malformed argon2id hash")

// Hash returns the PHC string of password with a new random salt:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>.
func (a *Argon2id) Hash(password string) (string, error) {
	if a.Memory == 0 || a.Time == 0 || a.Threads == 0 {
		return "", errors.New("hash password: argon2id parameters not set")
	}
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt) // never fails (crypto/rand, Go 1.24+)
	key := argon2.IDKey([]byte(password), salt, a.Time, a.Memory, a.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, a.Memory, a.Time, a.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches the PHC string hash, comparing in
// constant time. A hash that cannot be parsed, or whose parameters are out of
// bounds, is an error (never a panic). It verifies with the parameters stored
// in the hash, not those of a, so hashes made with older settings still work
// (see NeedsRehash).
func (a *Argon2id) Verify(password, hash string) (bool, error) {
	p, err := parse(hash)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

// NeedsRehash reports whether hash was made with other parameters than a's
// (or cannot be parsed), so that the login flow can store a new hash once the
// password has been verified.
func (a *Argon2id) NeedsRehash(hash string) bool {
	p, err := parse(hash)
	if err != nil {
		return true
	}
	return p.memory != a.Memory || p.time != a.Time || p.threads != a.Threads ||
		len(p.salt) != saltLen || len(p.key) != keyLen
}

// params is a parsed PHC string.
type params struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// parse reads $argon2id$v=19$m=M,t=T,p=P$salt$key.
func parse(hash string) (*params, error) {
	f := strings.Split(hash, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" || f[2] != "v="+strconv.Itoa(argon2.Version) {
		return nil, errMalformed
	}
	var p params
	kv := strings.Split(f[3], ",")
	if len(kv) != 3 {
		return nil, errMalformed
	}
	for i, name := range []string{"m", "t", "p"} {
		k, v, ok := strings.Cut(kv[i], "=")
		if !ok || k != name || v == "" || v[0] == '+' || (len(v) > 1 && v[0] == '0') {
			return nil, errMalformed
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil || n == 0 {
			return nil, errMalformed
		}
		switch name {
		case "m":
			p.memory = uint32(n)
		case "t":
			p.time = uint32(n)
		case "p":
			if n > 255 {
				return nil, errMalformed
			}
			p.threads = uint8(n)
		}
	}
	// argon2 needs at least 8 KiB per lane.
	if p.memory > maxMemory || p.memory < 8*uint32(p.threads) || p.time > maxTime {
		return nil, errMalformed
	}
	var err error
	if p.salt, err = b64.Strict().DecodeString(f[4]); err != nil || len(p.salt) < minSaltLen || len(p.salt) > maxSaltLen {
		return nil, errMalformed
	}
	if p.key, err = b64.Strict().DecodeString(f[5]); err != nil || len(p.key) < 16 || len(p.key) > maxKeyLen {
		return nil, errMalformed
	}
	return &p, nil
}

// passwordAlphabet has lower-case letters and digits without the look-alikes
// 0/o, 1/l/i: 31 symbols.
const passwordAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// RandomPassword returns a one-time password of 4 groups of 5 characters
// joined by hyphens (e.g. "k7m2x-…"), from crypto/rand: 20 symbols of 31,
// about 99 bits, 23 characters, easy to read aloud and to type.
func RandomPassword() string {
	var b strings.Builder
	buf := make([]byte, 1)
	for i := 0; i < 20; {
		_, _ = rand.Read(buf)
		// Rejection sampling: 248 = 8×31, so bytes below it map uniformly.
		if buf[0] >= 248 {
			continue
		}
		if i > 0 && i%5 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(passwordAlphabet[buf[0]%31])
		i++
	}
	return b.String()
}
