package publish

import (
	"context"
	"time"
)

// deliveryPoll is how often the drain checks whether every subscriber has
// every published event.
const deliveryPoll = 5 * time.Millisecond

// Finish implements loadgen.ActiveSource: it ends publishing with the
// steady state at end, lets requests that were due or in flight complete,
// then keeps the streams open until every subscriber holding a stream when
// an event was sent has received it, for at most Options.Drain after end
// in all. The runner calls it from the
// goroutine that drives the schedule, after the steady state and before it
// closes the streams; when ctx has ended (interrupted run) the streams are
// already closing and it only stops the workers.
//
// The delivery ratio's boundary follows from this: an event counts if its
// publish request succeeded, the number of subscribers holding a stream was
// the same when it was sent and when it was answered (its audience, the
// deliveries expected), and either every delivery arrived in the drain (the
// ratio is then exactly 1 when nothing was lost), or it was sent at least
// Options.Drain before the streams closed, so that it had that long to
// arrive (an interrupted run, or one that lost events).
func (p *Publisher) Finish(ctx context.Context, end time.Time) {
	p.clock.end(end)
	if p.ctx == nil {
		return // the steady state never began: nothing was published
	}
	interrupted := ctx.Err() != nil
	if interrupted {
		p.cancel(errRunInterrupted)
	}
	deadline := end.Add(p.o.Drain)
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
	p.cutoff = closeAt.Sub(p.base) - p.o.Drain
	p.mu.Unlock()
}

// countUnsent counts as failed the requests due within the steady state
// (of length steady) that no worker sent.
func (p *Publisher) countUnsent(steady time.Duration) {
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
func (p *Publisher) awaitDeliveries(ctx context.Context, deadline time.Time) bool {
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
