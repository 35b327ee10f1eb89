package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// DefaultMaxEventBytes is the event size bound used when
// Options.MaxEventBytes is 0.
const DefaultMaxEventBytes = 1 << 20

// DefaultBufferBytes is the read buffer size used when Options.BufferBytes
// is 0.
const DefaultBufferBytes = 4096

// ErrEventTooLarge is reported by Reader.Err, possibly wrapped, when an event
// or a single line grows past Options.MaxEventBytes.
var ErrEventTooLarge = errors.New("sse: event exceeds max size")

// maxEmptyReads is how many (0, nil) results in a row from the source make
// Next give up with io.ErrNoProgress, as bufio does.
const maxEmptyReads = 100

// messageType is the type of events that set none. It is shared by every
// Reader, so Event.Type must never be modified by callers.
var messageType = []byte("message")

// bom is the UTF-8 encoding of U+FEFF, which the UTF-8 decoder named by the
// spec drops once from the start of the stream.
var bom = []byte{0xEF, 0xBB, 0xBF}

// Event is one dispatched event. Its byte slices alias the Reader's buffers
// and are valid until the next call to Next; callers must not modify them.
type Event struct {
	// Type is the event type, "message" when the stream set none.
	Type []byte
	// Data holds the event's data lines joined with LF, without a trailing LF.
	Data []byte
	// ID is the last event ID in force when the event was dispatched. It may
	// be empty.
	ID []byte
	// At is when the Read that completed the event returned, taken with
	// Options.Now. Every event completed by one Read shares the same At.
	At time.Time
}

// Options configures a Reader. The zero value is ready to use.
type Options struct {
	// MaxEventBytes bounds the data of one event plus the line being read,
	// in bytes. 0 means DefaultMaxEventBytes.
	MaxEventBytes int
	// BufferBytes is the initial size of the read buffer, in bytes. The
	// buffer grows, up to about MaxEventBytes, to hold a line that does not
	// fit. 0 means DefaultBufferBytes.
	BufferBytes int
	// Now is the clock for Event.At. nil means time.Now.
	Now func() time.Time
	// Comment, when set, is called with the text of each comment line as
	// soon as the line is read, from inside Next: the line after its colon
	// and the one space that may follow it, as for a field value. text is
	// valid only during the call. Comments do not dispatch events, so a
	// stream of heartbeats alone would otherwise go unseen until it ends.
	Comment func(text []byte)
}

// A Reader reads events from a Server-Sent Events stream. It is not safe for
// concurrent use.
//
// A Reader either pulls bytes from an io.Reader (NewReader with a source)
// or is pushed them (NewReader with a nil source, then Push); both forms
// interpret bytes with the same code, described in push.go.
type Reader struct {
	src     io.Reader
	now     func() time.Time
	max     int
	size    int // Options.BufferBytes, for a pull buffer allocated late
	comment func([]byte)

	// buf[start:end] holds bytes read but not yet interpreted. Pulling, buf
	// is own; pushed, it is the caller's bytes or own (push.go).
	buf        []byte
	start, end int
	cr, lf     byteIndex // where the next line break is, so no byte is searched twice
	own        []byte    // the Reader's own buffer

	// Push state (push.go): pend is the part of the pushed bytes that
	// follows the line completed in own; pushed is set from Push until Next
	// has interpreted every pushed byte.
	pend   []byte
	pushed bool

	bomDone bool // the start of the stream has been checked for a BOM
	skipLF  bool // the last line ended in CR, so a following LF belongs to it
	sent    bool // Next returned an event whose buffers must be reset
	at      time.Time

	data, typ []byte
	// id is the spec's last event ID buffer; lastID is the event source's
	// last event ID string, which only follows id at each blank line. The
	// two differ when a stream ends after an id line but before the blank
	// line, and a reconnect must send lastID.
	id, lastID []byte
	idDirty    bool

	retry    time.Duration
	retrySet bool
	comments uint64
	bytes    uint64

	readErr error // returned by src, acted on once buf runs out of lines
	err     error // returned by Err
	done    bool
}

