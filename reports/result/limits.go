package result

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// LimitsKind is the value of Limits.Kind: it tells a limits document apart
// from a run's Report, which has no "kind" key.
const LimitsKind = "limits"

// What a capacity search varies, the values of Limits.Vary.
const (
	VarySubscribers = "subscribers" // subscribers held open; the event rate stays fixed
	VaryRate        = "rate"        // events published per second; the subscribers stay fixed
)

// Verdicts of a capacity search, the values of Limits.Verdict.
const (
	// VerdictServerLimit: an objective broke at a load the client could
	// drive; Best is the highest load that met every objective.
	VerdictServerLimit = "server_limit"
	// VerdictClientLimit: ssebench itself saturated (CPU, scheduler lag,
	// file descriptors, local ports) before any objective broke, so the
	// limit found is the client's, not the server's.
	VerdictClientLimit = "client_limit"
	// VerdictNoLimit: every step up to the maximum met every objective.
	VerdictNoLimit = "no_limit_found"
	// VerdictBelowStart: the first step already broke an objective.
	VerdictBelowStart = "below_start"
	// VerdictInterrupted: the search was stopped (Ctrl-C) before it ended.
	VerdictInterrupted = "interrupted"
	// VerdictProbeOnly: no load search ran, only the probes.
	VerdictProbeOnly = "probe_only"
)

// Phases of a step, the values of LimitStep.Phase.
const (
	PhaseStep   = "step"   // one of the increasing steps
	PhaseBisect = "bisect" // a step between the last good and the first bad load
)

// Limits is the result of `ssebench limits`: the load steps it ran, the
// highest load that met every service-level objective, the knee where
// latency starts to climb, and what the probes found. It is a document of
// its own (Kind "limits"), not a Report, so the Report schema stays as it
// is; each step keeps the figures its objectives and charts need.
type Limits struct {
	// Schema is the layout version; see the Schema constant.
	Schema int `json:"schema"`
	// Kind is always LimitsKind.
	Kind string `json:"kind"`
	// Tool names the program and version that wrote the document.
	Tool string `json:"tool"`
	// Target is the URL of the event stream.
	Target string `json:"target"`
	// Embedded is true when the target was the in-process reference server.
	Embedded bool `json:"embedded"`
	// Protocol is the protocol asked for: h1, h2 or h2c.
	Protocol string `json:"protocol"`
	// Started is the wall-clock time the search began.
	Started time.Time `json:"started"`
	// Vary is what the steps increase: VarySubscribers or VaryRate.
	Vary string `json:"vary,omitempty"`
	// Unit names the load's unit for people: "subscribers" or "events/s".
	Unit string `json:"unit,omitempty"`
	// Fixed describes what stayed the same while the load varied, e.g.
	// "10 events/s" or "100 subscribers".
	Fixed string `json:"fixed,omitempty"`
	// SLO lists the objectives every step was checked against, as given.
	SLO []string `json:"slo,omitempty"`
	// StepDurationS is how long each step was held, in seconds.
	StepDurationS float64 `json:"step_duration_s,omitempty"`
	// Steps are the steps in the order they ran: increasing steps, then
	// the bisection.
	Steps []LimitStep `json:"steps"`
	// Best is the highest load that met every objective; nil when none did.
	Best *LimitStep `json:"best,omitempty"`
	// FirstBad is the lowest load that broke an objective (or saturated the
	// client); nil when none did.
	FirstBad *LimitStep `json:"first_bad,omitempty"`
	// Knee is where fan-out latency starts to climb; nil when it did not,
	// or when latency was not measured.
	Knee *Knee `json:"knee,omitempty"`
	// Verdict is one of the Verdict constants.
	Verdict string `json:"verdict"`
	// ClientLimited is true when the search stopped because ssebench itself
	// was the bottleneck: the limit found is the client's.
	ClientLimited bool `json:"client_limited"`
	// Summary says in plain sentences what was found.
	Summary string `json:"summary"`
	// Probe holds what the connection probe found (--probe connections).
	Probe *ConnProbe `json:"probe,omitempty"`
	// Browser holds the browser-tab emulation (--browser).
	Browser *BrowserView `json:"browser,omitempty"`
	// Warnings are plain sentences about what makes the figures less
	// trustworthy or incomplete.
	Warnings []string `json:"warnings"`
}

