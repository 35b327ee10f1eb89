package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Schema is the version of the Report layout written by this code. It grows
// by one whenever a key changes meaning; adding keys does not change it.
const Schema = 1

// Report is the canonical result of one run. Field names follow the JSON keys
// (snake_case, units in names).
type Report struct {
	// Schema is the layout version; see the Schema constant.
	Schema int `json:"schema"`
	// Tool names the program and version that wrote the report.
	Tool string `json:"tool"`
	// Target is the URL of the event stream, or "embedded" details for the
	// in-process reference server.
	Target string `json:"target"`
	// Embedded is true when the target was the in-process reference server.
	Embedded bool `json:"embedded"`
	// Protocol is the protocol that was asked for: h1, h2 or h2c.
	Protocol string `json:"protocol"`
	// Started is the wall-clock time the run began.
	Started time.Time `json:"started"`
	// DurationS is how long subscribers were held, in seconds (the
	// measurement window; it is shorter than asked for when the run was
	// interrupted).
	DurationS float64 `json:"duration_s"`
	// Interrupted is true when the run was stopped early (Ctrl-C, SIGTERM).
	Interrupted bool `json:"interrupted"`
	// Config echoes the configuration that ran.
	Config json.RawMessage `json:"config,omitempty"`

	// Subscribers counts subscriptions.
	Subscribers Subscribers `json:"subscribers"`
	// Events counts what arrived.
	Events Events `json:"events"`
	// LatencyUS holds the latency distributions, in microseconds.
	LatencyUS Latencies `json:"latency_us"`
	// Errors counts failures by class: dial, tls, status, content_type,
	// read, eof, too_large, … (a bounded set of keys).
	Errors map[string]int64 `json:"errors"`
	// ErrorSamples keeps the first message seen for each error class, so a
	// user can see what "status" meant (e.g. "404 Not Found").
	ErrorSamples map[string]string `json:"error_samples,omitempty"`
	// Warnings are plain sentences about anything that makes the numbers
	// less trustworthy or incomplete.
	Warnings []string `json:"warnings"`
	// Intervals is the time series of the run, one entry per interval.
	Intervals []Interval `json:"intervals,omitempty"`
}

// Subscribers counts subscriptions over the run.
type Subscribers struct {
	// Requested is how many subscribers the run asked for.
	Requested int `json:"requested"`
	// Connected is how many got a stream (2xx, text/event-stream) at least once.
	Connected int `json:"connected"`
	// Failed is how many never got a stream.
	Failed int `json:"failed"`
	// Dropped is how many had a stream and lost it before the run ended.
	Dropped int `json:"dropped"`
}

// Events counts what the subscribers received.
type Events struct {
	// Received is the number of events dispatched to all subscribers.
	Received uint64 `json:"received"`
	// Bytes is the number of stream bytes read (after HTTP framing).
	Bytes uint64 `json:"bytes"`
	// Gaps is the number of events missing by sequence id.
	Gaps uint64 `json:"gaps"`
	// Duplicates is the number of events whose id was not newer than the
	// previous one on the same stream.
	Duplicates uint64 `json:"duplicates"`
	// Comments is the number of comment lines (heartbeats).
	Comments uint64 `json:"comments"`
	// RatePerS is Received divided by the measurement window, per second.
	RatePerS float64 `json:"rate_per_s"`
	// BytesPerS is Bytes divided by the measurement window, per second.
	BytesPerS float64 `json:"bytes_per_s"`
}

// Latencies groups the latency distributions of a run, all in microseconds.
type Latencies struct {
	// Fanout is publish-to-receive latency per event.
	Fanout Latency `json:"fanout"`
	// Connect is request-to-response-headers time per connection attempt
	// that succeeded (TCP connect included for HTTP/1.1).
	Connect Latency `json:"connect"`
	// FirstEvent is time from the start of the request to the first event.
	FirstEvent Latency `json:"first_event"`
}

// Encoder writes a Report in one format.
type Encoder func(w io.Writer, r *Report) error

// encoders maps a format name to its Encoder.
var encoders = map[string]Encoder{
	"text": Text,
	"json": JSON,
}

// Names lists the formats Lookup knows, sorted.
func Names() []string {
	return []string{"json", "text"}
}

// Lookup returns the Encoder for a format name.
func Lookup(name string) (Encoder, error) {
	if e, ok := encoders[name]; ok {
		return e, nil
	}
	return nil, fmt.Errorf("reports: unknown format %q (have %v)", name, Names())
}
