package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// chunkReader returns data in chunks of the given sizes, cycling through
// them; a size of 0 makes one Read return (0, nil). With eofWithData the last
// chunk comes back together with io.EOF, as io.Reader allows.
type chunkReader struct {
	data        []byte
	sizes       []int
	next        int
	eofWithData bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	size := len(c.data)
	if len(c.sizes) > 0 {
		size = c.sizes[c.next%len(c.sizes)]
		c.next++
	}
	n := copy(p, c.data[:min(size, len(c.data))])
	c.data = c.data[n:]
	if c.eofWithData && len(c.data) == 0 {
		return n, io.EOF
	}
	return n, nil
}

// splitReader returns in as consecutive Reads ending at the given offsets,
// then the rest.
func splitReader(in []byte, at ...int) io.Reader {
	var sizes []int
	prev := 0
	for _, a := range at {
		sizes = append(sizes, a-prev)
		prev = a
	}
	sizes = append(sizes, len(in)-prev)
	return &chunkReader{data: in, sizes: sizes}
}

func TestReader_Next_fixtures(t *testing.T) {
	t.Parallel()
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			got := collect(t, strings.NewReader(f.in), Options{MaxEventBytes: f.max})
			checkResult(t, "one read", got, f.result())
		})
	}
}

// TestReader_Next_splits feeds every fixture through many chunkings and
// buffer sizes: the events must not depend on where reads split the stream.
func TestReader_Next_splits(t *testing.T) {
	t.Parallel()
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			in := []byte(f.in)
			want := f.result()
			for _, size := range []int{0, 1, 2, 3, 5, 64} {
				opts := Options{MaxEventBytes: f.max, BufferBytes: size}
				check := func(label string, src io.Reader) {
					t.Helper()
					checkResult(t, fmt.Sprintf("buffer %d, %s", size, label), collect(t, src, opts), want)
				}
				check("OneByteReader", iotest.OneByteReader(bytes.NewReader(in)))
				check("HalfReader", iotest.HalfReader(bytes.NewReader(in)))
				check("DataErrReader", iotest.DataErrReader(bytes.NewReader(in)))
				check("empty reads", &chunkReader{data: in, sizes: []int{0, 1, 0, 2}})
				for i := range len(in) + 1 {
					check(fmt.Sprintf("split at %d", i), splitReader(in, i))
				}
				if len(in) > 40 || size != 0 {
					continue // pairs grow quadratically; single splits cover the rest
				}
				for i := range len(in) + 1 {
					for j := i; j <= len(in); j++ {
						check(fmt.Sprintf("split at %d, %d", i, j), splitReader(in, i, j))
					}
				}
			}
		})
	}
}

// TestReader_Next_crLFAcrossReads pins the case most parsers get wrong: a CR
// that ends one Read and an LF that starts the next are one line break.
func TestReader_Next_crLFAcrossReads(t *testing.T) {
	t.Parallel()
	in := []byte("data: a\r\n\r\ndata: b\r\n\r\n")
	src := &chunkReader{data: in, sizes: []int{8, 2, 1, 9, 1, 1}}
	got := collect(t, src, Options{})
	checkResult(t, "split CRLF", got, result{events: []want{msg("a"), msg("b")}})
}

// TestReader_Next_bomAcrossReads checks that a BOM split over reads is still
// dropped, and a second one is kept.
func TestReader_Next_bomAcrossReads(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		sizes []int
		want  []want
	}{
		{"1+2", "\xEF\xBB\xBFdata: a\n\n", []int{1, 2, 100}, []want{msg("a")}},
		{"2+1", "\xEF\xBB\xBFdata: a\n\n", []int{2, 1, 100}, []want{msg("a")}},
		{"1+1+1", "\xEF\xBB\xBFdata: a\n\n", []int{1}, []want{msg("a")}},
		{"second BOM split", "\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\ndata: b\n\n", []int{4, 1, 1, 100}, []want{msg("b")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := collect(t, &chunkReader{data: []byte(tt.in), sizes: tt.sizes}, Options{})
			checkResult(t, tt.name, got, result{events: tt.want})
		})
	}
}

// failReader returns data, then err.
type failReader struct {
	data []byte
	err  error
}

