package result

import hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

// Interval is one point of a run's time series, covering the run from
// StartS to ElapsedS seconds after it started.
type Interval struct {
	// ElapsedS is the end of the interval, seconds since the run started.
	ElapsedS float64 `json:"elapsed_s"`
	// StartS is the start of the interval, seconds since the run started.
	// Intervals follow a fixed grid of the interval length from the run's
	// start, and one that a phase switch cuts is split there, so an
	// interval can be shorter. Results from before the key existed lack
	// it; their intervals start where the previous one ended.
	StartS float64 `json:"start_s"`
	// Phase is the phase of the run the whole interval lies in: "ramp",
	// "steady" or "ramp-down"; empty in results from before the key
	// existed. Every measurement is booked by its receive time, so the
	// steady intervals add up to the headline figures.
	Phase string `json:"phase,omitempty"`
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
