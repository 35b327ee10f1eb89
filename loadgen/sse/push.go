package sse

import (
	"bytes"
	"io"
	"time"
)

// Push form. A load generator that reads HTTP/2 frames holds thousands of
// streams per connection and one goroutine per connection; it cannot give
// each stream an io.Reader and a goroutine to pull from it. A push Reader
// (NewReader with a nil source) is handed each piece of the stream as it
// arrives and interprets it at once, with the same line and field code as
// the pull form:
//
//	r := sse.NewReader(nil, sse.Options{})
//	for each DATA frame payload p {
//		r.Push(p, readTime)
//		for r.Next(&ev) {
//			use(ev)
//		}
//		if r.Err() != nil { ... }
//	}
//	r.End(io.EOF) // or the error that ended the stream
//
// Lines are interpreted where they lie in the pushed bytes, so the Reader
// copies nothing but the partial line a push ends with (into own, its only
// buffer, which stays empty for a stream whose pushes end at line breaks,
// as a server's flushed events do). The next Push completes that line: up
// to its first line break it is appended to own, and the rest of it (pend)
// becomes the window after own is used up. Own therefore holds at most one
// line, bounded like every line by MaxEventBytes.

// Push gives a push Reader the next bytes of its stream; at is when they
// were received, and becomes Event.At of every event they complete. Call
// Next until it returns false before the next Push or End: the Reader
// interprets p in place, so p must stay unmodified until then, and is not
// used after. Push panics on a Reader with a source, or when the previous
// Push has not been interpreted; after an error or the end of the stream it
// does nothing.
func (r *Reader) Push(p []byte, at time.Time) {
	if r.src != nil {
		panic("sse: Push on a Reader that reads from a source")
	}
	if r.err != nil || r.done {
		return
	}
	if r.pushed {
		panic("sse: Push before Next returned false")
	}
	if len(p) == 0 {
		return
	}
	r.at = at
	r.bytes += uint64(len(p))
	r.pushed = true
	if r.end == 0 {
		// No partial line: interpret p where it lies.
		r.buf, r.start, r.end = p, 0, len(p)
		r.cr.reset()
		r.lf.reset()
		return
	}
	// Complete own's partial line with p up to its first line break. A
	// line with no break within MaxEventBytes+1 bytes is too large
	// whatever follows, so own never grows past that (plus a BOM, which
	// does not count).
	take := len(p)
	if i := indexEOL(p); i >= 0 {
		take = i + 1
	}
	room := r.max + 1 - r.end
	if !r.bomDone {
		room += len(bom)
	}
	take = min(take, max(room, 0))
	r.own = append(r.own[:r.end], p[:take]...)
	r.buf, r.end = r.own, r.end+take // cr and lf still know own[:end] holds no break
	if take < len(p) {
		r.pend = p[take:]
	}
}

// End ends a push Reader's stream with err, as a source's Read error would
// end a pull Reader's: nil or io.EOF is a clean end (Err stays nil), any
// other error becomes Err. As at the end of any stream, a partial line and
// an event no blank line dispatched are discarded. End panics, like Push,
// when pushed bytes have not been interpreted.
func (r *Reader) End(err error) {
	if r.src != nil {
		panic("sse: End on a Reader that reads from a source")
	}
	if r.err != nil || r.done {
		return
	}
	if r.pushed {
		panic("sse: End before Next returned false")
	}
	if err == nil {
		err = io.EOF
	}
	// own's partial line was checked against MaxEventBytes when it was
	// kept, so what is left to do is what line does at a read error.
	r.readErr = err
	r.finish()
}

// nextWindow moves Next on to the rest of the pushed bytes once own's
// completed line is interpreted; when every pushed byte has been, it keeps
// the partial line left over and returns false.
func (r *Reader) nextWindow() bool {
	if r.pend != nil && r.start == r.end {
		r.buf, r.start, r.end, r.pend = r.pend, 0, len(r.pend), nil
		r.cr.reset()
		r.lf.reset()
		return true
	}
	// keep: own's window cannot end in a partial line while pend holds
	// more (Push stops own at a line break or past the size bound), so
	// pend is empty here.
	n := r.end - r.start
	if n > 0 {
		r.own = append(r.own[:0], r.buf[r.start:r.end]...) // memmove when buf is own
	}
	r.buf, r.start, r.end = r.own, 0, n
	// line found no break in what is kept (or it is too short to be past
	// a BOM, and a BOM has none), so the next Push searches only new bytes.
	r.cr = byteIndex{at: -1, upto: n}
	r.lf = byteIndex{at: -1, upto: n}
	r.pend, r.pushed = nil, false
	return false
}

// indexEOL returns the index of the first CR or LF in p, or -1.
func indexEOL(p []byte) int {
	lf := bytes.IndexByte(p, '\n')
	search := p
	if lf >= 0 {
		search = p[:lf]
	}
	if cr := bytes.IndexByte(search, '\r'); cr >= 0 {
		return cr
	}
	return lf
}
