// Package auditseal keeps the audit trail's own keys outside the database
// and the signed checkpoints of its head (issue 14). Someone who can rewrite
// the database — drop its append-only triggers, delete records, recompute
// the hash chain and update its head — must not be able to make the trail
// verify again:
//
//   - the chain is keyed: from the epoch on, each record's hash is an
//     HMAC-SHA256 under a key of the audit key file (shequ.AuditRecord
//     .ComputeKeyedHash), which the database never holds;
//   - checkpoints of the head (sequence number and hash) are signed with an
//     Ed25519 key of the same file and appended to a file of their own and
//     the log, which the operator ships elsewhere; `shequ audit verify`
//     checks the trail against them, so that a deleted tail (the head went
//     back) or a recomputed chain (a record's hash changed) contradicts a
//     checkpoint and is named.
//
// The key file is generated on first use with mode 0600, like the data key
// file; without it the keyed part of the trail cannot be verified, so it is
// backed up with it. The public key can be pinned elsewhere
// (`shequ audit verify -public-key`), so that a checkpoint file re-signed
// with another key is refused.
package auditseal

import (
	"bufio"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"shequ"
)

// File names in the data directory.
const (
	KeyFileName         = "audit-keys.json"
	CheckpointsFileName = "audit-checkpoints.jsonl"
)

// Keys are the audit trail's HMAC key and Ed25519 signing key.
type Keys struct {
	hmac []byte
	priv ed25519.PrivateKey
	path string
}

// keyFile is the JSON form: {"hmac":"b64 32 bytes","signing":"b64 seed"}.
type keyFile struct {
	HMAC    string `json:"hmac"`
	Signing string `json:"signing"`
}

// Load reads the key file at path, or generates it (mode 0600, never over
// another process's) when it does not exist; logf then says so. A key file
// others can read is refused, as the data key file is.
func Load(path string, logf func(string, ...any)) (*Keys, error) {
	k, err := read(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	hk, seed := make([]byte, 32), make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(hk); err != nil {
		return nil, fmt.Errorf("auditseal: generate key: %w", err)
	}
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("auditseal: generate key: %w", err)
	}
	b, _ := json.MarshalIndent(keyFile{HMAC: base64.StdEncoding.EncodeToString(hk), Signing: base64.StdEncoding.EncodeToString(seed)}, "", "  ")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("auditseal: create directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return read(path) // another process generated it meanwhile
	}
	if err != nil {
		return nil, fmt.Errorf("auditseal: create key file: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return nil, fmt.Errorf("auditseal: write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("auditseal: write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("auditseal: write key file: %w", err)
	}
	if logf != nil {
		logf("generated a new audit key file %s (mode 0600); back it up with the data key file: without it the audit trail "+
			"cannot be verified (已生成审计密钥文件，请与数据密钥文件一同备份)", path)
	}
	return &Keys{hmac: hk, priv: ed25519.NewKeyFromSeed(seed), path: path}, nil
}

// read loads an existing key file.
func read(path string) (*Keys, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("auditseal: key file: %w", err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("auditseal: key file %s has mode %04o and can be read by other users; run chmod 600 %s "+
			"(审计密钥文件权限过宽，请执行 chmod 600)", path, st.Mode().Perm(), path)
	}
	var kf keyFile
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&kf); err != nil {
		return nil, fmt.Errorf("auditseal: key file %s: %w", path, err)
	}
	hk, err1 := base64.StdEncoding.DecodeString(kf.HMAC)
	seed, err2 := base64.StdEncoding.DecodeString(kf.Signing)
	if err1 != nil || err2 != nil || len(hk) != 32 || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("auditseal: key file %s: want a 32-byte hmac and a 32-byte signing seed in base64", path)
	}
	return &Keys{hmac: hk, priv: ed25519.NewKeyFromSeed(seed), path: path}, nil
}

// Path is the key file.
func (k *Keys) Path() string { return k.path }