func (f *failReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestReader_Err_readError(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("boom")
	tests := []struct {
		name string
		src  io.Reader
		want []want
	}{
		{"before any data", iotest.ErrReader(errBoom), nil},
		{"after events", &failReader{data: []byte("data: a\n\ndata: b\n\ndata: c\n"), err: errBoom}, []want{msg("a"), msg("b")}},
		{"timeout after data", iotest.TimeoutReader(strings.NewReader("data: a\n\n")), []want{msg("a")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := collect(t, tt.src, Options{BufferBytes: 16})
			checkResult(t, tt.name, got, result{events: tt.want, err: got.err})
			if got.err == nil {
				t.Fatalf("Err() = nil, want the read error")
			}
			if errors.Is(got.err, ErrEventTooLarge) {
				t.Errorf("Err() = %v, want a read error", got.err)
			}
		})
	}
	// errors.Is must see the source's own error.
	got := collect(t, &failReader{data: []byte("data: a\n\n"), err: errBoom}, Options{})
	if !errors.Is(got.err, errBoom) {
		t.Errorf("Err() = %v, want errors.Is(err, errBoom)", got.err)
	}
}

// emptyReader always returns (0, nil).
type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

func TestReader_Err_noProgress(t *testing.T) {
	t.Parallel()
	r := NewReader(emptyReader{}, Options{})
	var ev Event
	if r.Next(&ev) {
		t.Fatalf("Next() = true, want false")
	}
	if got, want := r.Err(), io.ErrNoProgress; !errors.Is(got, want) {
		t.Errorf("Err() = %v, want %v", got, want)
	}
}

// endless returns an unending run of one byte.
type endless byte

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(e)
	}
	return len(p), nil
}

// TestReader_Next_boundedMemory checks that a line that never ends stops the
// Reader after about MaxEventBytes, instead of growing its buffer forever.
func TestReader_Next_boundedMemory(t *testing.T) {
	t.Parallel()
	const limit = 10_000
	for _, b := range []byte{'x', ':', '\xEF'} {
		r := NewReader(endless(b), Options{MaxEventBytes: limit, BufferBytes: 64})
		var ev Event
		if r.Next(&ev) {
			t.Fatalf("byte %q: Next() = true, want false", b)
		}
		if err := r.Err(); !errors.Is(err, ErrEventTooLarge) {
			t.Errorf("byte %q: Err() = %v, want ErrEventTooLarge", b, err)
		}
		if got, max := r.Bytes(), uint64(2*limit); got > max {
			t.Errorf("byte %q: Bytes() = %d, want at most %d", b, got, max)
		}
		if got, max := cap(r.buf), limit+1; got > max {
			t.Errorf("byte %q: buffer capacity = %d, want at most %d", b, got, max)
		}
	}
}

func TestReader_Next_afterEnd(t *testing.T) {
	t.Parallel()
	r := NewReader(strings.NewReader("data: a\n\n"), Options{})
	var ev Event
	if !r.Next(&ev) {
		t.Fatalf("Next() = false, want true; Err() = %v", r.Err())
	}
	for i := range 3 {
		if r.Next(&ev) {
			t.Fatalf("call %d after the end: Next() = true, want false", i)
		}
	}
	if err := r.Err(); err != nil {
		t.Errorf("Err() = %v, want nil", err)
	}
}

// TestReader_Next_at checks Event.At: one clock reading per Read that
// returned bytes, shared by every event that Read completed.
func TestReader_Next_at(t *testing.T) {
	t.Parallel()
	var calls int64
	now := func() time.Time {
		calls++
		return time.Unix(calls, 0)
	}
	// Read 1 completes a and b; read 2 completes nothing; read 3 completes c.
	in := []byte("data: a\n\ndata: b\n\ndata: c\n\n")
	src := &chunkReader{data: in, sizes: []int{18, 5, 100}}
	r := NewReader(src, Options{Now: now})
	var got []string
	var ev Event
	for r.Next(&ev) {
		got = append(got, fmt.Sprintf("%s@%d", ev.Data, ev.At.Unix()))
	}
	if got, want := strings.Join(got, " "), "a@1 b@1 c@3"; got != want {
		t.Errorf("events = %s, want %s", got, want)
	}
	if got, want := calls, int64(3); got != want {
		t.Errorf("clock readings = %d, want %d", got, want)
	}
}

func TestReader_Bytes(t *testing.T) {
	t.Parallel()
	in := "\xEF\xBB\xBFdata: a\r\n\r\n: ping\ndata: b"
	r := NewReader(iotest.HalfReader(strings.NewReader(in)), Options{BufferBytes: 4})
	var ev Event
	for r.Next(&ev) {
	}
	if got, want := r.Bytes(), uint64(len(in)); got != want {
		t.Errorf("Bytes() = %d, want %d", got, want)
	}
}

