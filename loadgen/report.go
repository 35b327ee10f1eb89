package loadgen

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ssebench/ssebench/loadgen/ids"
	"github.com/ssebench/ssebench/reports/result"
)

// reportBuilder assembles a run's Report, the last step of the data flow
// (Aggregator ─► Result). The parts of the run return values: the
// aggregator its summary (aggregator_report.go), the event ids theirs
// (report_ids.go), the engine its transport stats, the active source its
// publish part and warnings, the self-check its verdict; build alone puts
// them in the Report and appends every warning, in one stable order (see
// warnings).
type reportBuilder struct {
	cfg         *Config
	start, end  time.Time // the run's start; the steady state's end
	interrupted bool

	agg       *aggregator
	transport *transportStats
	active    ActiveSource

	self      result.SelfCheck
	saturated string // the self-check's warning; "" for none
	// heldHeaders is how many subscribers still waited for their response
	// headers when the steady state began without them.
	heldHeaders int64
}

// build returns the Report. Call it once every part is final: the streams
// closed, the last collect done, the active source finished.
func (b *reportBuilder) build() (*result.Report, error) {
	cfg := b.cfg
	conf, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("loadgen: echo config: %w", err)
	}
	agg, err := b.agg.summary(b.end)
	if err != nil {
		return nil, err
	}
	id := idsOf(b.agg)
	pub, pubWarns, err := b.active.Report(agg.durationS, b.interrupted)
	if err != nil {
		return nil, err
	}

	rep := &result.Report{
		Schema:              result.Schema,
		Tool:                cfg.Tool,
		Target:              cfg.URL,
		Embedded:            cfg.Embedded,
		Protocol:            cfg.Protocol,
		Started:             b.start,
		DurationS:           agg.durationS,
		Interrupted:         b.interrupted,
		Config:              conf,
		LatencySource:       b.latencySource(),
		Transport:           b.transport.transport(),
		Subscribers:         agg.subscribers,
		Events:              agg.events,
		LatencyUS:           agg.latency,
		Errors:              agg.errs,
		ErrorSamples:        agg.samples,
		PerSubscriberEvents: agg.perSub,
		Publish:             pub,
		Ramp:                agg.ramp,
		SelfCheck:           b.self,
		Warnings:            []string{},
		Intervals:           agg.intervals,
	}
	rep.Subscribers.Requested = cfg.Subscribers
	rep.Subscribers.Redirects = b.transport.redirects.Load()
	rep.Events.IDScheme, rep.Events.IDResets = id.scheme, id.resets
	if !id.measurable {
		rep.Events.Gaps, rep.Events.Duplicates, rep.Events.LostOnReconnect = 0, 0, 0
	}
	if pub != nil && pub.ExpectedDeliveries > 0 {
		r := float64(pub.Deliveries) / float64(pub.ExpectedDeliveries)
		rep.DeliveryRatio = &r
	}
	for _, w := range b.warnings(rep, &agg, id, pubWarns) {
		rep.Warn(w.Code, w.Message)
	}
	return rep, nil
}

// latencySource names how fan-out latency was measured: the passive
// Config.Latency, else the active source; "" for neither.
func (b *reportBuilder) latencySource() string {
	if b.cfg.Latency != nil {
		return b.cfg.Latency.Name()
	}
	return b.active.Name()
}

// warnings returns what makes the report's numbers incomplete or less
// trustworthy, in a stable order: the run as a whole, fan-out latency,
// subscribers, the active source's own, the load's shape, event ids, the
// transport, and the load generator itself.
func (b *reportBuilder) warnings(rep *result.Report, agg *aggSummary, id idsSummary, pub []result.Warning) []result.Warning {
	var ws []result.Warning
	warn := func(code, msg string) { ws = append(ws, result.Warning{Code: code, Message: msg}) }
	if rep.Interrupted {
		warn(result.WarnInterrupted, fmt.Sprintf("the run was interrupted after %.1fs of steady state; figures cover only that", rep.DurationS))
	}
	if b.cfg.Latency == nil && b.active.Name() == "" {
		warn(result.WarnNoLatencySource, "fan-out latency was not measured: no latency source for this target")
	} else if agg.noStamp {
		warn(result.WarnNoStamp, "fan-out latency was not measured: no event carried a publish time the latency source could read")
	}
	if n := agg.outOfRange; n > 0 {
		warn(result.WarnLatencyOutOfRange, fmt.Sprintf("%d events had a publish time in the future or over an hour old (clock skew between hosts?); their latency was not recorded", n))
	}
	if rep.Subscribers.Failed > 0 {
		warn(result.WarnSubscribersFailed, fmt.Sprintf("%d of %d subscribers never got a stream; see errors", rep.Subscribers.Failed, rep.Subscribers.Requested))
	}
	if b.cfg.Embedded {
		warn(result.WarnEmbeddedServer, "the embedded reference server ran in this process: client and server shared the CPU, so the figures describe both")
	}
	ws = append(ws, pub...)

	if !agg.steady && !rep.Interrupted {
		warn(result.WarnNoSteadyState, "the run had no steady state (no hold above 0 subscribers once every subscriber had an answer): the headline figures are empty; see ramp")
	}
	if n := rep.Subscribers.Dropped; n > 0 {
		why := "no reconnection succeeded before the end"
		if b.cfg.NoReconnect {
			why = "--no-reconnect was set"
		}
		warn(result.WarnSessionsDropped, fmt.Sprintf("%d subscriber sessions lost their stream and did not get it back (%s); see errors", n, why))
	}
	if n := rep.Errors[ClassNoContent]; n > 0 {
		warn(result.WarnServerSaidStop, fmt.Sprintf("the server answered 204 No Content %d times, telling those subscribers to stop reconnecting", n))
	}

	if !id.measurable && id.nonSequence {
		warn(result.WarnLossNotMeasured, fmt.Sprintf("event loss was not measured (gaps, duplicates, loss ratio): %s", ids.Why(id.scheme)))
	}
	if n := rep.Events.IDResets; n > 0 {
		warn(result.WarnIDResets, fmt.Sprintf("event ids started again from a lower number %d times after a reconnect (a server restart?); counting went on from the new ids", n))
	}

	// Subscribers that failed because the server would not speak the
	// protocol asked for never silently became another protocol, and the
	// report says so where a reader looks first.
	if n := rep.Errors[ClassProtocolMismatch]; n > 0 {
		warn(result.WarnProtocolMismatch, fmt.Sprintf("%s: %d subscriber connects failed: %s",
			ClassProtocolMismatch, n, rep.ErrorSamples[ClassProtocolMismatch]))
	}
	if b.saturated != "" {
		warn(result.WarnSaturated, b.saturated)
	}
	if b.heldHeaders > 0 {
		warn(result.WarnHeadersHeld, fmt.Sprintf("publishing began with %d subscribers still waiting for response headers, %s after every request was out with no answer: the server held its response headers until its first event; their connect time includes that wait",
			b.heldHeaders, b.active.HeaderHold()))
	}
	return ws
}
