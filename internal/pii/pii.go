// Package pii protects personal data at rest: it implements shequ.Sealer with
// AES-256-GCM under a ring of data keys, and a blind index (HMAC-SHA256) for
// exact lookup and uniqueness of values that are stored only encrypted.
//
// A ciphertext is text: "v1:<keyid>:<base64url(nonce||sealed)>". The key id
// names the data key that sealed it, so that after a rotation old values stay
// readable until they are re-sealed and the old key retired. The additional
// data (aad) binds a value to where it is stored ("resident.id_number:<id>"):
// a ciphertext copied to another row or field fails to open.
//
// The index key is separate from the data keys and does not rotate with them.
// The index of a value must stay the same for as long as the value is stored,
// because unique constraints and lookups compare index values: rotating the
// index key would mean recomputing every index of every table in one step,
// with the clear values (which the store does not have without opening every
// ciphertext) and no old index matching a new one in between. Data keys, in
// contrast, can rotate row by row, since each ciphertext names its key.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"shequ"
)

// KeySize is the size of every key: 32 bytes (AES-256, HMAC-SHA256).
const KeySize = 32

// version is the prefix of the ciphertext format.
const version = "v1"

// indexKeyLabel derives the index key from a single data key given in the
// environment, so that one secret is enough there.
const indexKeyLabel = "shequ index key v1"

// ErrEnvKey is returned when a key ring given by SHEQU_DATA_KEY (or a
// SHEQU_DATA_KEY_FILE holding one key) is asked to rotate or to be saved:
// there is nowhere to keep the new key, and the next start would come up
// without it.
var ErrEnvKey = errors.New("the data key comes from SHEQU_DATA_KEY and cannot be rotated in place; " +
	"switch to a key file (keys.json in the data directory, or SHEQU_DATA_KEY_FILE naming a JSON key ring) " +
	"and rotate there (数据密钥来自环境变量 SHEQU_DATA_KEY，无法就地轮换；请改用密钥文件后再轮换)")

// errOpen is what Open returns for any ciphertext it cannot open: the
// details (wrong key, tampered bytes, other aad) are not told apart, as is
// usual for authenticated encryption.
var errOpen = errors.New("pii: cannot open ciphertext")

// KeyRing holds the data keys by id, the current one for sealing, and the
// index key. It implements shequ.Sealer and is safe for concurrent use.
type KeyRing struct {
	mu      sync.RWMutex
	current uint32
	keys    map[uint32][]byte
	aeads   map[uint32]cipher.AEAD
	index   []byte
	// fromEnv is set for rings built from a single key in the environment.
	fromEnv bool
	// path is the key file the ring was loaded from or generated into, and
	// stamp what its file looked like then (Reload reads it again only
	// when that changed).
	path  string
	stamp fileStamp
	// blocked, when set, is what Seal answers instead of sealing: the key
	// this ring seals with is being retired (see BlockSealing).
	blocked atomic.Pointer[error]
}

var _ shequ.Sealer = (*KeyRing)(nil)

// NewKeyRing returns a ring of the given data keys (each KeySize bytes),
// sealing with current, and the index key.
func NewKeyRing(current uint32, keys map[uint32][]byte, index []byte) (*KeyRing, error) {
	if len(index) != KeySize {
		return nil, fmt.Errorf("pii: the index key has %d bytes, want %d", len(index), KeySize)
	}
	k := &KeyRing{current: current, keys: map[uint32][]byte{}, aeads: map[uint32]cipher.AEAD{},
		index: slices.Clone(index)}
	for id, key := range keys {
		if err := k.add(id, key); err != nil {
			return nil, err
		}
	}
	if _, ok := k.keys[current]; !ok {
		return nil, fmt.Errorf("pii: the current data key %d is not in the ring", current)
	}
	return k, nil
}

