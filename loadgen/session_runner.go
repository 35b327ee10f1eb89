package loadgen

import (
	"context"
	"sync"

	"golang.org/x/sync/semaphore"
)

// A sessionRunner runs the sessions of subscriber slots for one engine:
// goroutines for HTTP/1.1 (goroutineRunner), h2sub Sinks for HTTP/2
// (h2Engine). The slots do the accounting (pending, unsent, answered,
// allFailed); the runner only starts, stops and ends sessions. start and
// stop are called from the schedule driver's goroutine only.
type sessionRunner interface {
	// start runs s, a new session of slot sl (slot s.id). A slot's
	// sessions never overlap: one the slot had before has been stopped.
	start(sl *slot, s subscriber)
	// stop ends the session of slot sl, the i-th (a ramp-down). It is not
	// a failure.
	stop(i int, sl *slot)
	// wait ends every session, the run being over, and returns once none
	// records any more.
	wait()
}

// An engine is the transport of a run: it makes the run's sessionRunner,
// and what it saw of its connections goes into the report.
type engine interface {
	// runner returns the runner of ss's sessions; ctx is cancelled at
	// the run's end.
	runner(ctx context.Context, ss *slots) sessionRunner
	// close releases shared connections at the end of the run.
	close()
	// stats returns what the engine saw of its connections.
	stats() *transportStats
}

// goroutineRunner runs each session on its own goroutine (subscriber.run):
// the HTTP/1.1 engine, one TCP connection per subscriber.
type goroutineRunner struct {
	ctx   context.Context
	ss    *slots
	open  *h1Opener
	dials *semaphore.Weighted
	wg    sync.WaitGroup
}

func (r *goroutineRunner) start(sl *slot, s subscriber) {
	prev := sl.done
	ctx, cancel := context.WithCancel(r.ctx)
	done := make(chan struct{})
	sl.cancel, sl.done = cancel, done
	if sl.sent == nil { // the same for every session of the slot
		sl.sent = func() { r.ss.sent(sl) }
	}
	s.open = r.open
	r.wg.Go(func() {
		defer close(done)
		defer cancel()
		if prev != nil {
			// The previous session was cancelled by a ramp-down; it ends
			// as soon as its connection closes. Sessions never overlap, so
			// the slot's Recorder keeps a single writer.
			<-prev
		}
		s.run(ctx, r.dials, s.answered)
		r.ss.ended(sl)
	})
}

func (r *goroutineRunner) stop(_ int, sl *slot) { sl.cancel() }

func (r *goroutineRunner) wait() { r.wg.Wait() }

// h1Engine is the HTTP/1.1 engine: sessions on goroutines that open their
// streams with an h1Opener, one TCP connection each.
type h1Engine struct{ *h1Opener }

func (e h1Engine) runner(ctx context.Context, ss *slots) sessionRunner {
	return &goroutineRunner{ctx: ctx, ss: ss, open: e.h1Opener, dials: semaphore.NewWeighted(int64(ss.cfg.MaxDials))}
}
