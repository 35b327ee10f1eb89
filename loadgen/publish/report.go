package publish

import (
	"fmt"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// Report implements loadgen.ActiveSource: the publish figures and the delivery
// counts (the report's delivery ratio is Deliveries ÷ ExpectedDeliveries,
// absent when nothing counted), with warnings for what makes them
// incomplete. Call it after Finish.
func (p *Publisher) Report(durationS float64, interrupted bool) (*result.Publish, []result.Warning, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	lat, err := result.Summarize(p.latency)
	if err != nil {
		return nil, nil, err
	}
	pub := &result.Publish{Sent: p.sent, Failed: p.failed, LatencyUS: lat,
		Duplicates: p.duplicates.Load(), Replayed: p.replayed.Load()}
	if durationS > 0 {
		pub.RatePerS = float64(p.sent) / durationS
	}
	var matched, counted, unsettled, delivered, expected uint64
	p.table.each(func(_ int, e *pubEntry) {
		if e.state.Load() != pubOK {
			return
		}
		d := uint64(e.delivered.Load())
		matched += d
		// More deliveries than streams held when it was sent: streams
		// came up with this event (a server that holds its headers until
		// its first event), so who should have had it is unknown.
		if e.unsettled.Load() || d > uint64(e.expect.Load()) {
			unsettled++
			return
		}
		if !p.complete && time.Duration(e.sentNS.Load()-1) > p.cutoff {
			return
		}
		counted++
		delivered += d
		expected += uint64(e.expect.Load())
	})
	if expected > 0 {
		pub.Deliveries, pub.ExpectedDeliveries = delivered, expected
	}

	var warns []result.Warning
	warn := func(code, msg string) { warns = append(warns, result.Warning{Code: code, Message: msg}) }
	if p.failed > 0 {
		warn(result.WarnPublishFailed, fmt.Sprintf("%d of %d publish requests failed (first: %s)", p.failed, p.sent+p.failed, p.firstErr))
	}
	switch {
	case p.sent > 0 && matched == 0:
		warn(result.WarnPublishNotDelivered, fmt.Sprintf("none of the %d events ssebench published reached a subscriber with its marker (%s<seq>): check that --publish-url publishes to the stream the subscribers read and that the server passes the body through", p.sent, p.prefixS))
	case counted+unsettled < p.sent:
		warn(result.WarnPublishPartial, fmt.Sprintf("the delivery ratio counts the %d of %d published events that were sent at least %s (--publish-drain) before the streams closed", counted, p.sent, p.o.Drain))
	}
	if d := p.duplicates.Load(); d > 0 {
		warn(result.WarnPublishDuplicates, fmt.Sprintf("subscribers received %d published events they already had (the server repeated them); the delivery ratio counts each event once per subscriber", d))
	}
	if unsettled > 0 {
		warn(result.WarnPublishUnsettled, fmt.Sprintf("%d published events were in flight while subscribers joined or left, so who should have got them is unknown; the delivery ratio leaves them out", unsettled))
	}
	if !p.complete && !interrupted && matched > 0 {
		warn(result.WarnPublishIncomplete, fmt.Sprintf("some subscribers still lacked published events %s (--publish-drain) after the steady state; the delivery ratio counts them as lost", p.o.Drain))
	}
	return pub, warns, nil
}