// LimitStep is one load step: the load, the figures measured at it and the
// outcome of every objective.
type LimitStep struct {
	// Load is the step's load, in Limits.Unit.
	Load float64 `json:"load"`
	// Phase is PhaseStep or PhaseBisect.
	Phase string `json:"phase"`
	// Pass is true when every objective was met and the client was not
	// the bottleneck.
	Pass bool `json:"pass"`
	// ClientLimited is true when ssebench itself was the bottleneck at this
	// step; its figures then describe the client, and Pass is false.
	ClientLimited bool `json:"client_limited,omitempty"`
	// Interrupted is true when the step was cut short.
	Interrupted bool `json:"interrupted,omitempty"`
	// Note says why the step failed or was client-limited.
	Note string `json:"note,omitempty"`
	// Checks is the outcome of each objective, in the order given.
	Checks []SLOCheck `json:"checks"`

	// DurationS is the step's steady state, in seconds.
	DurationS float64 `json:"duration_s"`
	// Requested and Connected count the step's subscribers.
	Requested int `json:"requested"`
	// Connected is how many subscribers got a stream.
	Connected int `json:"connected"`
	// EventsPerS is the events received by all subscribers per second.
	EventsPerS float64 `json:"events_per_s"`
	// BytesPerS is the stream bytes received per second.
	BytesPerS float64 `json:"bytes_per_s"`
	// FanoutP50US, FanoutP99US and FanoutP999US are fan-out latency
	// percentiles in µs; 0 when not measured.
	FanoutP50US int64 `json:"fanout_p50_us"`
	// FanoutP99US is the 99th percentile.
	FanoutP99US int64 `json:"fanout_p99_us"`
	// FanoutP999US is the 99.9th percentile.
	FanoutP999US int64 `json:"fanout_p999_us"`
	// FanoutCount is the number of latency samples; 0 means not measured.
	FanoutCount int64 `json:"fanout_count"`
	// ConnectP99US is the 99th percentile connect time, µs.
	ConnectP99US int64 `json:"connect_p99_us"`
	// ErrorRate is failures of any class per subscription attempt
	// (subscribers requested plus reconnections).
	ErrorRate float64 `json:"error_rate"`
	// Errors counts failures by class.
	Errors map[string]int64 `json:"errors,omitempty"`
	// DeliveryRatio is the share of events that arrived: the publisher's
	// delivery_ratio when ssebench published, else 1 − events.loss_ratio
	// (received ÷ (received + gaps by event id)); nil when neither could
	// be measured.
	DeliveryRatio *float64 `json:"delivery_ratio,omitempty"`
	// CPUPercent is ssebench's CPU use, in percent of one core.
	CPUPercent float64 `json:"cpu_percent"`
}

// SLOCheck is the outcome of one objective at one step.
type SLOCheck struct {
	// Objective is the objective as written, e.g. "fanout.p99<100ms".
	Objective string `json:"objective"`
	// Measured is the measured value in the unit the objective was
	// written in, for people ("87.3ms", "0.02%"), or "not measured".
	Measured string `json:"measured"`
	// Value is the measured value in the metric's stored unit, named by
	// Unit as in ThresholdResult: µs, a fraction, per second, or a count.
	Value float64 `json:"value"`
	// Unit is "us", "ratio", "per_s", or absent for a count.
	Unit string `json:"unit,omitempty"`
	// NoData is true when the step did not measure the metric; the check
	// then fails, since a load nothing was measured at is not sustained.
	NoData bool `json:"no_data,omitempty"`
	// Message says why a metric was not measured.
	Message string `json:"message,omitempty"`
	// Pass is true when the objective was met.
	Pass bool `json:"pass"`
}

// Knee is where fan-out latency starts to climb: the lowest load from which
// on every step's p99 exceeds Factor times the p99 at the lowest load
// measured (the baseline), by at least FloorUS. Latency climbs somewhere
// between Before and Load.
type Knee struct {
	// Load is the lowest load past the knee.
	Load float64 `json:"load"`
	// Before is the highest load measured below Load (the last one still
	// within Factor of the baseline).
	Before float64 `json:"before"`
	// FanoutP99US is the p99 at Load, µs.
	FanoutP99US int64 `json:"fanout_p99_us"`
	// BaselineLoad is the lowest load measured.
	BaselineLoad float64 `json:"baseline_load"`
	// BaselineP99US is the p99 at BaselineLoad, µs.
	BaselineP99US int64 `json:"baseline_p99_us"`
	// Factor is the climb that marks the knee.
	Factor float64 `json:"factor"`
	// FloorUS is the least absolute climb, µs, that counts.
	FloorUS int64 `json:"floor_us"`
}

// ConnProbe is what the connection probe found: how many concurrent
// streams the server accepts, what happens beyond, how fast it accepts
// new connections, and its HTTP/2 stream limit.
type ConnProbe struct {
	// Protocol is the protocol the probe spoke.
	Protocol string `json:"protocol"`
	// Tried is how many streams the probe opened at once.
	Tried int `json:"tried"`
	// Accepted is the most streams held at once.
	Accepted int `json:"accepted"`
	// AllAccepted is true when every stream tried was accepted: the
	// server's limit, if any, is above Tried.
	AllAccepted bool `json:"all_accepted"`
	// Beyond lists what happened to the streams that were not accepted,
	// one entry per failure class, most frequent first.
	Beyond []Refusal `json:"beyond,omitempty"`
	// Behaviour says in words what the server does beyond its limit.
	Behaviour string `json:"behaviour,omitempty"`
	// RetryAfter is the Retry-After header of a refusal, when it had one.
	RetryAfter string `json:"retry_after,omitempty"`
	// ClientLimited is true when the probe ran into ssebench's own limits
	// (file descriptors, local ports): Accepted is then the client's limit.
	ClientLimited bool `json:"client_limited,omitempty"`
	// ConnectBurst is how many connections the rate measurement opened at
	// once (at most MaxDials handshakes in flight).
	ConnectBurst int `json:"connect_burst,omitempty"`
	// ConnectRatePerS is the connections per second the server
	// established in that burst.
	ConnectRatePerS float64 `json:"connect_rate_per_s,omitempty"`
	// ConnectP50US and ConnectP99US are the burst's connect times, µs.
	ConnectP50US int64 `json:"connect_p50_us,omitempty"`
	// ConnectP99US is the 99th percentile.
	ConnectP99US int64 `json:"connect_p99_us,omitempty"`
	// H2 is the HTTP/2 stream-limit probe; nil when not run.
	H2 *H2Probe `json:"h2,omitempty"`
}

