package shequ

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Attachment is a file attached to a request (a material handed in
// electronically) or to a delegation (the signed 授权委托书).
type Attachment struct {
	ID          string
	ObjectType  string // "request" or "delegation"
	ObjectID    string
	Community   string
	Name        string
	ContentType string
	Size        int
	UploadedBy  string
	CreatedAt   time.Time
}

// MaxAttachmentSize is the largest file accepted: 5 MiB.
const MaxAttachmentSize = 5 << 20

// AttachmentTypes are the accepted content types, as sniffed from the
// file's first bytes (never as the client declares them).
var AttachmentTypes = []string{"application/pdf", "image/jpeg", "image/png"}

// CheckAttachment validates a file's name, sniffed content type and size.
func CheckAttachment(name, contentType string, size int) error {
	var fe FieldErrors
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n == 0 || n > 200 || strings.ContainsAny(name, "/\\\x00") {
		fe.Add("file", "attachment.name.invalid", "The file name has 1 to 200 characters and no slashes.", nil)
	}
	if !oneOf(contentType, AttachmentTypes) {
		fe.Add("file", "attachment.type.invalid", "Only PDF, JPEG and PNG files are accepted.", nil)
	}
	if size <= 0 || size > MaxAttachmentSize {
		fe.Add("file", "attachment.size.invalid", "A file is at most 5 MB and not empty.", nil)
	}
	return fe.Err()
}
