package result

import (
	"encoding/json"
	"net/url"
	"strings"
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
	// Label names the run in comparisons (legends, table columns). Empty
	// means Name derives one; `ssebench report` uses the file name.
	Label string `json:"label,omitempty"`
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
	// Config echoes the configuration that ran (durations as strings
	// such as "10s"; older files hold integers of
	// nanoseconds, and both read: see ParseDuration).
	Config json.RawMessage `json:"config,omitempty"`
	// EmbeddedServer is the load the embedded reference server generated
	// when it was the target; absent for a URL.
	EmbeddedServer *EmbeddedServer `json:"embedded_server,omitempty"`
	// Scenario is the scenario file the run's settings came from, if any.
	Scenario string `json:"scenario,omitempty"`

	// LatencySource names how fan-out latency was measured ("reference",
	// "json:…", "publisher"); empty when it was not measured.
	LatencySource string `json:"latency_source"`
	// Transport describes the connections as negotiated.
	Transport Transport `json:"transport"`

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
	// DeliveryRatio is the unique (event, subscriber) deliveries ÷ the
	// deliveries expected: each published event once for every subscriber
	// that held a stream when it was published (publisher mode); nil
	// otherwise. It never exceeds 1; duplicates are counted apart.
	DeliveryRatio *float64 `json:"delivery_ratio,omitempty"`
	// PerSubscriberEvents is the distribution of events received per
	// subscriber in the steady state: unfair fan-out shows as a wide spread.
	PerSubscriberEvents Latency `json:"per_subscriber_events"`
	// Publish describes what ssebench published itself (publisher mode).
	Publish *Publish `json:"publish,omitempty"`
	// Ramp holds what was measured while subscribers were connecting; the
	// headline figures exclude it.
	Ramp *Phase `json:"ramp,omitempty"`
	// SelfCheck tells whether the load generator itself was the bottleneck.
	SelfCheck SelfCheck `json:"self_check"`
	// Warnings are plain sentences about anything that makes the numbers
	// less trustworthy or incomplete.
	Warnings []string `json:"warnings"`
	// WarningCodes holds each warning's stable code (the Warn* constants),
	// in the order of Warnings; absent in results written before codes.
	WarningCodes []string `json:"warning_codes,omitempty"`
	// Thresholds are the run's pass/fail criteria (--threshold), each
	// with what was measured, in the order given; absent when none were
	// set. See ParseThreshold.
	Thresholds []ThresholdResult `json:"thresholds,omitempty"`
	// Intervals is the time series of the run, one entry per interval.
	Intervals []Interval `json:"intervals,omitempty"`
	// Shard says which part of a sharded run this is (shard.go); absent
	// for a whole run and for a merged result.
	Shard *Shard `json:"shard,omitempty"`
	// Shards lists the shards a merged result was built from (shard.go);
	// absent unless the result is a merge.
	Shards []ShardSummary `json:"shards,omitempty"`
}

// EmbeddedServer is what the embedded reference server was asked to
// generate: the load every subscriber received.
type EmbeddedServer struct {
	// RatePerS is the events generated per second (the --rate flag).
	RatePerS float64 `json:"rate_per_s"`
	// PayloadBytes is the data size of each event (the --payload flag).
	PayloadBytes int `json:"payload_bytes"`
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
	// Reconnects counts successful reconnections after a stream ended.
	Reconnects int64 `json:"reconnects"`
	// Redirects counts the HTTP redirects (301, 302, 303, 307, 308)
	// subscriber requests followed, as EventSource does.
	Redirects int64 `json:"redirects"`
}

// Events counts what the subscribers received.
type Events struct {
	// Received is the number of events dispatched to all subscribers.
	Received uint64 `json:"received"`
	// Bytes is the number of stream bytes read (after HTTP framing).
	Bytes uint64 `json:"bytes"`
	// Gaps is the number of events missing by sequence id (per topic for
	// composite ids), and the events a server's lost notice named. It is
	// 0 and not measured when IDScheme says the ids are not sequences.
	Gaps uint64 `json:"gaps"`
	// Duplicates is the number of events whose id was not newer than the
	// previous one on the same stream; not measured, like Gaps, unless
	// the ids are sequences.
	Duplicates uint64 `json:"duplicates"`
	// IDScheme is what the event ids were: "consecutive" (integers that
	// step by 1), "composite" (per-topic ids like "a:5,b:7"),
	// "increasing" (integers with other steps, or timestamps), "opaque"
	// (UUIDs and other strings) or "none". Gaps, Duplicates and
	// LostOnReconnect are measured for consecutive and composite ids
	// only. Empty in results written before schemes were detected.
	IDScheme string `json:"id_scheme,omitempty"`
	// IDResets counts ids that went down after a reconnect (per topic for
	// composite ids): the server numbered its events from the start again,
	// as after a restart. Counting restarts again from the new id.
	IDResets uint64 `json:"id_resets"`
	// Comments is the number of comment lines (heartbeats).
	Comments uint64 `json:"comments"`
	// LostOnReconnect is the number of events missing by sequence id across
	// reconnects (a subset of Gaps).
	LostOnReconnect uint64 `json:"lost_on_reconnect"`
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
	// Headers is time from the start of the request to its response
	// headers, per attempt that got headers (whatever the status).
	Headers Latency `json:"headers"`
	// InterEvent is the time between consecutive events on one stream.
	InterEvent Latency `json:"inter_event"`
	// Reconnect is the time from a stream ending to its replacement
	// delivering response headers, including the retry delay.
	Reconnect Latency `json:"reconnect"`
	// Replayed is the publish-to-receive latency of events a reconnected
	// stream delivered that were published before it began (resumed from
	// Last-Event-ID, or replayed history), over the whole run. It
	// measures the reconnection, so Fanout leaves these events out.
	Replayed Latency `json:"replayed"`
}

