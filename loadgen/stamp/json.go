package stamp

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// NewJSON returns a latency source (a WallClock) for servers that stamp their own
// events with a publish time in a JSON field of the event data. spec is
// PATH[:UNIT], the part of `--latency json:PATH[:UNIT]` after "json:".
//
// PATH is a dotted list of object keys, e.g. "ts" or "meta.sent_at". A
// segment in canonical decimal ("0", "12", not "01") indexes an array when
// the value it meets is an array, and is an ordinary key when it meets an
// object, so "items.0.ts" and {"0": …} both work. Keys containing '.' or ':'
// cannot be named. When a key occurs twice in one object the last one wins,
// as in JavaScript's JSON.parse and Go's encoding/json.
//
// The value may be a JSON number (integer or decimal fraction, e.g. seconds
// 1700000000.123456), a string holding such a number, or an RFC 3339 string
// ("2024-05-01T12:00:00.123Z"; UNIT is then ignored). UNIT is s, ms, us (or
// µs) or ns. Without UNIT it is guessed, per event, from the magnitude of the
// number's integer part n:
//
//	n < 1e11  seconds       (now ≈ 1.7e9)
//	n < 1e14  milliseconds  (now ≈ 1.7e12)
//	n < 1e17  microseconds  (now ≈ 1.7e15)
//	else      nanoseconds   (now ≈ 1.7e18)
//
// which is unambiguous for every publish time from 1973 to 2262, the end of
// what an int64 of nanoseconds can hold.
// Negative numbers are not publish times and are ignored, as are events
// whose data is not JSON or lacks the field.
//
// The scanner does not allocate and reads each event's data once, up to the
// end of the object holding the field; it does not validate the rest.
func NewJSON(spec string) (WallClock, error) {
	p, err := parseJSONPath(spec)
	if err != nil {
		return WallClock{}, err
	}
	return WallClock{Source: "json:" + spec, Parse: p.unixNano}, nil
}

// jsonPath is a compiled PATH[:UNIT].
type jsonPath struct {
	segs []jsonSeg
	// unit of numeric values; 0 means guess from the magnitude.
	unit time.Duration
}

// jsonSeg is one segment of a path.
type jsonSeg struct {
	key   string
	index int // the key as an array index, or -1 when it is not one
}

// jsonUnits maps UNIT names to their length.
var jsonUnits = map[string]time.Duration{
	"s":  time.Second,
	"ms": time.Millisecond,
	"us": time.Microsecond,
	"µs": time.Microsecond,
	"ns": time.Nanosecond,
}

// errJSONPath is wrapped by every PATH[:UNIT] syntax error.
var errJSONPath = errors.New("want json:PATH[:UNIT], PATH like ts or meta.sent_at, UNIT s, ms, us or ns")

func parseJSONPath(spec string) (*jsonPath, error) {
	path, unit, hasUnit := strings.Cut(spec, ":")
	p := &jsonPath{}
	if hasUnit {
		u, ok := jsonUnits[unit]
		if !ok {
			return nil, fmt.Errorf("json:%s: unknown unit %q: %w", spec, unit, errJSONPath)
		}
		p.unit = u
	}
	if path == "" {
		return nil, fmt.Errorf("json:%s: empty path: %w", spec, errJSONPath)
	}
	for seg := range strings.SplitSeq(path, ".") {
		if seg == "" {
			return nil, fmt.Errorf("json:%s: empty path segment: %w", spec, errJSONPath)
		}
		p.segs = append(p.segs, jsonSeg{key: seg, index: arrayIndex(seg)})
	}
	return p, nil
}

// arrayIndex returns s as an array index when it is canonical decimal.
func arrayIndex(s string) int {
	if len(s) == 0 || len(s) > 9 || (len(s) > 1 && s[0] == '0') {
		return -1
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// unixNano extracts the publish time from data. It is WallClock.Parse.
func (p *jsonPath) unixNano(data []byte) (int64, bool) {
	raw, ok := p.lookup(data)
	if !ok {
		return 0, false
	}
	return stampNanos(raw, p.unit)
}

// lookup returns the raw bytes of the value at the path: a number or
// literal as written, a string with its quotes, an object or array with its
// brackets.
func (p *jsonPath) lookup(data []byte) ([]byte, bool) {
	start, end := skipWS(data, 0), 0
	for _, seg := range p.segs {
		if start >= len(data) {
			return nil, false
		}
		ok := false
		switch data[start] {
		case '{':
			start, end, ok = findKey(data, start, seg.key)
		case '[':
			if seg.index >= 0 {
				start, end, ok = findIndex(data, start, seg.index)
			}
		}
		if !ok {
			return nil, false
		}
	}
	return data[start:end], true
}