// NewReader returns a Reader that reads events from src. A nil src makes a
// push Reader, which is given the stream's bytes with Push as they arrive
// and allocates no read buffer up front (see Push).
func NewReader(src io.Reader, opts Options) *Reader {
	r := &Reader{now: opts.Now, max: opts.MaxEventBytes, size: opts.BufferBytes, comment: opts.Comment}
	if r.now == nil {
		r.now = time.Now
	}
	if r.max <= 0 {
		r.max = DefaultMaxEventBytes
	}
	if r.size <= 0 {
		r.size = DefaultBufferBytes
	}
	r.Reset(src)
	return r
}

// Reset makes r read a new stream from src, as a client does when it
// reconnects, and reuses r's buffers; a nil src makes r a push Reader. It
// discards any partly read event and looks for a BOM again. The last event
// ID and the retry value are kept, as browsers keep them across reconnects;
// an id line that no blank line followed is dropped with the partial event.
// Comments and Bytes are not reset, so they count over every stream r has
// read.
func (r *Reader) Reset(src io.Reader) {
	r.src = src
	if src != nil && len(r.own) == 0 {
		r.own = make([]byte, r.size)
	}
	r.buf, r.pend, r.pushed = r.own, nil, false
	r.start, r.end = 0, 0
	r.cr.reset()
	r.lf.reset()
	r.bomDone, r.skipLF, r.sent = false, false, false
	r.data, r.typ = r.data[:0], r.typ[:0]
	r.id, r.idDirty = append(r.id[:0], r.lastID...), false
	r.readErr, r.err, r.done = nil, nil, false
}

// Next reads the next event into ev, which must not be nil. ev's byte slices
// are valid until the next call to Next, Push or Reset. Next returns false
// at the end of the stream or on error; see Err. A push Reader's Next also
// returns false, with Err nil, once it has interpreted every pushed byte:
// Push more, or End the stream.
func (r *Reader) Next(ev *Event) bool {
	if r.err != nil || r.done {
		return false
	}
	if r.sent {
		// Reset only now, because ev.Data and ev.Type alias these buffers.
		r.data, r.typ, r.sent = r.data[:0], r.typ[:0], false
	}
	for {
		line, ok := r.line()
		if !ok {
			if r.err != nil || r.done {
				return false
			}
			if r.src == nil {
				if r.nextWindow() {
					continue
				}
				return false // every pushed byte is interpreted
			}
			r.fill()
			continue
		}
		if len(line) != 0 {
			r.field(line)
			continue
		}
		// A blank line dispatches. The spec commits the last event ID first,
		// even when there is no data to dispatch.
		if r.idDirty {
			r.lastID, r.idDirty = append(r.lastID[:0], r.id...), false
		}
		if len(r.data) == 0 {
			r.typ = r.typ[:0]
			continue
		}
		ev.Type = messageType[:len(messageType):len(messageType)] // full slice: append copies
		if len(r.typ) != 0 {
			ev.Type = r.typ
		}
		ev.Data = r.data[:len(r.data)-1]
		ev.ID = r.lastID
		ev.At = r.at
		r.sent = true
		return true
	}
}

// Err returns the error that stopped Next: nil at a clean end of stream, an
// error for which errors.Is(err, ErrEventTooLarge) holds, or the source's
// read error as it was returned.
func (r *Reader) Err() error { return r.err }

// Comments returns how many comment lines r has seen. Servers send comments
// as heartbeats.
func (r *Reader) Comments() uint64 { return r.comments }

// Bytes returns how many bytes r has read from its sources, BOM and line
// breaks included.
func (r *Reader) Bytes() uint64 { return r.bytes }

// Retry returns the reconnection time from the last valid retry field, and
// whether the stream has sent one.
func (r *Reader) Retry() (time.Duration, bool) { return r.retry, r.retrySet }

// LastEventID returns the last event ID as of the last blank line, which is
// what a client sends in the Last-Event-ID header when it reconnects. The
// slice is valid until the next call to Next or Reset.
func (r *Reader) LastEventID() []byte { return r.lastID }

// SetLastEventID sets the last event ID, as though a stream had ended
// after an event with this id: a client resuming where an earlier session
// left off. An id containing NUL is ignored, as in an id field.
func (r *Reader) SetLastEventID(id []byte) {
	if bytes.IndexByte(id, 0) >= 0 {
		return
	}
	r.lastID = append(r.lastID[:0], id...)
	r.id, r.idDirty = append(r.id[:0], id...), false
}

