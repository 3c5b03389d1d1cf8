//go:build !unix

package sqlstore

// freeBytes is unknown on this platform: Ready relies on its write alone.
func freeBytes(string) (uint64, bool) { return 0, false }
