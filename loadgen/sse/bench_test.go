package sse

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// benchStream is a repeating wire pattern for benchmarks.
type benchStream struct {
	name  string
	event func(seq int) string // the event with sequence number seq
}

// pattern returns enough events to fill several 4 KiB reads, so that events
// straddle read boundaries at varying offsets as they do on a real socket.
func (s benchStream) pattern() (wire []byte, events int) {
	var b strings.Builder
	for ; b.Len() < 64<<10; events++ {
		b.WriteString(s.event(12345 + events))
	}
	return []byte(b.String()), events
}

// benchStreams are shaped like the reference server's output: a sequence
// number in id and the send time in data.
var benchStreams = []benchStream{
	{"LF", func(seq int) string {
		return fmt.Sprintf("id: %d\ndata: {\"pub_ns\":1764000000123456789,\"pad\":\"xxxxxxxx\"}\n\n", seq)
	}},
	{"CRLF", func(seq int) string {
		return fmt.Sprintf("id: %d\r\ndata: {\"pub_ns\":1764000000123456789,\"pad\":\"xxxxxxxx\"}\r\n\r\n", seq)
	}},
	{"multiline", func(seq int) string {
		return fmt.Sprintf("id: %d\nevent: tick\ndata: {\"pub_ns\":1764000000123456789,\ndata: \"pad\":\"xxxxxxxx\",\ndata: \"more\":[1,2,3]}\n\n", seq)
	}},
	{"CR", func(seq int) string {
		return fmt.Sprintf("id: %d\rdata: {\"pub_ns\":1764000000123456789,\"pad\":\"xxxxxxxx\"}\r\r", seq)
	}},
	{"heartbeats", func(seq int) string {
		return fmt.Sprintf(": ping\nid: %d\ndata: {\"pub_ns\":1764000000123456789,\"pad\":\"xxxxxxxx\"}\n\n", seq)
	}},
}

// loopReader serves pattern over and over in chunks of at most chunk bytes,
// like a socket that never closes.
type loopReader struct {
	pattern []byte
	off     int
	chunk   int
}

func newLoopReader(pattern []byte, chunk int) *loopReader {
	return &loopReader{pattern: pattern, chunk: chunk}
}

func (l *loopReader) Read(p []byte) (int, error) {
	p = p[:min(len(p), l.chunk)]
	n := 0
	for n < len(p) {
		c := copy(p[n:], l.pattern[l.off:])
		n += c
		l.off = (l.off + c) % len(l.pattern)
	}
	return n, nil
}

// BenchmarkReader measures one event per op, read from ~4 KiB chunks, so
// ns/op, B/op and allocs/op are per event; the goal is 0 allocs/op.
func BenchmarkReader(b *testing.B) {
	for _, s := range benchStreams {
		b.Run(s.name, func(b *testing.B) {
			pattern, events := s.pattern()
			r := NewReader(newLoopReader(pattern, 4096), Options{})
			var ev Event
			b.SetBytes(int64(len(pattern) / events)) // the average event's wire size
			b.ReportAllocs()
			for b.Loop() {
				if !r.Next(&ev) {
					b.Fatalf("Next() = false; Err() = %v", r.Err())
				}
			}
		})
	}
}

// pusher feeds a push Reader pattern over and over in chunks of at most
// chunk bytes, like a connection's frames that never end.
type pusher struct {
	r   *Reader
	src *loopReader
	buf []byte
}

func newPusher(pattern []byte, chunk int) *pusher {
	return &pusher{r: NewReader(nil, Options{}), src: newLoopReader(pattern, chunk), buf: make([]byte, chunk)}
}

// next returns the next event, pushing chunks until one completes.
func (p *pusher) next(ev *Event) bool {
	for !p.r.Next(ev) {
		if p.r.Err() != nil {
			return false
		}
		n, _ := p.src.Read(p.buf)
		p.r.Push(p.buf[:n], time.Time{})
	}
	return true
}

// BenchmarkReader_push is BenchmarkReader for the push form: one event per
// op, pushed in ~4 KiB chunks.
func BenchmarkReader_push(b *testing.B) {
	for _, s := range benchStreams {
		b.Run(s.name, func(b *testing.B) {
			pattern, events := s.pattern()
			p := newPusher(pattern, 4096)
			var ev Event
			b.SetBytes(int64(len(pattern) / events))
			b.ReportAllocs()
			for b.Loop() {
				if !p.next(&ev) {
					b.Fatalf("Next() = false; Err() = %v", p.r.Err())
				}
			}
		})
	}
}
