//go:build unix

package pii

import (
	"io/fs"
	"syscall"
)

// inode returns the file's inode number, 0 when unknown.
func inode(st fs.FileInfo) uint64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return uint64(s.Ino)
	}
	return 0
}