// TestReader_Reset checks what survives a reconnect: the committed last
// event ID, retry, and the counters; not the partial event or BOM state.
func TestReader_Reset(t *testing.T) {
	t.Parallel()
	first := "id: 1\nretry: 300\n: one\ndata: a\n\nid: 2\nevent: x\ndata: part"
	second := "\xEF\xBB\xBF: two\ndata: b\n\n"
	r := NewReader(strings.NewReader(first), Options{})
	var ev Event
	for r.Next(&ev) {
	}
	r.Reset(strings.NewReader(second))
	if !r.Next(&ev) {
		t.Fatalf("Next() after Reset = false, want true; Err() = %v", r.Err())
	}
	if got, want := (want{string(ev.Type), string(ev.Data), string(ev.ID)}), (want{"message", "b", "1"}); got != want {
		t.Errorf("event after Reset = %q, want %q", got, want)
	}
	if got, want := string(r.LastEventID()), "1"; got != want {
		t.Errorf("LastEventID() = %q, want %q", got, want)
	}
	if got, ok := r.Retry(); got != 300*time.Millisecond || !ok {
		t.Errorf("Retry() = %v, %t, want 300ms, true", got, ok)
	}
	if got, want := r.Comments(), uint64(2); got != want {
		t.Errorf("Comments() = %d, want %d", got, want)
	}
	if got, want := r.Bytes(), uint64(len(first)+len(second)); got != want {
		t.Errorf("Bytes() = %d, want %d", got, want)
	}
	// Reset also clears an error.
	r = NewReader(strings.NewReader("data: 0123456789\n\n"), Options{MaxEventBytes: 8})
	for r.Next(&ev) {
	}
	r.Reset(strings.NewReader("data: a\n\n"))
	if !r.Next(&ev) || string(ev.Data) != "a" {
		t.Errorf("after Reset from an error: Next() = false or Data = %q, want \"a\"; Err() = %v", ev.Data, r.Err())
	}
}

// TestReader_Next_typeNotShared checks that appending to a default Type
// cannot change what later events see.
func TestReader_Next_typeNotShared(t *testing.T) {
	t.Parallel()
	r := NewReader(strings.NewReader("data: a\n\ndata: b\n\n"), Options{})
	var ev Event
	r.Next(&ev)
	_ = append(ev.Type, "-mutated"...)
	r.Next(&ev)
	if got, want := string(ev.Type), "message"; got != want {
		t.Errorf("Type = %q, want %q", got, want)
	}
}

// TestReader_Next_allocs guards the hot path: once warm, Next must not
// allocate, whatever the line endings.
func TestReader_Next_allocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, s := range benchStreams {
		t.Run(s.name, func(t *testing.T) {
			pattern, _ := s.pattern()
			r := NewReader(newLoopReader(pattern, 4096), Options{})
			var ev Event
			for range 1000 { // grow every buffer first
				r.Next(&ev)
			}
			if got := testing.AllocsPerRun(1000, func() { r.Next(&ev) }); got != 0 {
				t.Errorf("allocations per event = %v, want 0", got)
			}
		})
	}
}

// TestReader_Comment: comments reach Options.Comment as each is read, before
// any event, with the colon and one space dropped.
func TestReader_Comment(t *testing.T) {
	t.Parallel()
	var got []string
	var r *Reader
	r = NewReader(strings.NewReader(": one\n:two\n:  three\ndata: a\n\n: after\n"), Options{
		Comment: func(text []byte) { got = append(got, fmt.Sprintf("%s@%d", text, r.Comments())) },
	})
	var ev Event
	if !r.Next(&ev) {
		t.Fatalf("Next() = false; Err() = %v", r.Err())
	}
	// The three comments before the event were seen before it dispatched.
	if want := []string{"one@1", "two@2", " three@3"}; !slices.Equal(got, want) {
		t.Errorf("comments before the event = %q, want %q", got, want)
	}
	for r.Next(&ev) {
	}
	if got, want := got[len(got)-1], "after@4"; got != want {
		t.Errorf("last comment = %q, want %q", got, want)
	}
}

// TestReader_SetLastEventID: a preset id is what LastEventID reports and
// what events carry until the stream sets another.
func TestReader_SetLastEventID(t *testing.T) {
	t.Parallel()
	r := NewReader(strings.NewReader("data: a\n\nid: 9\ndata: b\n\n"), Options{})
	r.SetLastEventID([]byte("41"))
	if got := string(r.LastEventID()); got != "41" {
		t.Errorf("LastEventID() = %q, want 41", got)
	}
	var ev Event
	r.Next(&ev)
	if got := string(ev.ID); got != "41" {
		t.Errorf("first event ID = %q, want 41", got)
	}
	r.Next(&ev)
	if got := string(ev.ID); got != "9" {
		t.Errorf("second event ID = %q, want 9", got)
	}
	r.SetLastEventID([]byte("a\x00b"))
	if got := string(r.LastEventID()); got != "9" {
		t.Errorf("LastEventID() after an id with NUL = %q, want 9 (ignored)", got)
	}
}
