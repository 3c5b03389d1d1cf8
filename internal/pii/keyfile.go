package pii

import (
	"crypto/hmac"
	"encoding/base64"
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
)

// KeyFileName is the name of the key file in the data directory.
const KeyFileName = "keys.json"

// keyFile is the JSON form of a ring: {"current":N,"keys":{"1":"b64"},"index":"b64"},
// keys in standard base64.
type keyFile struct {
	Current uint32            `json:"current"`
	Keys    map[string]string `json:"keys"`
	Index   string            `json:"index"`
}

// LoadKeyRing returns the key ring configured by the environment, in this
// order:
//
//   - SHEQU_DATA_KEY: base64 of 32 bytes, the data key with id 1; the index
//     key is derived from it. Such a ring cannot rotate (ErrEnvKey).
//   - SHEQU_DATA_KEY_FILE: a file holding either the same base64 key, or a
//     JSON key ring (which can rotate and is saved back to that file).
//   - otherwise the key file <dataDir>/keys.json, generated with random keys
//     when missing; logf then says that a new key file was written and must
//     be backed up, since the data cannot be read without it.
//
// A JSON key file must not be readable by group or others: LoadKeyRing
// refuses one that is, telling to chmod 600 it. Path returns where the ring
// is to be saved after a rotation.
func LoadKeyRing(getenv func(string) string, dataDir string, logf func(string, ...any)) (*KeyRing, error) {
	if v := strings.TrimSpace(getenv("SHEQU_DATA_KEY")); v != "" {
		return singleKey(v, "SHEQU_DATA_KEY")
	}
	if p := getenv("SHEQU_DATA_KEY_FILE"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("SHEQU_DATA_KEY_FILE: %w", err)
		}
		if text := strings.TrimSpace(string(b)); !strings.HasPrefix(text, "{") {
			return singleKey(text, "SHEQU_DATA_KEY_FILE")
		}
		return loadKeyFile(p)
	}
	if dataDir == "" {
		return nil, errors.New("pii: no data key: set SHEQU_DATA_KEY or SHEQU_DATA_KEY_FILE, or give a data directory")
	}
	path := filepath.Join(dataDir, KeyFileName)
	k, err := loadKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if k, err = GenerateKeyRing(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("pii: create data directory: %w", err)
	}
	if err := k.create(path); errors.Is(err, fs.ErrExist) {
		return loadKeyFile(path) // another process generated it meanwhile
	} else if err != nil {
		return nil, err
	}
	k.path = path
	if st, err := os.Stat(path); err == nil {
		k.stamp = stampOf(st)
	}
	if logf != nil {
		logf("generated a new data key file %s (mode 0600); back it up now: without it the personal data "+
			"cannot be read (已生成新的数据密钥文件，请立即备份：丢失后个人信息无法解密)", path)
	}
	return k, nil
}

// singleKey decodes a base64 data key given in the environment.
func singleKey(text, from string) (*KeyRing, error) {
	key, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		if key, err = base64.RawStdEncoding.DecodeString(text); err != nil {
			return nil, fmt.Errorf("%s: not base64: give 32 random bytes in base64 (openssl rand -base64 32)", from)
		}
	}
	k, err := keyRingFromSingle(key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", from, err)
	}
	return k, nil
}

// loadKeyFile reads a JSON key ring and remembers its path.
func loadKeyFile(path string) (*KeyRing, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pii: open key file: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("pii: key file: %w", err)
	}
	// Windows has no such permission bits; elsewhere a key file others can
	// read is a leak of every ID number in the database.
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("pii: key file %s has mode %04o and can be read by other users; run chmod 600 %s "+
			"(密钥文件权限过宽，请执行 chmod 600)", path, st.Mode().Perm(), path)
	}
	var kf keyFile
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&kf); err != nil {
		return nil, fmt.Errorf("pii: key file %s: %w", path, err)
	}
	keys := map[uint32][]byte{}
	for idText, b64 := range kf.Keys {
		id, err := strconv.ParseUint(idText, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("pii: key file %s: bad key id %q", path, idText)
		}
		if keys[uint32(id)], err = base64.StdEncoding.DecodeString(b64); err != nil {
			return nil, fmt.Errorf("pii: key file %s: key %s is not base64", path, idText)
		}
	}
	index, err := base64.StdEncoding.DecodeString(kf.Index)
	if err != nil {
		return nil, fmt.Errorf("pii: key file %s: the index key is not base64", path)
	}
	k, err := NewKeyRing(kf.Current, keys, index)
	if err != nil {
		return nil, fmt.Errorf("pii: key file %s: %w", path, err)
	}
	k.path, k.stamp = path, stampOf(st)
	return k, nil
}

