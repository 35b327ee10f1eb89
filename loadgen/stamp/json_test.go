package stamp

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// stampAt is the publish time used by the fixtures: 2023-11-14T22:13:20.123456789Z.
const stampAt = int64(1_700_000_000_123_456_789)

func TestNewJSON_values(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, spec, data string
		want             int64 // Unix ns
		ok               bool
	}{
		// Units given.
		{"seconds int", "ts:s", `{"ts":1700000000}`, 1_700_000_000e9, true},
		{"seconds fraction", "ts:s", `{"ts":1700000000.123456789}`, stampAt, true},
		{"seconds fraction beyond ns", "ts:s", `{"ts":1700000000.1234567891234}`, stampAt, true},
		{"ms", "ts:ms", `{"ts":1700000000123}`, 1_700_000_000_123e6, true},
		{"ms fraction", "ts:ms", `{"ts":1700000000123.456789}`, stampAt, true},
		{"us", "ts:us", `{"ts":1700000000123456}`, 1_700_000_000_123_456e3, true},
		{"µs", "ts:µs", `{"ts":1700000000123456}`, 1_700_000_000_123_456e3, true},
		{"ns", "ts:ns", `{"ts":1700000000123456789}`, stampAt, true},
		{"unit beats magnitude", "ts:ms", `{"ts":1700000000}`, 1_700_000_000e6, true},
		{"exponent", "ts:s", `{"ts":1.7e9}`, 1_700_000_000e9, true},
		// Units guessed from the integer part's magnitude.
		{"guess s", "ts", `{"ts":1700000000}`, 1_700_000_000e9, true},
		{"guess s fraction", "ts", `{"ts":1700000000.123456789}`, stampAt, true},
		{"guess s year 2255", "ts", `{"ts":9000000000}`, 9_000_000_000e9, true},
		{"guess ms lower bound", "ts", `{"ts":100000000000}`, 100_000_000_000e6, true},
		{"guess ms", "ts", `{"ts":1700000000123}`, 1_700_000_000_123e6, true},
		{"guess us", "ts", `{"ts":1700000000123456}`, 1_700_000_000_123_456e3, true},
		{"guess ns", "ts", `{"ts":1700000000123456789}`, stampAt, true},
		{"guess exponent ms", "ts", `{"ts":1.7e12}`, 1_700_000_000_000e6, true},
		// Strings.
		{"numeric string", "ts", `{"ts":"1700000000123"}`, 1_700_000_000_123e6, true},
		{"rfc3339 Z", "ts", `{"ts":"2023-11-14T22:13:20.123456789Z"}`, stampAt, true},
		{"rfc3339 offset", "ts", `{"ts":"2023-11-15T00:13:20.123456789+02:00"}`, stampAt, true},
		{"rfc3339 no fraction", "ts", `{"ts":"2023-11-14T22:13:20Z"}`, 1_700_000_000e9, true},
		{"rfc3339 unit ignored", "ts:ms", `{"ts":"2023-11-14T22:13:20Z"}`, 1_700_000_000e9, true},
		{"rfc3339 bad day", "ts", `{"ts":"2023-02-29T22:13:20Z"}`, 0, false},
		{"escaped string", "ts", `{"ts":"2023-11-14T22:13:20\u005A"}`, 0, false},
		// Paths.
		{"nested", "meta.sent_at:ms", `{"id":7,"meta":{"x":[1,{"sent_at":2}],"sent_at":1700000000123}}`, 1_700_000_000_123e6, true},
		{"deep in wrapper", "data.payload.ts", `{"channel":"c","data":{"payload":{"body":"{\"ts\":1}","ts":1700000000}}}`, 1_700_000_000e9, true},
		{"array index", "items.1.ts:s", `{"items":[{"ts":1},{"ts":1700000000}]}`, 1_700_000_000e9, true},
		{"top-level array", "0:s", ` [1700000000, 2]`, 1_700_000_000e9, true},
		{"digit key in object", "0:s", `{"0":1700000000}`, 1_700_000_000e9, true},
		{"last duplicate wins", "ts:s", `{"ts":1,"ts":1700000000}`, 1_700_000_000e9, true},
		{"escaped key", "sent_at:s", `{"sent\u005fat":1700000000}`, 1_700_000_000e9, true},
		{"whitespace", "a.b:s", "\r\n { \"a\" :\t{ \"b\" : 1700000000 } } ", 1_700_000_000e9, true},
		{"same key elsewhere ignored", "ts:s", `{"x":{"ts":5},"y":["ts",{"ts":6}],"ts":1700000000}`, 1_700_000_000e9, true},
		// Not found or not a time.
		{"missing", "ts", `{"t":1700000000}`, 0, false},
		{"missing nested", "meta.ts", `{"meta":{"x":1}}`, 0, false},
		{"not an object", "meta.ts", `{"meta":5}`, 0, false},
		{"index out of range", "items.2", `{"items":[1,2]}`, 0, false},
		{"index into object by non-key", "items.01", `{"items":[1,2]}`, 0, false},
		{"not json", "ts", `hello ts:1700000000`, 0, false},
		{"empty", "ts", ``, 0, false},
		{"truncated", "ts", `{"ts":17000`, 0, false},
		{"negative", "ts", `{"ts":-1700000000}`, 0, false},
		{"leading zero", "ts", `{"ts":01700000000}`, 0, false},
		{"bool", "ts", `{"ts":true}`, 0, false},
		{"object", "ts", `{"ts":{}}`, 0, false},
		{"overflow", "ts:s", `{"ts":9300000000000000000}`, 0, false},
		{"overflow ns", "ts:s", `{"ts":9300000000}`, 0, false},
		{"malformed after match", "ts", `{"ts":1700000000,"x" 1}`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src, err := NewJSON(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := src.Parse([]byte(tt.data))
			if ok != tt.ok || (ok && got != tt.want) {
				t.Errorf("Parse(%s) = %d, %v; want %d, %v (%v)", tt.data, got, ok, tt.want, tt.ok, time.Unix(0, got).UTC())
			}
		})
	}
}