// Transport describes the connections as they were negotiated.
type Transport struct {
	// Negotiated is the HTTP protocol the server answered with
	// ("HTTP/1.1", "HTTP/2.0"); "mixed: …" when subscribers differed.
	Negotiated string `json:"negotiated"`
	// TLS is the TLS version, empty for cleartext.
	TLS string `json:"tls,omitempty"`
	// Connections is the number of TCP connections opened.
	Connections int `json:"connections"`
	// H2MaxConcurrentStreams is the SETTINGS_MAX_CONCURRENT_STREAMS the
	// server advertised over HTTP/2 (the lowest seen); 0 for HTTP/1.1.
	H2MaxConcurrentStreams uint32 `json:"h2_max_concurrent_streams,omitempty"`
}

// Publish describes the events ssebench published itself.
type Publish struct {
	// Sent is the number of publish requests that succeeded.
	Sent uint64 `json:"sent"`
	// Failed is the number that failed (error or non-2xx status).
	Failed uint64 `json:"failed"`
	// Duplicates counts deliveries of an event a subscriber had already
	// received; the delivery ratio counts each (event, subscriber) once.
	Duplicates uint64 `json:"duplicates"`
	// Replayed counts events delivered on a stream that began after they
	// were published; see LatencyUS.Replayed.
	Replayed uint64 `json:"replayed"`
	// Deliveries and ExpectedDeliveries are the two terms of the delivery
	// ratio: unique (event, subscriber) deliveries of the events it
	// counts, and the subscribers that held a stream when each was
	// published. A merge of shard results sums them, so the merged ratio
	// is exact. 0 in results written before they were recorded.
	Deliveries         uint64 `json:"deliveries,omitempty"`
	ExpectedDeliveries uint64 `json:"expected_deliveries,omitempty"`
	// RatePerS is Sent over the steady state, per second.
	RatePerS float64 `json:"rate_per_s"`
	// LatencyUS is the publish request latency, measured from each
	// request's intended send time so that a stalled server cannot hide
	// (coordinated omission).
	LatencyUS Latency `json:"latency_us"`
}

// Phase is what was measured during one phase of a run.
type Phase struct {
	// DurationS is the phase's length in seconds.
	DurationS float64 `json:"duration_s"`
	// Events received in the phase.
	Events uint64 `json:"events"`
	// FanoutUS is the fan-out latency in the phase, µs.
	FanoutUS Latency `json:"fanout_us"`
}

// SelfCheck records how busy the load generator itself was.
type SelfCheck struct {
	// CPUPercent is the process's CPU use over the steady state, in percent
	// of one core.
	CPUPercent float64 `json:"cpu_percent"`
	// Cores is the number of cores the process may use (GOMAXPROCS).
	Cores int `json:"cores"`
	// ReaderLagUS is how far behind the readers were, µs (p99 of the delay
	// between a scheduled wake-up and when it ran).
	ReaderLagUS int64 `json:"reader_lag_us"`
	// Saturated is true when the load generator was the bottleneck: it
	// was saturated itself, or the host gave it too little CPU (Cause).
	Saturated bool `json:"saturated"`
	// Signal names the signal that decided Saturated: "cpu",
	// "sched_latency", "processing_lag", "tick_lateness" or "wakeup_lag";
	// empty when not saturated.
	Signal string `json:"signal,omitempty"`
	// Cause tells who took the CPU when saturated: "load_generator" (it
	// used what it may, or its own work queued up) or "host" (other
	// processes or the hypervisor took the cores it may use).
	Cause string `json:"cause,omitempty"`
	// Reason says in words which signals passed their thresholds.
	Reason string `json:"reason,omitempty"`
	// SchedLatencyP99US is the p99 time goroutines waited runnable for a
	// CPU (the Go runtime's /sched/latencies:seconds), µs.
	SchedLatencyP99US int64 `json:"sched_latency_p99_us"`
	// ProcessingLagP99US is the p99 time from reading an event off the
	// socket to recording it, µs.
	ProcessingLagP99US int64 `json:"processing_lag_p99_us"`
	// TickLateP99US is the p99 lateness of the schedule's 1 ms clock,
	// which opens subscribers and switches phases, µs.
	TickLateP99US int64 `json:"tick_late_p99_us"`
	// LateEvents counts events recorded so long after their read that
	// their interval was already final; they are in the next open one.
	LateEvents uint64 `json:"late_events,omitempty"`
	// HostBusyPercent is the CPU other processes used on the cores this
	// process may run on, in percent of one core like CPUPercent (Linux).
	HostBusyPercent float64 `json:"host_busy_percent"`
	// StealPercent is the CPU time the hypervisor took from those cores
	// (steal), in percent of one core (Linux).
	StealPercent float64 `json:"steal_percent"`
}

// Name returns how r is named in legends and table headings: its Label,
// or else the target's host and the protocol ("127.0.0.1:8080 h1"), with
// "embedded" for the in-process reference server.
func (r *Report) Name() string {
	if r.Label != "" {
		return r.Label
	}
	host := r.Target
	if u, err := url.Parse(r.Target); err == nil && u.Host != "" {
		host = u.Host
	}
	if r.Embedded {
		host = "embedded"
	}
	return strings.TrimSpace(host + " " + r.Protocol)
}

// ErrorCount is the number of failures of every class.
func (r *Report) ErrorCount() int64 {
	var n int64
	for _, c := range r.Errors {
		n += c
	}
	return n
}