// GenerateKeyRing returns a new ring with one random data key (id 1) and a
// random index key.
func GenerateKeyRing() (*KeyRing, error) {
	data, index := make([]byte, KeySize), make([]byte, KeySize)
	if _, err := rand.Read(data); err != nil {
		return nil, fmt.Errorf("pii: generate key: %w", err)
	}
	if _, err := rand.Read(index); err != nil {
		return nil, fmt.Errorf("pii: generate key: %w", err)
	}
	return NewKeyRing(1, map[uint32][]byte{1: data}, index)
}

// keyRingFromSingle builds the ring of one data key given in the
// environment: data key id 1, and the index key derived from it.
func keyRingFromSingle(key []byte) (*KeyRing, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("pii: the data key has %d bytes, want %d (32 random bytes, base64)", len(key), KeySize)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(indexKeyLabel))
	k, err := NewKeyRing(1, map[uint32][]byte{1: key}, m.Sum(nil))
	if err != nil {
		return nil, err
	}
	k.fromEnv = true
	return k, nil
}

// add puts a data key into the ring.
func (k *KeyRing) add(id uint32, key []byte) error {
	if id == 0 {
		return errors.New("pii: data key ids start at 1")
	}
	if len(key) != KeySize {
		return fmt.Errorf("pii: data key %d has %d bytes, want %d", id, len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return fmt.Errorf("pii: data key %d: %w", id, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("pii: data key %d: %w", id, err)
	}
	k.keys[id] = slices.Clone(key)
	k.aeads[id] = aead
	return nil
}

// Seal encrypts plaintext under the current data key, bound to aad. Each
// call draws a fresh random 96-bit nonce: with random nonces GCM stays safe
// for about 2^32 messages per key, far more than a register holds, and
// rotation starts a new key anyway.
func (k *KeyRing) Seal(plaintext, aad string) (string, error) {
	if err := k.blocked.Load(); err != nil {
		return "", *err
	}
	k.mu.RLock()
	id, aead := k.current, k.aeads[k.current]
	k.mu.RUnlock()
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("pii: nonce: %w", err)
	}
	sealed := aead.Seal(nonce, nonce, []byte(plaintext), []byte(aad))
	return version + ":" + strconv.FormatUint(uint64(id), 10) + ":" + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Open decrypts a ciphertext of Seal under the key it names. It fails when
// the text is malformed, the key is unknown or retired, the bytes were
// changed, or aad differs from the one it was sealed with.
func (k *KeyRing) Open(ciphertext, aad string) (string, error) {
	id, body, err := parseCiphertext(ciphertext)
	if err != nil {
		return "", err
	}
	k.mu.RLock()
	aead, ok := k.aeads[id]
	k.mu.RUnlock()
	if !ok {
		// A key this process's key file lacks: a rotation whose key file
		// has not reached it yet (or a retired key). Unavailable, not an
		// internal error: it passes when the current key file is loaded.
		return "", &shequ.Error{Code: shequ.EUnavailable, Key: "keys.missing",
			Message: fmt.Sprintf("This server's key file lacks data key %d; load the current key file (copy it, or send SIGHUP).", id),
			Data:    map[string]any{"ID": id}, Err: fmt.Errorf("pii: data key %d is not in the ring", id)}
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return "", errOpen
	}
	n := aead.NonceSize()
	plain, err := aead.Open(nil, raw[:n], raw[n:], []byte(aad))
	if err != nil {
		return "", errOpen
	}
	return string(plain), nil
}

// KeyID returns the id of the data key that sealed a ciphertext, so that a
// re-encryption can skip values already under the current key.
func KeyID(ciphertext string) (uint32, error) {
	id, _, err := parseCiphertext(ciphertext)
	return id, err
}

// parseCiphertext splits "v1:<id>:<body>".
func parseCiphertext(s string) (uint32, string, error) {
	v, rest, ok1 := strings.Cut(s, ":")
	idText, body, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || v != version || idText == "" || body == "" {
		return 0, "", errOpen
	}
	id, err := strconv.ParseUint(idText, 10, 32)
	if err != nil || id == 0 {
		return 0, "", errOpen
	}
	return uint32(id), body, nil
}

// Index returns the blind index of a value of a kind: hex HMAC-SHA256 under
// the index key of kind, a zero byte and value. The kind keeps equal values
// of different kinds (an ID number and a phone) apart.
func (k *KeyRing) Index(kind, value string) string {
	m := hmac.New(sha256.New, k.index) // the index key never changes: no lock
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}

// Rotate adds a new random data key and makes it current; values sealed
// before stay readable under their own key. It fails with ErrEnvKey for a
// ring from the environment. Save the ring before sealing anything with
// the new key, or those values are lost at the next start.
func (k *KeyRing) Rotate() (newID uint32, err error) {
	if newID, err = k.AddKey(); err != nil {
		return 0, err
	}
	return newID, k.SetCurrent(newID)
}

// AddKey adds a new random data key that does not seal yet, with the next
// id, and returns the id: the first step of a rotation while servers run,
// which must all hold the key before anything is sealed with it.
func (k *KeyRing) AddKey() (uint32, error) {
	if k.fromEnv {
		return 0, ErrEnvKey
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return 0, fmt.Errorf("pii: generate key: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	var newID uint32
	for id := range k.keys {
		newID = max(newID, id)
	}
	newID++
	if err := k.add(newID, key); err != nil {
		return 0, err
	}
	return newID, nil
}

// SetCurrent makes the data key id the one that seals.
func (k *KeyRing) SetCurrent(id uint32) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.keys[id]; !ok {
		return fmt.Errorf("pii: data key %d is not in the ring", id)
	}
	k.current = id
	return nil
}

// fingerprintLabel is what Fingerprint MACs under a key.
const fingerprintLabel = "shequ data key fingerprint v1"

// Fingerprint returns a short public name of the data key id: the first
// 16 bytes, in hex, of HMAC-SHA256 under the key of a fixed label. It tells
// keys apart (a key file of another installation, a stale copy) without
// saying anything of the key. ok is false when the ring lacks id.
func (k *KeyRing) Fingerprint(id uint32) (string, bool) {
	k.mu.RLock()
	key, ok := k.keys[id]
	k.mu.RUnlock()
	if !ok {
		return "", false
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(fingerprintLabel))
	return hex.EncodeToString(m.Sum(nil)[:16]), true
}

// BlockSealing makes Seal fail with err until UnblockSealing: the key
// this ring seals with is being retired and nothing may be sealed with it
// any more, while the ring that replaces it has not been loaded. Opening is
// not affected.
func (k *KeyRing) BlockSealing(err error) { k.blocked.Store(&err) }

// UnblockSealing lets Seal seal again.
func (k *KeyRing) UnblockSealing() { k.blocked.Store(nil) }

// Retire removes a data key that is no longer current. Values still sealed
// with it cannot be opened any more: retire a key only after re-sealing
// everything under the current one.
func (k *KeyRing) Retire(id uint32) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if id == k.current {
		return fmt.Errorf("pii: data key %d is the current key and cannot be retired", id)
	}
	if _, ok := k.keys[id]; !ok {
		return fmt.Errorf("pii: data key %d is not in the ring", id)
	}
	delete(k.keys, id)
	delete(k.aeads, id)
	return nil
}

// CurrentID returns the id of the key that seals.
func (k *KeyRing) CurrentID() uint32 {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.current
}

// KeyIDs returns the ids of the data keys in the ring, ascending.
func (k *KeyRing) KeyIDs() []uint32 {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return slices.Sorted(maps.Keys(k.keys))
}

// Path returns the key file the ring was loaded from or generated into, ""
// for a ring from the environment or built in memory.
func (k *KeyRing) Path() string { return k.path }

// FromEnv reports whether the ring came from a single key in the
// environment (and so cannot rotate).
func (k *KeyRing) FromEnv() bool { return k.fromEnv }