// line returns the next complete line in buf, without its line break. When
// buf holds none it returns false, having set r.err or r.done if the stream
// cannot supply more.
func (r *Reader) line() ([]byte, bool) {
	if r.skipLF && r.start < r.end {
		if r.buf[r.start] == '\n' {
			r.start++
		}
		r.skipLF = false
	}
	if !r.bomDone {
		head := r.buf[r.start:r.end]
		switch {
		case len(head) >= len(bom) || r.readErr != nil:
			if len(head) >= len(bom) && head[0] == bom[0] && head[1] == bom[1] && head[2] == bom[2] {
				r.start += len(bom)
			}
			r.bomDone = true
		case len(head) > 0 && !isPrefix(head, bom):
			r.bomDone = true
		default:
			// Too few bytes to tell: a BOM may be split across reads.
			return nil, false
		}
	}
	// limit is how long a line may be before the event outgrows r.max. A
	// data line adds at most its own length to r.data, so checking lines is
	// enough to bound r.data too.
	limit := r.max - len(r.data)
	i := r.eol()
	if i < 0 {
		// The same test for a partial line as for a whole one below means
		// the error does not depend on where reads split the line.
		if r.end-r.start > limit {
			r.err = fmt.Errorf("%w: more than %d bytes", ErrEventTooLarge, r.max)
		} else if r.readErr != nil {
			// The spec discards a partial line, and with it any event in
			// progress, at the end of the stream.
			r.finish()
		}
		return nil, false
	}
	if i-r.start > limit {
		r.err = fmt.Errorf("%w: more than %d bytes", ErrEventTooLarge, r.max)
		return nil, false
	}
	line := r.buf[r.start:i]
	r.skipLF = r.buf[i] == '\r'
	r.start = i + 1
	return line, true
}

// eol returns the index in buf of the first CR or LF in buf[start:end], or
// -1 if there is none.
func (r *Reader) eol() int {
	lf := r.lf.find(r.buf, r.start, r.end, '\n')
	end := r.end
	if lf >= 0 {
		end = lf // a CR after the LF does not matter yet
	}
	// A remembered CR always precedes any LF found later; cr < lf only
	// keeps that from being a silent assumption.
	if cr := r.cr.find(r.buf, r.start, end, '\r'); cr >= 0 && (lf < 0 || cr < lf) {
		return cr
	}
	return lf
}

// finish ends the stream on the source's pending error.
func (r *Reader) finish() {
	if r.readErr == io.EOF {
		r.done = true
		return
	}
	r.err = r.readErr
}

// fill makes room in buf and reads once from the source, retrying reads
// that return nothing.
func (r *Reader) fill() {
	switch {
	case r.start == r.end:
		r.start, r.end = 0, 0
		r.cr.reset()
		r.lf.reset()
	case r.start > 0:
		// Slide the partial line down so the next Read gets the whole tail.
		n := copy(r.buf, r.buf[r.start:r.end])
		r.cr.shift(r.start)
		r.lf.shift(r.start)
		r.start, r.end = 0, n
	case r.end == len(r.buf):
		// A partial line fills buf. line has checked it against r.max, so
		// growing to r.max+1 bytes is enough to see it break or overflow.
		size := min(2*len(r.buf), r.max+1)
		size = max(size, len(r.buf)+1) // still room for a split BOM when r.max < 3
		buf := make([]byte, size)
		copy(buf, r.buf[:r.end])
		r.buf, r.own = buf, buf
	}
	for range maxEmptyReads {
		n, err := r.src.Read(r.buf[r.end:])
		if n < 0 || n > len(r.buf)-r.end {
			r.readErr = fmt.Errorf("sse: source returned invalid count %d from Read", n)
			return
		}
		if n > 0 {
			// One clock reading per Read, not per event: it is the receive
			// time of every line this Read completes.
			r.at = r.now()
			r.end += n
			r.bytes += uint64(n)
		}
		if err != nil {
			r.readErr = err
			return
		}
		if n > 0 {
			return
		}
	}
	r.readErr = io.ErrNoProgress
}

// isPrefix reports whether b is a prefix of p.
func isPrefix(b, p []byte) bool {
	return len(b) <= len(p) && string(b) == string(p[:len(b)])
}
