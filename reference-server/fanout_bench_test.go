//go:build linux || darwin || openbsd

package refserver

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"testing"
	"time"
)

// BenchmarkFanout publishes 64-byte events to N hijack-style subscribers
// over real loopback TCP, drained by N reader goroutines in the same
// process (so they compete for the same cores, as a local load generator
// does). Each op releases one batch of `frames` events: 1 is a flush per
// event, 10 what a coalescing window (Config.FlushInterval) hands the
// workers. It reports deliveries per second.
func BenchmarkFanout(b *testing.B) {
	for _, frames := range []int{1, 10} {
		for _, n := range []int{10, 100, 1000} {
			b.Run("frames="+strconv.Itoa(frames)+"/subscribers="+strconv.Itoa(n), func(b *testing.B) {
				benchmarkFanout(b, n, frames, 64)
			})
		}
	}
}

func benchmarkFanout(b *testing.B, n, perBatch, payload int) {
	var c counters
	cfg := Config{}.withDefaults()
	h := newHub(cfg, &c)
	h.start()
	defer h.stop()
	topics, _ := h.topics.list(nil)
	t := topics[0]
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	for range n {
		cc, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		defer cc.Close()
		go io.Copy(io.Discard, cc)
		sc, err := ln.Accept()
		if err != nil {
			b.Fatal(err)
		}
		rc, err := sc.(*net.TCPConn).SyscallConn()
		if err != nil {
			b.Fatal(err)
		}
		sub := &connSub{conn: sc, rc: rc, head: []byte(rawHeader)}
		sub.init(&c, spec{topics: topics}, &cfg)
		c.reserve(0)
		if err := h.subscribe(sub); err != nil {
			b.Fatal(err)
		}
	}
	for t.subscribers.Load() != int64(n) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond) // the workers register the last ones
	pad := bytes.Repeat([]byte{'x'}, payload)
	b.ReportAllocs()
	b.ResetTimer()
	var seq uint64
	for b.Loop() {
		f := make([]frame, perBatch)
		for i := range f {
			seq++
			f[i] = frame{seq: seq, b: appendGenerated(make([]byte, 0, frameCap(payload)), seq, time.Now().UnixNano(), payload, pad)}
		}
		h.fanout(t, f)
	}
	want := seq * uint64(n)
	for c.framesWritten.Load() < want && c.subscribers.Load() == int64(n) {
		time.Sleep(100 * time.Microsecond)
	}
	b.StopTimer()
	if got := c.subscribers.Load(); got != int64(n) {
		b.Fatalf("%d subscribers left of %d; stats %+v", got, n, c.snapshot())
	}
	b.ReportMetric(float64(want)/b.Elapsed().Seconds(), "deliveries/s")
}
