package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// chunk is what one Read of a recorded source returned.
type chunk struct {
	data []byte
	err  error
}

// recordingReader passes src through and records every Read, so that a
// push Reader can be given exactly what a pull Reader read.
type recordingReader struct {
	src   io.Reader
	reads []chunk
}

func (r *recordingReader) Read(p []byte) (int, error) {
	n, err := r.src.Read(p)
	if n >= 0 && n <= len(p) {
		r.reads = append(r.reads, chunk{bytes.Clone(p[:n]), err})
	}
	return n, err
}

// poison is written over the push buffer once a push is interpreted, so a
// Reader that kept a reference to pushed bytes reads garbage.
const poison = 0xA5

// collectPush pushes reads, in order, to a new push Reader, interpreting
// each before the next, and ends the stream with the first read error. The
// bytes are pushed from one scratch buffer that is overwritten after each
// push, as a connection's frame buffer is.
func collectPush(tb testing.TB, reads []chunk, opts Options) result {
	tb.Helper()
	r := NewReader(nil, opts)
	var res result
	var ev Event
	scratch := make([]byte, 0, 64)
	for _, c := range reads {
		scratch = append(scratch[:0], c.data...)
		r.Push(scratch, time.Time{})
		for r.Next(&ev) {
			res.events = append(res.events, want{string(ev.Type), string(ev.Data), string(ev.ID)})
			if len(res.events) > 1<<16 {
				tb.Fatalf("more than %d events; Next does not stop", 1<<16)
			}
		}
		for i := range scratch {
			scratch[i] = poison
		}
		if c.err != nil {
			r.End(c.err)
			break
		}
	}
	if r.Next(&ev) {
		tb.Fatalf("push form: Next() = true after the end of the stream")
	}
	res.comments = r.Comments()
	res.retry, res.retrySet = r.Retry()
	res.lastID = string(r.LastEventID())
	res.err = r.Err()
	return res
}

// TestReader_Push_at checks Event.At in the push form: the time given with
// the Push that completed the event.
func TestReader_Push_at(t *testing.T) {
	t.Parallel()
	r := NewReader(nil, Options{})
	var got []string
	var ev Event
	for i, p := range []string{"data: a\n\ndata: b\n\nda", "ta: c", "\n\n"} {
		r.Push([]byte(p), time.Unix(int64(i+1), 0))
		for r.Next(&ev) {
			got = append(got, fmt.Sprintf("%s@%d", ev.Data, ev.At.Unix()))
		}
	}
	if got, want := strings.Join(got, " "), "a@1 b@1 c@3"; got != want {
		t.Errorf("events = %s, want %s", got, want)
	}
}

// TestReader_Push_ownBuffer checks that a push Reader copies only partial
// lines: a stream whose pushes end at line breaks never needs a buffer.
func TestReader_Push_ownBuffer(t *testing.T) {
	t.Parallel()
	r := NewReader(nil, Options{})
	var ev Event
	for range 10 {
		r.Push([]byte("id: 1\ndata: 0123456789\n\n"), time.Time{})
		for r.Next(&ev) {
		}
	}
	if got := cap(r.own); got != 0 {
		t.Errorf("own buffer capacity = %d after whole-line pushes, want 0", got)
	}
	r.Push([]byte("data: 012345"), time.Time{})
	for r.Next(&ev) {
	}
	if got, want := string(r.own[:r.end]), "data: 012345"; got != want {
		t.Errorf("kept partial line = %q, want %q", got, want)
	}
}

// TestReader_Push_boundedMemory checks that a line that never ends stops a
// push Reader after about MaxEventBytes, however it is pushed.
func TestReader_Push_boundedMemory(t *testing.T) {
	t.Parallel()
	const limit = 1000
	for _, size := range []int{1, 7, 4096} {
		r := NewReader(nil, Options{MaxEventBytes: limit})
		p := bytes.Repeat([]byte{'x'}, size)
		var ev Event
		for range 3 * limit {
			r.Push(p, time.Time{})
			if r.Next(&ev) {
				t.Fatalf("push %d: Next() = true, want false", size)
			}
		}
		if err := r.Err(); !errors.Is(err, ErrEventTooLarge) {
			t.Errorf("push %d: Err() = %v, want ErrEventTooLarge", size, err)
		}
		if got, max := cap(r.own), 2*(limit+1); got > max {
			t.Errorf("push %d: buffer capacity = %d, want at most %d", size, got, max)
		}
	}
}

// TestReader_Push_reset checks that Reset(nil) starts a new pushed stream
// that keeps the last event ID and retry, and drops the partial event.
func TestReader_Push_reset(t *testing.T) {
	t.Parallel()
	r := NewReader(nil, Options{})
	var ev Event
	r.Push([]byte("id: 1\nretry: 300\ndata: a\n\nid: 2\ndata: part"), time.Time{})
	for r.Next(&ev) {
	}
	r.End(errors.New("reset by peer"))
	r.Reset(nil)
	r.Push([]byte("\xEF\xBB\xBFdata: b\n\n"), time.Time{})
	if !r.Next(&ev) {
		t.Fatalf("Next() after Reset = false, want true; Err() = %v", r.Err())
	}
	if got, want := (want{string(ev.Type), string(ev.Data), string(ev.ID)}), (want{"message", "b", "1"}); got != want {
		t.Errorf("event after Reset = %q, want %q", got, want)
	}
	if got, ok := r.Retry(); got != 300*time.Millisecond || !ok {
		t.Errorf("Retry() = %v, %t, want 300ms, true", got, ok)
	}
	// A pull Reader can become a push Reader and back.
	p := NewReader(strings.NewReader("data: x\n\n"), Options{})
	p.Reset(nil)
	p.Push([]byte("data: y\n\n"), time.Time{})
	if !p.Next(&ev) || string(ev.Data) != "y" {
		t.Errorf("pull Reader Reset(nil): Next() = false or Data = %q, want \"y\"", ev.Data)
	}
}

// TestReader_Push_misuse checks the panics that guard the push contract.
func TestReader_Push_misuse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func()
	}{
		{"Push on a pull Reader", func() { NewReader(strings.NewReader(""), Options{}).Push([]byte("x"), time.Time{}) }},
		{"End on a pull Reader", func() { NewReader(strings.NewReader(""), Options{}).End(nil) }},
		{"Push twice", func() {
			r := NewReader(nil, Options{})
			r.Push([]byte("data: a\n\n"), time.Time{})
			r.Push([]byte("data: b\n\n"), time.Time{})
		}},
		{"End before Next", func() {
			r := NewReader(nil, Options{})
			r.Push([]byte("data: a\n\n"), time.Time{})
			r.End(nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Errorf("no panic")
				}
			}()
			tt.fn()
		})
	}
}

// TestReader_Push_allocs guards the push form's hot path: once warm, a
// push and its events allocate nothing.
func TestReader_Push_allocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, s := range benchStreams {
		t.Run(s.name, func(t *testing.T) {
			pattern, _ := s.pattern()
			p := newPusher(pattern, 4096)
			var ev Event
			for range 1000 { // grow every buffer first
				p.next(&ev)
			}
			if got := testing.AllocsPerRun(1000, func() { p.next(&ev) }); got != 0 {
				t.Errorf("allocations per event = %v, want 0", got)
			}
		})
	}
}
