package stamp

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzJSONPath checks the hand-written scanner against encoding/json: it
// never panics, and on valid JSON it finds exactly the value encoding/json
// finds at the same path (the last of duplicate keys, array elements by
// canonical index), byte for byte for numbers.
func FuzzJSONPath(f *testing.F) {
	for _, seed := range []struct{ data, path string }{
		{`{"ts":1700000000123}`, "ts"},
		{`{"meta":{"sent_at":"2023-11-14T22:13:20Z"},"x":[1,{"a":2}]}`, "meta.sent_at"},
		{`{"items":[{"ts":1},{"ts":2.5e3}]}`, "items.1.ts"},
		{`{"a":{"b":1},"a":{"c":2}}`, "a.b"},
		{`{"k\u00e9y":1,"k\ud83d\ude00":2,"\ud800":3}`, "k😀"},
		{`[[[[[1]]]]]`, "0.0.0.0.0"},
		{`{"a":"\"}","b":[{"}":"]"}],"c":3}`, "c"},
		{`{"0":{"1":[0,1,{"2":true}]}}`, "0.1.2.2"},
		{`  {"ts" : -0.5e-3 , "ts":null}`, "ts"},
		{`{"ts":1,}`, "ts"},
		{`{"ts":`, "ts"},
	} {
		f.Add([]byte(seed.data), seed.path)
	}
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		p, err := parseJSONPath(path)
		if err != nil || p.unit != 0 {
			return
		}
		raw, ok := p.lookup(data)
		if ok {
			_, _ = stampNanos(raw, 0) // must not panic either
		}
		if !json.Valid(data) || !utf8.Valid(data) {
			return
		}
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatalf("json.Valid but Decode: %v", err)
		}
		want, found := walk(v, p.segs)
		if ok != found {
			t.Fatalf("lookup(%q, %q) found = %v, encoding/json found = %v (%v)", data, path, ok, found, want)
		}
		if !ok {
			return
		}
		switch w := want.(type) {
		case json.Number:
			if string(raw) != string(w) {
				t.Fatalf("lookup(%q, %q) = %s, encoding/json = %s", data, path, raw, w)
			}
		case string:
			var got string
			if err := json.Unmarshal(raw, &got); err != nil || got != w {
				t.Fatalf("lookup(%q, %q) = %s (%q, %v), encoding/json = %q", data, path, raw, got, err, w)
			}
		default:
			var got any
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("lookup(%q, %q) = %s: %v", data, path, raw, err)
			}
		}
	})
}

// walk is the reference lookup over encoding/json's generic values.
func walk(v any, segs []jsonSeg) (any, bool) {
	for _, s := range segs {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[s.key]; !ok {
				return nil, false
			}
		case []any:
			if s.index < 0 || s.index >= len(x) {
				return nil, false
			}
			v = x[s.index]
		default:
			return nil, false
		}
	}
	return v, true
}

// strictRFC3339 is the RFC 3339 date-time grammar (time.Parse is laxer: it
// takes a one-digit hour, for one).
var strictRFC3339 = regexp.MustCompile(`^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d([.,]\d+)?([Zz]|[+-]\d\d:\d\d)$`)

// FuzzParseRFC3339 checks the allocation-free parser against time.Parse: it
// never panics, it accepts only the RFC 3339 grammar, and on a time an int64
// of nanoseconds can hold it agrees with time.Parse.
func FuzzParseRFC3339(f *testing.F) {
	for _, s := range []string{
		"2023-11-14T22:13:20.123456789Z", "2023-11-15T00:13:20+02:00", "2000-02-29T00:00:00,5-00:30",
		"1900-02-29T00:00:00Z", "2023-13-01T00:00:00Z", "2023-11-14t22:13:20z", "2023-11-14T22:13:20.Z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseRFC3339([]byte(s))
		strict := strictRFC3339.MatchString(s)
		if ok && !strict {
			t.Fatalf("parseRFC3339(%q) = %d, true; want false, not RFC 3339", s, got)
		}
		want, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
		if !strict || err != nil || want.Year() < 1678 || want.Year() > 2261 {
			return
		}
		if !ok || got != want.UnixNano() {
			t.Fatalf("parseRFC3339(%q) = %d, %v; time.Parse = %d", s, got, ok, want.UnixNano())
		}
	})
}
