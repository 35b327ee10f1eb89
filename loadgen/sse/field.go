package sse

import (
	"bytes"
	"math"
	"time"
)

// field interprets one non-blank line, following the WHATWG rules for
// processing a field: https://html.spec.whatwg.org/multipage/server-sent-events.html#processField
func (r *Reader) field(line []byte) {
	if line[0] == ':' {
		r.comments++
		if r.comment != nil {
			text := line[1:]
			if len(text) > 0 && text[0] == ' ' {
				text = text[1:]
			}
			r.comment(text)
		}
		return
	}
	name, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:] // only one space; "data:  x" keeps " x"
		}
	}
	// The compiler compares string(name) with each case without allocating.
	switch string(name) {
	case "data":
		r.data = append(r.data, value...)
		r.data = append(r.data, '\n')
	case "event":
		r.typ = append(r.typ[:0], value...)
	case "id":
		// An ID with NUL is ignored, so it can never reach a header.
		if bytes.IndexByte(value, 0) < 0 {
			r.id = append(r.id[:0], value...)
			r.idDirty = true
		}
	case "retry":
		if d, ok := parseRetry(value); ok {
			r.retry, r.retrySet = d, true
		}
	}
}

// maxRetryMillis is the largest millisecond count a time.Duration holds.
const maxRetryMillis = math.MaxInt64 / int64(time.Millisecond)

// parseRetry parses a retry field value: one or more ASCII digits giving
// milliseconds. Values too large for a time.Duration saturate, because the
// spec accepts any run of digits and a very long wait is what the server
// asked for.
func parseRetry(v []byte) (time.Duration, bool) {
	if len(v) == 0 {
		return 0, false
	}
	var ms int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		// ms <= maxRetryMillis keeps ms*10+9 far below MaxInt64.
		ms = min(ms*10+int64(c-'0'), maxRetryMillis)
	}
	return time.Duration(ms) * time.Millisecond, true
}

// A byteIndex remembers where one byte value was last searched for in a
// Reader's buffer, so that scanning for CR and for LF separately stays
// linear: a stream of lone CRs would otherwise make every line rescan to the
// next LF, and a long line arriving in small reads would rescan its start on
// every read.
//
// If at >= start, buf[at] is the first such byte at or after start.
// Otherwise buf[start:upto] holds none.
type byteIndex struct {
	at, upto int
}

// find returns the index of the first c in buf[start:end], or -1.
func (x *byteIndex) find(buf []byte, start, end int, c byte) int {
	if x.at >= start {
		return x.at
	}
	from := max(start, x.upto)
	if from >= end { // nothing new to search (and never a slice panic)
		return -1
	}
	if i := bytes.IndexByte(buf[from:end], c); i >= 0 {
		x.at = from + i
		return x.at
	}
	x.at, x.upto = -1, end
	return -1
}

// shift follows buf's contents moving n bytes towards its start.
func (x *byteIndex) shift(n int) {
	x.at -= n
	x.upto -= n
}

// reset forgets everything, for an empty buffer.
func (x *byteIndex) reset() {
	x.at, x.upto = -1, 0
}
