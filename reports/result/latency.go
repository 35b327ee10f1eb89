package result

import (
	"errors"
	"fmt"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram bounds used for every latency distribution: 1 µs to 1 hour at 3
// significant figures, so values are kept to within 0.1%.
const (
	MinLatencyUS = 1
	MaxLatencyUS = 3600 * 1000 * 1000
	SigFigs      = 3
)

// NewLatencyHistogram returns an empty histogram with the standard bounds.
func NewLatencyHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(MinLatencyUS, MaxLatencyUS, SigFigs)
}

// Latency summarises one distribution in microseconds. HDR keeps the whole
// histogram, losslessly, in HdrHistogram's V2 compressed base64 encoding, so
// saved results can be merged and re-analysed later.
type Latency struct {
	Count int64   `json:"count"`
	Min   int64   `json:"min"`
	Mean  float64 `json:"mean"`
	P50   int64   `json:"p50"`
	P90   int64   `json:"p90"`
	P99   int64   `json:"p99"`
	P999  int64   `json:"p999"`
	Max   int64   `json:"max"`
	HDR   string  `json:"hdr"`
}

// Summarize computes a Latency from a histogram of microsecond values. An
// empty histogram gives a zero Latency with HDR still set.
func Summarize(h *hdrhistogram.Histogram) (Latency, error) {
	enc, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return Latency{}, fmt.Errorf("reports: encode histogram: %w", err)
	}
	l := Latency{HDR: string(enc), Count: h.TotalCount()}
	if l.Count == 0 {
		return l, nil
	}
	l.Min = h.Min()
	l.Mean = h.Mean()
	l.P50 = h.ValueAtQuantile(50)
	l.P90 = h.ValueAtQuantile(90)
	l.P99 = h.ValueAtQuantile(99)
	l.P999 = h.ValueAtQuantile(99.9)
	l.Max = h.Max()
	return l, nil
}

// Histogram decodes HDR back into a histogram.
func (l Latency) Histogram() (*hdrhistogram.Histogram, error) {
	if l.HDR == "" {
		return nil, errors.New("reports: latency has no hdr histogram")
	}
	h, err := hdrhistogram.Decode([]byte(l.HDR))
	if err != nil {
		return nil, fmt.Errorf("reports: decode hdr: %w", err)
	}
	return h, nil
}
