// Package data ships the reference data that the binary carries: the NBS 2023
// division codes (统计用区划代码, 665,276 rows), the 2026 holiday calendar, and
// the demo attributes of 安吉县 (330523).
package data

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
)

//go:embed divisions-2023.csv.gz
var divisionsGz []byte

//go:embed demo/anji-330523.csv
var anjiDemo []byte

//go:embed holidays-2026.csv
var holidays2026 []byte

// DivisionsSource names the shipped division file in import records.
const DivisionsSource = "builtin:divisions-2023.csv.gz"

// Divisions opens the shipped division codes as CSV (header code,name).
func Divisions() (io.ReadCloser, error) {
	zr, err := gzip.NewReader(bytes.NewReader(divisionsGz))
	if err != nil {
		return nil, fmt.Errorf("open shipped divisions: %w", err)
	}
	return zr, nil
}

// DivisionsGzip returns the shipped division codes still gzip-compressed, and
// their compressed size, so that a reader can report progress in bytes.
func DivisionsGzip() (io.Reader, int64) {
	return bytes.NewReader(divisionsGz), int64(len(divisionsGz))
}

// AnjiDemoSource names the demo attribute file in import records.
const AnjiDemoSource = "builtin:demo/anji-330523.csv"

// AnjiDemo returns the demo attributes of 安吉县 as CSV (code, urban_rural,
// terrain, population, households, lat, lng). The values are illustrative,
// not official statistics; see demo/README.md.
func AnjiDemo() io.Reader { return bytes.NewReader(anjiDemo) }

// Holidays2026 returns the official 2026 holiday arrangement as CSV
// (date,kind,name).
func Holidays2026() io.Reader { return bytes.NewReader(holidays2026) }
