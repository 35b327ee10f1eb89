package loadgen

import (
	"context"
	"fmt"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// deliveryPoll is how often the drain checks whether every subscriber has
// every published event.
const deliveryPoll = 5 * time.Millisecond

// Finish implements ActiveSource: it ends publishing with the steady state at end, lets requests that
// were due or in flight complete, then keeps the streams open until every
// subscriber holding a stream when an event was sent has received it, for
// at most PublishDrain after end in all. The runner calls it from the
// goroutine that drives the schedule, after the steady state and before it
// closes the streams; when ctx has ended (interrupted run) the streams are
// already closing and it only stops the workers.
//
// The delivery ratio's boundary follows from this: an event counts if its
// publish request succeeded, the number of subscribers holding a stream was
// the same when it was sent and when it was answered (its audience, the
// deliveries expected), and either every delivery arrived in the drain (the
// ratio is then exactly 1 when nothing was lost), or it was sent at least
// PublishDrain before the streams closed, so that it had that long to
// arrive (an interrupted run, or one that lost events).
func (p *publisher) Finish(ctx context.Context, end time.Time) {
	p.clock.end(end)
	if p.ctx == nil {
		return // the steady state never began: nothing was published
	}
	interrupted := ctx.Err() != nil
	if interrupted {
		p.cancel(errRunInterrupted)
	}
	deadline := end.Add(p.o.PublishDrain)
	done := make(chan struct{})
	go func() {
		p.workers.Wait()
		close(done)
	}()
	t := time.NewTimer(time.Until(deadline))
	select {
	case <-done:
	case <-t.C:
		p.cancel(errDrainDeadline)
		<-done
	}
	t.Stop()
	if context.Cause(p.ctx) == errDrainDeadline {
		p.countUnsent(p.clock.elapsed(end))
	}
	complete, closeAt := false, end
	if !interrupted {
		complete = p.awaitDeliveries(ctx, deadline)
		closeAt = time.Now()
	}
	p.cancel(nil)
	p.tr.CloseIdleConnections()
	p.mu.Lock()
	p.complete = complete
	p.cutoff = closeAt.Sub(p.base) - p.o.PublishDrain
	p.mu.Unlock()
}

// countUnsent counts as failed the requests due within the steady state
// (of length steady) that no worker sent.
func (p *publisher) countUnsent(steady time.Duration) {
	n := 0
	for k := 0; k < p.n && p.due(k) < steady; k++ {
		if e := p.table.get(k); e == nil || e.sentNS.Load() == 0 {
			n++
		}
	}
	p.mu.Lock()
	p.failed += uint64(n)
	if p.firstErr == "" && n > 0 {
		p.firstErr = errDrainDeadline.Error()
	}
	p.mu.Unlock()
}

// awaitDeliveries waits until every successfully published event has
// reached every subscriber expected to get it, or until deadline. It scans
// forward from the oldest incomplete event, so the whole wait costs one
// pass over the table plus one check per poll.
func (p *publisher) awaitDeliveries(ctx context.Context, deadline time.Time) bool {
	tk := time.NewTicker(deliveryPoll)
	defer tk.Stop()
	lo := 0
	for {
		for ; lo < p.n; lo++ {
			e := p.table.get(lo)
			if e != nil && e.state.Load() == pubOK && !e.unsettled.Load() && e.delivered.Load() < e.expect.Load() {
				break
			}
		}
		if lo >= p.n {
			return true
		}
		if !time.Now().Before(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-tk.C:
		}
	}
}

// Report implements ActiveSource: the publish figures and the delivery
// counts (the report's delivery ratio is Deliveries ÷ ExpectedDeliveries,
// absent when nothing counted), with warnings for what makes them
// incomplete. Call it after Finish.
func (p *publisher) Report(durationS float64, interrupted bool) (*result.Publish, []result.Warning, error) {
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
		warn(result.WarnPublishPartial, fmt.Sprintf("the delivery ratio counts the %d of %d published events that were sent at least %s (--publish-drain) before the streams closed", counted, p.sent, p.o.PublishDrain))
	}
	if d := p.duplicates.Load(); d > 0 {
		warn(result.WarnPublishDuplicates, fmt.Sprintf("subscribers received %d published events they already had (the server repeated them); the delivery ratio counts each event once per subscriber", d))
	}
	if unsettled > 0 {
		warn(result.WarnPublishUnsettled, fmt.Sprintf("%d published events were in flight while subscribers joined or left, so who should have got them is unknown; the delivery ratio leaves them out", unsettled))
	}
	if !p.complete && !interrupted && matched > 0 {
		warn(result.WarnPublishIncomplete, fmt.Sprintf("some subscribers still lacked published events %s (--publish-drain) after the steady state; the delivery ratio counts them as lost", p.o.PublishDrain))
	}
	return pub, warns, nil
}
