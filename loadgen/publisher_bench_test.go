package loadgen

import (
	"strings"
	"testing"
	"time"
)

// BenchmarkPublisher_Latency measures the per-event cost of publisher mode
// on the subscribers' side: finding the marker in an event whose server
// wrapped the published body in its own JSON, and looking up its send time.
func BenchmarkPublisher_Latency(b *testing.B) {
	p := &publisher{base: time.Now(), n: 1 << 20, table: newSeqTable(1 << 20)}
	p.prefixS = "ssebench-0a1b2c3d4e5f-"
	p.prefix = []byte(p.prefixS)
	p.table.entry(123456).sentNS.Store(1)
	data := []byte(`{"channel":"prices","id":"1795492183:0","message":"{\"ssebench\":\"ssebench-0a1b2c3d4e5f-123457\",\"seq\":123457,\"ts_ns\":1700000000123456789}","pad":"` + strings.Repeat("x", 64) + `"}`)
	recv := time.Now()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := p.Latency(data, recv); !ok {
			b.Fatal("no match")
		}
	}
}
