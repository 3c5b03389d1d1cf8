package tabular

import (
	"bytes"
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"shequ/internal/tabular/tabulartest"
)

// peakHeap runs f and returns the largest growth of the live heap objects
// over the value before it, sampled every 0.2 ms; the garbage collection it
// starts with is left out of b's time.
func peakHeap(b *testing.B, f func()) uint64 {
	b.StopTimer()
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	base := s[0].Value.Uint64()
	b.StartTimer()
	var peak atomic.Uint64
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > base && v-base > peak.Load() {
				peak.Store(v - base)
			}
			select {
			case <-done:
				return
			case <-time.After(200 * time.Microsecond):
			}
		}
	}()
	f()
	close(done)
	<-stopped
	return peak.Load()
}

// BenchmarkReadBomb reads workbooks that unpack to far more than they weigh
// through Read (the limits, the zip check and the scan) and, side by side,
// the way this package read them before issue 14 (excelize with its default
// options and GetRows, the row limit checked afterwards), reporting the
// peak heap growth of each:
//
//	go test -run '^$' -bench BenchmarkReadBomb -benchtime 3x ./internal/tabular
func BenchmarkReadBomb(b *testing.B) {
	for _, c := range []struct {
		name string
		rows int
		old  bool
	}{
		{"392MB/limited", 8_000_000, false},
		{"49MB/limited", 1_000_000, false},
		{"49MB/unlimited-GetRows", 1_000_000, true},
	} {
		data, size, err := tabulartest.Bomb{Repeat: c.rows}.XLSX()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			var peak uint64
			for b.Loop() {
				peak = max(peak, peakHeap(b, func() {
					var err error
					if c.old {
						err = readAllRows(data)
					} else {
						_, err = Read(bytes.NewReader(data), "bomb.xlsx", 200_000)
					}
					if err == nil {
						b.Fatal("the bomb was read")
					}
				}))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(size)/(1<<20), "unpacked-MB")
		})
	}
}

// BenchmarkReadLargest reads the largest resident list the limits accept:
// 200,000 rows of name, ID number, phone, community and tags, as an XLSX
// workbook written by excelize and as CSV, reporting the peak heap growth.
//
//	go test -run '^$' -bench BenchmarkReadLargest -benchtime 3x ./internal/tabular
func BenchmarkReadLargest(b *testing.B) {
	const n = 200_000
	row := func(i int) []string {
		return []string{fmt.Sprintf("居民%06d", i), fmt.Sprintf("33052319%010d", i), fmt.Sprintf("138%08d", i), "330523001002", "低保;独居"}
	}
	var csvData bytes.Buffer
	csvData.WriteString("姓名,身份证号,手机,社区代码,标签\n")
	x := excelize.NewFile()
	sw, err := x.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	header := []any{"姓名", "身份证号", "手机", "社区代码", "标签"}
	sw.SetRow("A1", header)
	for i := 1; i <= n; i++ {
		r := row(i)
		csvData.WriteString(strings.Join(r, ",") + "\n")
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, []any{r[0], r[1], r[2], r[3], r[4]}); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	var xlsx bytes.Buffer
	if err := x.Write(&xlsx); err != nil {
		b.Fatal(err)
	}
	x.Close()
	for _, c := range []struct {
		name string
		data []byte
	}{{"xlsx", xlsx.Bytes()}, {"csv", csvData.Bytes()}} {
		b.Run(c.name, func(b *testing.B) {
			var peak uint64
			for b.Loop() {
				peak = max(peak, peakHeap(b, func() {
					rows, err := Read(bytes.NewReader(c.data), "list."+c.name, n)
					if err != nil || len(rows) != n+1 {
						b.Fatalf("%d rows, %v", len(rows), err)
					}
				}))
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(len(c.data))/(1<<20), "file-MB")
		})
	}
}

// readAllRows is how this package read a workbook before issue 14: every
// row at once, the row limit checked afterwards.
func readAllRows(data []byte) error {
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return err
	}
	defer x.Close()
	rows, err := x.GetRows(x.GetSheetList()[0])
	if err != nil {
		return err
	}
	if len(rows)-1 > 200_000 {
		return TooMany(200_000)
	}
	return nil
}
