package shequ

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strconv"
	"time"
)

// AuditResult says how an audited attempt ended.
type AuditResult string

// Audit results.
const (
	AuditAllowed AuditResult = "allowed"
	AuditDenied  AuditResult = "denied"
	AuditFailed  AuditResult = "failed"
)

// AuditRecord is one entry of the append-only audit trail. Entries form a
// hash chain: Hash covers every field and the previous entry's hash, so that
// a changed, inserted or deleted entry breaks the chain at that point.
type AuditRecord struct {
	Seq        int64 // 1, 2, 3… in chain order
	ID         string
	Time       time.Time // UTC
	ActorID    string
	ActorName  string
	Role       Role
	Action     string // e.g. "resident.create", "resident.reveal", "login"
	ObjectType string
	ObjectID   string
	Division   string
	Result     AuditResult
	ClientAddr string
	RequestID  string
	Detail     string // short, never personal data
	PrevHash   string // hex; "" for the first entry
	Hash       string // hex SHA-256
}

// ComputeHash returns the hash of the record chained to prev. Fields are
// length-prefixed so that no two different records encode alike.
func (r *AuditRecord) ComputeHash(prev string) string {
	return r.hashWith(sha256.New(), prev)
}

// ComputeKeyedHash returns the keyed hash of the record chained to prev:
// HMAC-SHA256 under key of what ComputeHash hashes. The key lives outside
// the database (the audit key file), so that someone who can rewrite the
// database cannot recompute a chain that verifies.
func (r *AuditRecord) ComputeKeyedHash(prev string, key []byte) string {
	return r.hashWith(hmac.New(sha256.New, key), prev)
}

// hashWith writes the record into h and returns the hex digest.
func (r *AuditRecord) hashWith(h hash.Hash, prev string) string {
	var n [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	for _, s := range []string{prev, strconv.FormatInt(r.Seq, 10), r.ID, r.Time.UTC().Format(time.RFC3339Nano),
		r.ActorID, r.ActorName, string(r.Role), r.Action, r.ObjectType, r.ObjectID, r.Division,
		string(r.Result), r.ClientAddr, r.RequestID, r.Detail} {
		put(s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// AuditFilter selects audit records; empty fields are not filtered on.
type AuditFilter struct {
	ActorName  string
	ObjectType string
	ObjectID   string
	Division   string // at or below
	Action     string
	Result     AuditResult // "" any
	From, To   *time.Time
	Offset     int
	Limit      int
}

// AuditVerification is the result of checking the chain.
type AuditVerification struct {
	Checked int64
	// BadSeq is the first record whose hash or link is wrong, or the first
	// missing sequence number; 0 when the chain is intact.
	BadSeq int64
	// Reason is "hash", "link", "gap", "truncated" or "head" for the
	// chain; "checkpoint.tail", "checkpoint.hash" or "checkpoint.keyed" when
	// the chain contradicts a signed checkpoint (Checkpoint).
	Reason string
	// KeyedFrom is the first record chained with the keyed hash (0: none).
	KeyedFrom int64
	// Checkpoints is how many signed checkpoints the trail was checked
	// against; Checkpoint the first one it contradicts, if any, and
	// CheckpointReason how ("checkpoint.tail", "checkpoint.hash",
	// "checkpoint.keyed").
	Checkpoints      int
	Checkpoint       *AuditCheckpoint
	CheckpointReason string
}

// AuditCheckpoint is a signed statement of the audit trail's head at a
// time, written outside the database (a file the operator ships elsewhere,
// and the log): a later trail must still hold the record Seq with Hash, so
// that deleting a tail of records or recomputing the chain after a change
// contradicts it, even for someone who can rewrite the whole database.
type AuditCheckpoint struct {
	Seq       int64
	Hash      string
	KeyedFrom int64  // the trail's keyed epoch then
	KeyID     string // fingerprint of the HMAC key then
	Time      time.Time
	Host      string
	PublicKey string // base64 Ed25519 public key that signed it
	Signature string // base64
	// Source says where it was read (file and line); not signed.
	Source string
}

// AuditService reads the trail. Writes happen inside other services'
// transactions, except RecordAudit for attempts that change nothing (denied
// requests, failed logins).
type AuditService interface {
	RecordAudit(ctx context.Context, r *AuditRecord) error
	FindAuditRecords(ctx context.Context, f AuditFilter) ([]*AuditRecord, int, error)
	VerifyAudit(ctx context.Context) (*AuditVerification, error)
}

// VerifyAuditChain checks records given in Seq order, starting at the
// beginning of the chain; next returns false at the end.
func VerifyAuditChain(next func() (*AuditRecord, bool, error)) (*AuditVerification, error) {
	return VerifyKeyedAuditChain(next, 0, nil)
}

// VerifyKeyedAuditChain is VerifyAuditChain for a chain whose records from
// keyedFrom on (when not 0) are chained with ComputeKeyedHash under key.
func VerifyKeyedAuditChain(next func() (*AuditRecord, bool, error), keyedFrom int64, key []byte) (*AuditVerification, error) {
	v := &AuditVerification{KeyedFrom: keyedFrom}
	prev := ""
	for want := int64(1); ; want++ {
		r, ok, err := next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return v, nil
		}
		switch {
		case r.Seq != want:
			v.BadSeq, v.Reason = want, "gap"
		case r.PrevHash != prev:
			v.BadSeq, v.Reason = r.Seq, "link"
		case keyedFrom != 0 && r.Seq >= keyedFrom && !hmac.Equal([]byte(r.ComputeKeyedHash(prev, key)), []byte(r.Hash)):
			v.BadSeq, v.Reason = r.Seq, "hash"
		case (keyedFrom == 0 || r.Seq < keyedFrom) && r.ComputeHash(prev) != r.Hash:
			v.BadSeq, v.Reason = r.Seq, "hash"
		}
		if v.BadSeq != 0 {
			return v, nil
		}
		v.Checked++
		prev = r.Hash
	}
}