// HMACKey is the key of the chain's keyed hashes.
func (k *Keys) HMACKey() []byte { return k.hmac }

// ID is the public name of the HMAC key recorded in the database: the
// first 16 bytes, in hex, of an HMAC of a fixed label under it.
func (k *Keys) ID() string {
	m := hmac.New(sha256.New, k.hmac)
	m.Write([]byte("shequ audit key id v1"))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// PublicKey is the checkpoints' verifying key, in base64.
func (k *Keys) PublicKey() string {
	return base64.StdEncoding.EncodeToString(k.priv.Public().(ed25519.PublicKey))
}

// message is what a checkpoint's signature covers.
func message(cp *shequ.AuditCheckpoint) []byte {
	return []byte(strings.Join([]string{"shequ audit checkpoint v1", strconv.FormatInt(cp.Seq, 10), cp.Hash,
		strconv.FormatInt(cp.KeyedFrom, 10), cp.KeyID, cp.Time.UTC().Format(time.RFC3339Nano), cp.Host}, "\n"))
}

// Sign fills the checkpoint's PublicKey and Signature.
func (k *Keys) Sign(cp *shequ.AuditCheckpoint) {
	cp.PublicKey = k.PublicKey()
	cp.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(k.priv, message(cp)))
}

// Verify reports whether cp carries a valid signature by the public key pub
// (base64); an empty pub takes the checkpoint's own key, which only shows
// that it is undamaged.
func Verify(cp *shequ.AuditCheckpoint, pub string) bool {
	if pub == "" {
		pub = cp.PublicKey
	}
	if pub != cp.PublicKey {
		return false
	}
	key, err := base64.StdEncoding.DecodeString(pub)
	sig, err2 := base64.StdEncoding.DecodeString(cp.Signature)
	if err != nil || err2 != nil || len(key) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(ed25519.PublicKey(key), message(cp), sig)
}

// line is the JSON form of a checkpoint in the file.
type line struct {
	Seq       int64  `json:"seq"`
	Hash      string `json:"hash"`
	KeyedFrom int64  `json:"keyed_from"`
	KeyID     string `json:"key_id"`
	Time      string `json:"time"`
	Host      string `json:"host"`
	PublicKey string `json:"public_key"`
	Signature string `json:"signature"`
}

// Append appends cp as one line to the checkpoint file (created with mode
// 0600) and syncs it.
func Append(path string, cp *shequ.AuditCheckpoint) error {
	b, err := json.Marshal(line{Seq: cp.Seq, Hash: cp.Hash, KeyedFrom: cp.KeyedFrom, KeyID: cp.KeyID,
		Time: cp.Time.UTC().Format(time.RFC3339Nano), Host: cp.Host, PublicKey: cp.PublicKey, Signature: cp.Signature})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("auditseal: create directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("auditseal: open checkpoint file: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("auditseal: write checkpoint: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("auditseal: write checkpoint: %w", err)
	}
	return f.Close()
}

// ReadFile reads the checkpoints of a file, in file order, with Source
// naming file and line; a line that is not a checkpoint is an error (a
// damaged file must not pass for a short one).
func ReadFile(path string) ([]*shequ.AuditCheckpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []*shequ.AuditCheckpoint
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var l line
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		err := dec.Decode(&l)
		t, terr := time.Parse(time.RFC3339Nano, l.Time)
		if err != nil || terr != nil || l.Seq < 0 {
			return nil, fmt.Errorf("auditseal: %s line %d is not a checkpoint", path, n)
		}
		out = append(out, &shequ.AuditCheckpoint{Seq: l.Seq, Hash: l.Hash, KeyedFrom: l.KeyedFrom, KeyID: l.KeyID,
			Time: t, Host: l.Host, PublicKey: l.PublicKey, Signature: l.Signature, Source: fmt.Sprintf("%s:%d", path, n)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("auditseal: read %s: %w", path, err)
	}
	return out, nil
}
