package refserver

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// wantFrame is the frame as the wire contract spells it, written out by hand
// rather than with the code under test.
func wantFrame(seq uint64, pubNs int64, payloadBytes int) string {
	data := fmt.Sprintf(`{"pub_ns":%d,"pad":""}`, pubNs)
	if n := payloadBytes - len(data); n > 0 {
		data = fmt.Sprintf(`{"pub_ns":%d,"pad":"%s"}`, pubNs, strings.Repeat("x", n))
	}
	return fmt.Sprintf("id: %d\ndata: %s\n\n", seq, data)
}

func TestAppendGenerated(t *testing.T) {
	t.Parallel()
	const ts = int64(1_700_000_000_123_456_789) // 19 digits, like any date from 2001 to 2286
	tests := []struct {
		name         string
		seq          uint64
		pubNs        int64
		payloadBytes int
		want         string
	}{
		{"default payload", 1, ts, 64, "id: 1\ndata: {\"pub_ns\":1700000000123456789,\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxx\"}\n\n"},
		{"zero payload is shortest", 7, ts, 0, "id: 7\ndata: {\"pub_ns\":1700000000123456789,\"pad\":\"\"}\n\n"},
		{"exactly unpadded length", 2, ts, 39, "id: 2\ndata: {\"pub_ns\":1700000000123456789,\"pad\":\"\"}\n\n"},
		{"one byte of pad", 3, ts, 40, "id: 3\ndata: {\"pub_ns\":1700000000123456789,\"pad\":\"x\"}\n\n"},
		{"short timestamp", 10, 5, 30, wantFrame(10, 5, 30)},
		{"large payload", 1 << 40, ts, 4096, wantFrame(1<<40, ts, 4096)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pad := bytes.Repeat([]byte{'x'}, tt.payloadBytes)
			got := appendGenerated(nil, tt.seq, tt.pubNs, tt.payloadBytes, pad)
			if string(got) != tt.want {
				t.Errorf("appendGenerated = %q, want %q", got, tt.want)
			}
			if got, want := string(got), wantFrame(tt.seq, tt.pubNs, tt.payloadBytes); got != want {
				t.Errorf("appendGenerated = %q, hand-built frame %q", got, want)
			}
			if len(got) > frameCap(tt.payloadBytes) {
				t.Errorf("frame length %d > frameCap %d", len(got), frameCap(tt.payloadBytes))
			}
		})
	}
}