func TestNewJSON_specErrors(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{"", ":ms", "ts:", "ts:h", "a..b", ".a", "a.", "ts:ms:s"} {
		t.Run(spec, func(t *testing.T) {
			t.Parallel()
			if _, err := NewJSON(spec); !errors.Is(err, errJSONPath) {
				t.Errorf("NewJSON(%q) error = %v, want one wrapping errJSONPath", spec, err)
			}
		})
	}
}

func TestNewJSON_latencyAndName(t *testing.T) {
	t.Parallel()
	src, err := NewJSON("meta.ts:ms")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := src.Name(), "json:meta.ts:ms"; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
	pub := time.UnixMilli(1_700_000_000_000)
	d, ok := src.Latency([]byte(`{"meta":{"ts":1700000000000}}`), pub.Add(20*time.Millisecond))
	if !ok || d != 20*time.Millisecond {
		t.Errorf("Latency = %v, %v; want 20ms, true", d, ok)
	}
}

func TestParseRFC3339_matchesTimeParse(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"1970-01-01T00:00:00Z", "2000-02-29T23:59:59.999999999Z", "2023-11-14T22:13:20.1+05:30",
		"1999-12-31T23:59:59-08:00", "2262-04-11T23:47:16Z", "1678-01-01T00:00:00Z", "0001-01-01T00:00:00Z",
		"2023-11-14T22:13:20,5Z", "2024-01-01T00:00:00.1234567890123Z",
	} {
		want, err := time.Parse(time.RFC3339Nano, s)
		got, ok := parseRFC3339([]byte(s))
		inRange := err == nil && want.Year() > 1677 && want.Year() < 2262
		if ok != inRange || (ok && got != want.UnixNano()) {
			t.Errorf("parseRFC3339(%q) = %d, %v; time.Parse = %d, %v", s, got, ok, want.UnixNano(), err)
		}
	}
}

func TestNewJSON_noAllocs(t *testing.T) {
	src, err := NewJSON("meta.sent_at")
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range []string{
		`{"id":"x","meta":{"sent_at":1700000000123,"tags":["a","b"]},"pad":"` + strings.Repeat("x", 64) + `"}`,
		`{"meta":{"sent_at":"2023-11-14T22:13:20.123456789Z"}}`,
		`{"meta":{"sent_at":1700000000.123456}}`,
		`{"other":1}`,
	} {
		b := []byte(data)
		if n := testing.AllocsPerRun(100, func() { src.Parse(b) }); n != 0 {
			t.Errorf("Parse(%s) allocates %.0f times per call, want 0", data, n)
		}
	}
}
