package publish

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkPublisher_Latency measures the per-event cost of publisher mode
// on the subscribers' side: finding the marker in an event whose server
// wrapped the published body in its own JSON, and looking up its send time.
func BenchmarkPublisher_Latency(b *testing.B) {
	p := &Publisher{base: time.Now(), n: 1 << 20, table: newSeqTable(1 << 20)}
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

// BenchmarkPublisher_Deliver is the subscribers' per-event path in
// publisher mode, as loadgen calls it through ActiveSource: the slot's
// audience state, Latency's search, the unique-delivery check (one bit per
// event per subscriber) and the audience epochs. Every event is new to its
// subscriber, as in a run without duplicates.
func BenchmarkPublisher_Deliver(b *testing.B) {
	const n = 1 << 16
	p := &Publisher{base: time.Now(), n: n, table: newSeqTable(n), members: make([]member, 1)}
	p.prefixS = "ssebench-0a1b2c3d4e5f-"
	p.prefix = []byte(p.prefixS)
	datas := make([][]byte, n)
	for i := range datas {
		p.table.entry(i).sentNS.Store(1)
		p.table.entry(i).epoch.Store(2)
		datas[i] = []byte(fmt.Sprintf(`{"channel":"prices","message":"{\"ssebench\":\"ssebench-0a1b2c3d4e5f-%d\"}","pad":"%s"}`, i+1, strings.Repeat("x", 64)))
	}
	recv := time.Now()
	p.members[0].epochs = streamEpochs{up: 1}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%n == 0 {
			p.members[0].seen = seenSet{} // a new subscriber: every event is new again
		}
		if _, replayed, ok := p.Deliver(0, datas[i%n], recv); !ok || replayed {
			b.Fatalf("delivery %d: ok = %v, replayed = %v; want a live one", i, ok, replayed)
		}
	}
}
