package result

import hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

// Interval is one point of a run's time series, covering the ElapsedS
// seconds since the run started back to the previous interval.
type Interval struct {
	// ElapsedS is the end of the interval, seconds since the run started.
	ElapsedS float64 `json:"elapsed_s"`
	// Connected is how many subscribers had a stream at the end.
	Connected int `json:"connected"`
	// Events received in the interval.
	Events uint64 `json:"events"`
	// Bytes received in the interval.
	Bytes uint64 `json:"bytes"`
	// EventsPerS is Events over the interval's length.
	EventsPerS float64 `json:"events_per_s"`
	// BytesPerS is Bytes over the interval's length.
	BytesPerS float64 `json:"bytes_per_s"`
	// FanoutP50US is the median fan-out latency in the interval, µs.
	FanoutP50US int64 `json:"fanout_p50_us"`
	// FanoutP99US is the 99th percentile fan-out latency in the interval, µs.
	FanoutP99US int64 `json:"fanout_p99_us"`
	// Errors is the number of failures in the interval.
	Errors int64 `json:"errors"`
	// Reconnects is the number of reconnections in the interval.
	Reconnects int64 `json:"reconnects"`
	// FanoutHDR is the interval's fan-out latency histogram (µs) in
	// HdrHistogram's V2 compressed base64 encoding, the payload of an
	// interval log line: it lets `ssebench report --format hlog` rebuild
	// the log from a saved result, and lets any interval range be merged
	// later. It costs about 1–7 KB per interval (60 bytes when empty).
	FanoutHDR string `json:"fanout_hdr,omitempty"`
}

// FanoutHistogram decodes FanoutHDR. An interval without one (a result
// from before the key existed) gives an error.
func (iv Interval) FanoutHistogram() (*hdrhistogram.Histogram, error) {
	return Latency{HDR: iv.FanoutHDR}.Histogram()
}

// EncodeHDR returns h in HdrHistogram's V2 compressed base64 encoding, the
// form stored in Latency.HDR and Interval.FanoutHDR. It returns "" only if
// encoding fails, which it cannot for a histogram built by this package's
// bounds: the encoder writes to memory.
func EncodeHDR(h *hdrhistogram.Histogram) string {
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return ""
	}
	return string(b)
}
