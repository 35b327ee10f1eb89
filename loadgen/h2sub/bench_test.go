package h2sub

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/ssebench/ssebench/loadgen/sse"
)

// loopConn is a net.Conn whose reads replay pattern forever and whose
// writes are discarded: a server that never stops sending.
type loopConn struct {
	net.Conn // nil: only Read, Write and Close are used
	pattern  []byte
	off      int
}

func (l *loopConn) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], l.pattern[l.off:])
		n += c
		l.off = (l.off + c) % len(l.pattern)
	}
	return n, nil
}

func (l *loopConn) Write(p []byte) (int, error) { return len(p), nil }
func (l *loopConn) Close() error                { return nil }

// countSink counts events and does nothing else.
type countSink struct{ events, comments int }

func (c *countSink) OnHeaders(*Stream, *Response)               {}
func (c *countSink) OnEvent(*Stream, *sse.Event)                { c.events++ }
func (c *countSink) OnComment(_ *Stream, n int)                 { c.comments += n }
func (c *countSink) OnEnd(*Stream, error) (bool, time.Duration) { return false, 0 }

// benchConn returns a connection with streams open and streaming, reading
// a pattern of one DATA frame per stream in turn, each carrying one event
// shaped like the reference server's.
func benchConn(tb testing.TB, streams int, sink Sink) *conn {
	tb.Helper()
	cfg, t, err := Config{URL: "http://127.0.0.1:1/events"}.withDefaults()
	if err != nil {
		tb.Fatal(err)
	}
	cl := &Client{cfg: cfg, t: t, timers: map[*Stream]*time.Timer{}}
	cl.ctx, cl.cancel = context.WithCancel(context.Background())
	tb.Cleanup(cl.cancel)
	var wire bytes.Buffer
	fr := http2.NewFramer(&wire, nil)
	for seq := range 64 { // enough frames that reads straddle frames at varying offsets
		for i := range streams {
			ev := fmt.Sprintf("id: %d\ndata: {\"pub_ns\":1764000000123456789,\"seq\":%d,\"pad\":\"xxxxxxxx\"}\n\n", 1000+seq, 1000+seq)
			fr.WriteData(uint32(2*i+1), false, []byte(ev))
		}
	}
	cn := cl.initConn(&loopConn{pattern: wire.Bytes()})
	cn.isReady = true
	req := &Request{}
	req.compile()
	for range streams {
		s := &Stream{client: cl, req: req, sink: sink, rd: sse.NewReader(nil, sse.Options{})}
		if !cn.reserve() {
			tb.Fatal("no room")
		}
		cn.open(s)
		s.state = stateStreaming
	}
	return cn
}

// step reads and handles one frame.
func step(tb testing.TB, cn *conn) {
	f, err := cn.fr.ReadFrame()
	if err == nil {
		err = cn.handle(f)
	}
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkConn_event measures the engine's per-event path: one DATA frame
// with one event per op, read from a connection's buffered socket reads,
// over 1,000 streams, with flow-control updates. The goal is 0 allocs/op.
func BenchmarkConn_event(b *testing.B) {
	sink := &countSink{}
	cn := benchConn(b, 1000, sink)
	b.ReportAllocs()
	for b.Loop() {
		step(b, cn)
	}
	if sink.events < b.N {
		b.Fatalf("%d events in %d frames", sink.events, b.N)
	}
}

// TestConn_eventAllocs guards the hot path: once warm, a DATA frame and its
// event allocate nothing.
func TestConn_eventAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	sink := &countSink{}
	cn := benchConn(t, 100, sink)
	for range 20000 { // grow every buffer, pass window updates
		step(t, cn)
	}
	if got := testing.AllocsPerRun(10000, func() { step(t, cn) }); got != 0 {
		t.Errorf("allocations per event = %v, want 0", got)
	}
	if sink.events < 30000 {
		t.Errorf("events = %d, want one per frame", sink.events)
	}
}