// Refusal is one way streams beyond the limit failed.
type Refusal struct {
	// Class is the failure class (dial, status, timeout, read, …).
	Class string `json:"class"`
	// Count is how many streams failed this way.
	Count int64 `json:"count"`
	// Sample is the first message seen, e.g. "HTTP 503 Service Unavailable".
	Sample string `json:"sample,omitempty"`
	// Meaning says what the class means here: refused, reset, answered
	// with an error status, stalled until the timeout, a client limit.
	Meaning string `json:"meaning"`
}

// H2Probe is what one raw HTTP/2 connection found out about the server's
// stream limit.
type H2Probe struct {
	// Protocol is h2 (TLS, ALPN) or h2c (cleartext, prior knowledge).
	Protocol string `json:"protocol"`
	// Supported is false when the server would not speak HTTP/2.
	Supported bool `json:"supported"`
	// Error says why the probe could not run, when it could not.
	Error string `json:"error,omitempty"`
	// Advertised is true when the server's SETTINGS carried
	// SETTINGS_MAX_CONCURRENT_STREAMS.
	Advertised bool `json:"advertised"`
	// MaxConcurrentStreams is the advertised limit; 0 when not advertised.
	MaxConcurrentStreams uint32 `json:"max_concurrent_streams"`
	// Opened is how many streams the probe opened on the one connection
	// (the limit plus one, to see the next one refused).
	Opened int `json:"opened"`
	// Answered is how many got response headers.
	Answered int `json:"answered"`
	// Refused is how many were reset by the server.
	Refused int `json:"refused"`
	// ResetCode is the RST_STREAM error code of the refused streams, e.g.
	// "REFUSED_STREAM".
	ResetCode string `json:"reset_code,omitempty"`
	// Enforced tells whether streams beyond the limit were refused; nil
	// when it was not tested (no limit, or one above the probe's ceiling).
	Enforced *bool `json:"enforced,omitempty"`
	// Note explains an untested or surprising outcome.
	Note string `json:"note,omitempty"`
}

// BrowserView is the browser-tab emulation: T tabs of one browser, each
// with an EventSource on the target's origin.
type BrowserView struct {
	// Tabs is how many tabs were emulated.
	Tabs int `json:"tabs"`
	// WaitS is how long a tab waited for its stream before it counted as
	// waiting, in seconds.
	WaitS float64 `json:"wait_s"`
	// H1 is the tabs over HTTP/1.1, at most 6 connections per origin.
	H1 BrowserProtocol `json:"h1"`
	// H2 is the tabs over HTTP/2, every stream on one connection.
	H2 BrowserProtocol `json:"h2"`
	// Note explains the browsers' rules that apply to this target.
	Note string `json:"note,omitempty"`
}

// BrowserProtocol is how many emulated tabs got a stream over one protocol.
type BrowserProtocol struct {
	// Protocol is what was spoken: h1, h2 or h2c.
	Protocol string `json:"protocol"`
	// Connections is the most connections a browser opens to one origin
	// with this protocol (6 for HTTP/1.1, 1 for HTTP/2).
	Connections int `json:"connections"`
	// Served is how many tabs got a working stream.
	Served int `json:"served"`
	// Waiting is how many tabs were still waiting for a connection or a
	// stream slot when the wait ended.
	Waiting int `json:"waiting"`
	// Failed is how many were answered with an error.
	Failed int `json:"failed"`
	// Sample is the first failure, when there was one.
	Sample string `json:"sample,omitempty"`
	// Error says why the protocol could not be tried at all (e.g. the
	// server does not speak HTTP/2).
	Error string `json:"error,omitempty"`
}

// FormatLoad writes a load for people: a whole number with thousands
// separated (1,600), or a rate with two decimals (12.50).
func FormatLoad(load float64) string {
	if load == math.Trunc(load) && math.Abs(load) < 1e15 {
		return FormatCount(int64(load))
	}
	return fmt.Sprintf("%.2f", load)
}

// FormatCount writes n with thousands separated by commas: 12,345.
func FormatCount(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