// fileStamp is what tells that a key file changed: another process saves
// a new ring by renaming a new file over it, which changes its inode, and
// an editor may rewrite it in place, which changes its size or time.
type fileStamp struct {
	mod  time.Time
	size int64
	ino  uint64
}

func stampOf(st fs.FileInfo) fileStamp {
	return fileStamp{mod: st.ModTime(), size: st.Size(), ino: inode(st)}
}

// ReadAgain reads the key file again when it changed since the ring was
// loaded (or always, when force is set: SIGHUP) and returns the ring it now
// holds, for the caller to check (against the database's registry of
// keys) and Adopt; changed is false when the file did not change. Rings
// from the environment have nothing to read again.
func (k *KeyRing) ReadAgain(force bool) (n *KeyRing, changed bool, err error) {
	if k.fromEnv || k.path == "" {
		return nil, false, nil
	}
	st, err := os.Stat(k.path)
	if err != nil {
		return nil, false, fmt.Errorf("pii: key file: %w", err)
	}
	k.mu.RLock()
	same := stampOf(st) == k.stamp
	k.mu.RUnlock()
	if same && !force {
		return nil, false, nil
	}
	if n, err = loadKeyFile(k.path); err != nil {
		return nil, false, err
	}
	return n, true, nil
}

// Adopt takes the keys and the current key of n in place, so that a
// running server picks up a rotation made by `shequ keys rotate` without a
// restart. The index key must be the same: a ring with another one belongs
// to another installation and is refused.
func (k *KeyRing) Adopt(n *KeyRing) error {
	if !hmac.Equal(n.index, k.index) {
		return fmt.Errorf("pii: key file %s has another index key: it belongs to another installation "+
			"(密钥文件的索引密钥不同，属于另一套安装)", n.path)
	}
	n.mu.RLock()
	current, keys, aeads, stamp := n.current, n.keys, n.aeads, n.stamp
	n.mu.RUnlock()
	k.mu.Lock()
	k.current, k.keys, k.aeads, k.stamp = current, keys, aeads, stamp
	k.mu.Unlock()
	return nil
}

// marshal returns the JSON form of the ring.
func (k *KeyRing) marshal() ([]byte, error) {
	if k.fromEnv {
		return nil, ErrEnvKey
	}
	k.mu.RLock()
	kf := keyFile{Current: k.current, Keys: map[string]string{}, Index: base64.StdEncoding.EncodeToString(k.index)}
	for id, key := range k.keys {
		kf.Keys[strconv.FormatUint(uint64(id), 10)] = base64.StdEncoding.EncodeToString(key)
	}
	k.mu.RUnlock()
	b, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("pii: encode key file: %w", err)
	}
	return append(b, '\n'), nil
}

// create writes a new key file, failing if one exists (two processes
// starting at once must not each generate and overwrite a key).
func (k *KeyRing) create(path string) error {
	b, err := k.marshal()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("pii: create key file: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("pii: write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("pii: write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("pii: write key file: %w", err)
	}
	return nil
}

// Save writes the ring to path atomically: a temporary file of mode 0600 in
// the same directory, synced, then renamed over path, so that a crash leaves
// the old or the new ring, never half of one. A ring from the environment
// cannot be saved (ErrEnvKey).
func (k *KeyRing) Save(path string) error {
	b, err := k.marshal()
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("pii: save key file: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// CreateTemp already uses 0600; Chmod makes it explicit whatever the
	// platform default.
	if err := f.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("pii: save key file: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("pii: save key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("pii: save key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("pii: save key file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("pii: save key file: %w", err)
	}
	ok = true
	// Sync the directory so the rename itself survives a crash.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	// The ring is what the file now holds: no need to reload it.
	if path == k.path {
		if st, err := os.Stat(path); err == nil {
			k.mu.Lock()
			k.stamp = stampOf(st)
			k.mu.Unlock()
		}
	}
	return nil
}