func TestAppendGenerated_dataLength(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^id: (\d+)\ndata: (\{"pub_ns":(\d+),"pad":"(x*)"\})\n\n$`)
	now := time.Now().UnixNano()
	for payload := 0; payload <= 200; payload++ {
		pad := bytes.Repeat([]byte{'x'}, payload)
		f := appendGenerated(make([]byte, 0, frameCap(payload)), 42, now, payload, pad)
		m := re.FindSubmatch(f)
		if m == nil {
			t.Fatalf("payload %d: frame %q does not match %s", payload, f, re)
		}
		if got, want := len(m[2]), max(payload, 39); got != want {
			t.Errorf("payload %d: data length = %d, want %d", payload, got, want)
		}
	}
}

func TestParsePublishTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		data   string
		want   int64
		wantOK bool
	}{
		{"generated", `{"pub_ns":1700000000123456789,"pad":"xx"}`, 1700000000123456789, true},
		{"no pad field", `{"pub_ns":42}`, 42, true},
		{"max int64", `{"pub_ns":9223372036854775807}`, 1<<63 - 1, true},
		{"leading zeros", `{"pub_ns":0000000000000000001,"x":1}`, 1, true},
		{"empty", ``, 0, false},
		{"prefix only", `{"pub_ns":`, 0, false},
		{"no digits", `{"pub_ns":,"pad":""}`, 0, false},
		{"negative", `{"pub_ns":-5}`, 0, false},
		{"no terminator", `{"pub_ns":123`, 0, false},
		{"bad terminator", `{"pub_ns":123x}`, 0, false},
		{"float", `{"pub_ns":1.5}`, 0, false},
		{"overflow", `{"pub_ns":9223372036854775808}`, 0, false},
		{"20 digits", `{"pub_ns":10000000000000000000}`, 0, false},
		{"space after colon", `{"pub_ns": 12}`, 0, false},
		{"other key", `{"ts":12}`, 0, false},
		{"plain text", `hello`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := ParsePublishTime([]byte(tt.data))
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ParsePublishTime(%q) = %d, %v; want %d, %v", tt.data, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestParsePublishTime_roundTrip(t *testing.T) {
	t.Parallel()
	for _, ts := range []int64{0, 1, 999, time.Now().UnixNano(), 1<<63 - 1} {
		for _, payload := range []int{0, 64, 1000} {
			f := appendGenerated(nil, 1, ts, payload, bytes.Repeat([]byte{'x'}, payload))
			_, data, _ := strings.Cut(strings.TrimSuffix(string(f), "\n\n"), "\ndata: ")
			got, ok := ParsePublishTime([]byte(data))
			if !ok || got != ts {
				t.Errorf("ParsePublishTime(%q) = %d, %v; want %d, true", data, got, ok, ts)
			}
		}
	}
}

func TestParsePublishTime_noAllocs(t *testing.T) {
	data := []byte(`{"pub_ns":1700000000123456789,"pad":"xxxx"}`)
	if n := testing.AllocsPerRun(100, func() { ParsePublishTime(data) }); n != 0 {
		t.Errorf("ParsePublishTime allocs = %v, want 0", n)
	}
}

func TestAppendGenerated_oneAlloc(t *testing.T) {
	pad := bytes.Repeat([]byte{'x'}, 64)
	n := testing.AllocsPerRun(100, func() {
		appendGenerated(make([]byte, 0, frameCap(64)), 123456, time.Now().UnixNano(), 64, pad)
	})
	if n != 1 {
		t.Errorf("encoding a frame allocs = %v, want 1 (the frame)", n)
	}
}

func BenchmarkAppendGenerated(b *testing.B) {
	for _, payload := range []int{64, 1024} {
		pad := bytes.Repeat([]byte{'x'}, payload)
		b.Run("payload="+strconv.Itoa(payload), func(b *testing.B) {
			b.ReportAllocs()
			ts := time.Now().UnixNano()
			for i := range b.N {
				appendGenerated(make([]byte, 0, frameCap(payload)), uint64(i), ts, payload, pad)
			}
		})
	}
}

func BenchmarkParsePublishTime(b *testing.B) {
	data := []byte(`{"pub_ns":1700000000123456789,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxx"}`)
	b.ReportAllocs()
	for range b.N {
		if _, ok := ParsePublishTime(data); !ok {
			b.Fatal("not ok")
		}
	}
}

func TestAppendPublished(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		event string
		data  string
		want  string
	}{
		{"one line", "", "hello", "id: 7\ndata: hello\n\n"},
		{"event type", "price", `{"v":1}`, "id: 7\nevent: price\ndata: {\"v\":1}\n\n"},
		{"empty", "", "", "id: 7\ndata: \n\n"},
		{"LF", "", "a\nb", "id: 7\ndata: a\ndata: b\n\n"},
		{"CRLF", "", "a\r\nb", "id: 7\ndata: a\ndata: b\n\n"},
		{"lone CR", "", "a\rb", "id: 7\ndata: a\ndata: b\n\n"},
		{"trailing newline", "", "a\n", "id: 7\ndata: a\ndata: \n\n"},
		{"blank lines", "", "a\n\n\r\rb", "id: 7\ndata: a\ndata: \ndata: \ndata: \ndata: b\n\n"},
		{"colons stay", "", "data: x", "id: 7\ndata: data: x\n\n"},
	}
	for _, tt := range tests {
		got := appendPublished(nil, 7, tt.event, []byte(tt.data))
		if string(got) != tt.want {
			t.Errorf("%s: appendPublished = %q, want %q", tt.name, got, tt.want)
		}
		if n := publishedLen(tt.event, []byte(tt.data)); n < len(got) {
			t.Errorf("%s: publishedLen = %d < %d", tt.name, n, len(got))
		}
	}
}

func TestAppendLostAndRetry(t *testing.T) {
	t.Parallel()
	if got, want := string(appendLost(nil, "news", 4, 7)), "id: 7\nevent: lost\ndata: {\"topic\":\"news\",\"lost\":4,\"from\":4,\"to\":7}\n\n"; got != want {
		t.Errorf("appendLost = %q, want %q", got, want)
	}
	if got, want := string(appendRetry(nil, 1500*time.Millisecond)), "retry: 1500\n\n"; got != want {
		t.Errorf("appendRetry = %q, want %q", got, want)
	}
}
