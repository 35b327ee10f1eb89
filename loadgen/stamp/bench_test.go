package stamp

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// stampEvents are event data values of the shapes the json latency source
// meets: a flat object with padding, a server's envelope around a nested
// stamp, and an RFC 3339 string.
var stampEvents = []struct {
	name, spec, data string
}{
	{"flat", "ts", `{"id":"c4ca4238","ts":1700000000123,"pad":"` + strings.Repeat("x", 64) + `"}`},
	{"nested", "data.meta.sent_at", `{"channel":"prices","seq":9,"data":{"symbol":"ACME","bid":[101.5,102],"meta":{"src":"feed-1","sent_at":1700000000.123456}}}`},
	{"rfc3339", "meta.sent_at", `{"meta":{"sent_at":"2023-11-14T22:13:20.123456789Z"},"body":"hello"}`},
}

// BenchmarkJSONStamp measures the per-event cost of the json latency source.
func BenchmarkJSONStamp(b *testing.B) {
	benchStamps(b, func(spec string) (func([]byte) bool, error) {
		src, err := NewJSON(spec)
		if err != nil {
			return nil, err
		}
		return func(data []byte) bool { _, ok := src.Parse(data); return ok }, nil
	})
}

// BenchmarkJSONStamp_decoderBaseline is the same lookup done by streaming
// encoding/json's Decoder tokens (the alternative to the hand scanner),
// for comparison only: it allocates for every token.
func BenchmarkJSONStamp_decoderBaseline(b *testing.B) {
	benchStamps(b, func(spec string) (func([]byte) bool, error) {
		p, err := parseJSONPath(spec)
		if err != nil {
			return nil, err
		}
		return func(data []byte) bool { return decoderLookup(data, p.segs) }, nil
	})
}

// benchStamps runs a lookup, made for each of stampEvents' specs, over
// that event's data.
func benchStamps(b *testing.B, lookup func(spec string) (func([]byte) bool, error)) {
	for _, ev := range stampEvents {
		b.Run(ev.name, func(b *testing.B) {
			find, err := lookup(ev.spec)
			if err != nil {
				b.Fatal(err)
			}
			data := []byte(ev.data)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if !find(data) {
					b.Fatal("not found")
				}
			}
		})
	}
}

// decoderLookup finds the value at segs (object keys only) by streaming
// json.Decoder tokens, skipping other members with Decode into a
// json.RawMessage: the natural way to use encoding/json for this.
func decoderLookup(data []byte, segs []jsonSeg) bool {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return decoderFind(d, segs)
}

func decoderFind(d *json.Decoder, segs []jsonSeg) bool {
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	for d.More() {
		key, err := d.Token()
		if err != nil {
			return false
		}
		if key == segs[0].key {
			if len(segs) == 1 {
				_, err := d.Token()
				return err == nil
			}
			return decoderFind(d, segs[1:])
		}
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			return false
		}
	}
	return false
}
