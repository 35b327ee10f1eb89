package loadgen

import (
	"bufio"
	"context"
	"sync/atomic"
	"time"
)

// slot is one subscriber position of a run. The schedule opens a session on
// it (a subscriber that connects, reads and reconnects) and may close it on
// a ramp-down and open a new one later; the slot's Recorder outlives its
// sessions. How a session runs is its engine's (sessionRunner).
type slot struct {
	rec *Recorder
	// The HTTP/1.1 engine's session: its goroutine's cancel and done
	// (closed when it returned; nil before the first). The HTTP/2
	// engine keeps its sessions itself.
	cancel context.CancelFunc
	done   chan struct{}

	// Written by the slot's sessions, which never overlap (a new session
	// waits for the previous one's done, or the previous one was made
	// inert first); read once every session returned.
	connected bool // got a stream at least once
	answered  bool // a first connection attempt had an answer
	// unsent is set while the session's first request is not yet
	// written (slots.unsent).
	unsent atomic.Bool
	// sent is called when the session's request has been written (the
	// HTTP/1.1 engine's hook; slots.sent).
	sent func()
}

// slots starts and stops subscriber sessions for the driver. start and stop
// are called from the driver's goroutine only.
type slots struct {
	cfg    *Config
	agg    *aggregator
	runner sessionRunner
	dump   *bufio.Writer // for slot 0; nil for none
	list   []slot
	// pending counts sessions whose first connection attempt has no
	// answer yet: the steady state waits for it to be 0.
	pending atomic.Int64
	// sessions counts the sessions started; streamless those that ended
	// without their slot ever getting a stream (allFailed).
	sessions, streamless atomic.Int64
	// unsent counts sessions whose first request is not yet written (and
	// not yet answered): publisher mode may start publishing once it is 0,
	// for servers that hold their headers until their first event.
	unsent atomic.Int64
	// answered is when the latest first answer came (nil before any): the
	// steady state begins then, however late the driver notices.
	answered atomic.Pointer[time.Time]
}

// newSlots prepares cfg.Subscribers slots whose sessions eng runs; ctx is
// the parent of every session, cancelled at the run's end.
func newSlots(ctx context.Context, cfg *Config, eng engine, agg *aggregator, dump *bufio.Writer) *slots {
	ss := &slots{
		cfg:  cfg,
		agg:  agg,
		dump: dump,
		list: make([]slot, cfg.Subscribers),
	}
	for i := range ss.list {
		ss.list[i].rec = agg.recs[i]
	}
	ss.runner = eng.runner(ctx, ss)
	return ss
}

// start opens a session on slot i.
func (ss *slots) start(i int) {
	sl := &ss.list[i]
	ss.pending.Add(1)
	ss.unsent.Add(1)
	sl.unsent.Store(true)
	s := subscriber{id: i, cfg: ss.cfg, rec: sl.rec, agg: ss.agg, slot: sl,
		answered: func() { ss.answer(sl) }}
	if i == 0 && ss.dump != nil {
		s.dump = ss.dump
	}
	ss.sessions.Add(1)
	ss.runner.start(sl, s)
}

// sent notes that slot sl's session has written its first request.
func (ss *slots) sent(sl *slot) {
	if sl.unsent.Swap(false) {
		ss.unsent.Add(-1)
	}
}

// answer notes the first answer of slot sl's session.
func (ss *slots) answer(sl *slot) {
	ss.sent(sl)
	ss.noteAnswer(time.Now())
	ss.pending.Add(-1)
}

// ended notes that slot sl's session is over.
func (ss *slots) ended(sl *slot) {
	if !sl.connected { // written by this slot's sessions only
		ss.streamless.Add(1)
	}
}

// allFailed tells whether every session started so far has ended without
// a stream: nothing is connected and nothing waits to reconnect, so
// nothing more can be measured.
func (ss *slots) allFailed() bool {
	n := ss.sessions.Load()
	return n > 0 && ss.streamless.Load() == n
}

// stop closes slot i's session. It is not a failure.
func (ss *slots) stop(i int) {
	ss.runner.stop(i, &ss.list[i])
}

// noteAnswer records a first answer that came at t; answered keeps the
// latest, whichever order concurrent sessions store in.
func (ss *slots) noteAnswer(t time.Time) {
	for {
		old := ss.answered.Load()
		if old != nil && !t.After(*old) {
			return
		}
		if ss.answered.CompareAndSwap(old, &t) {
			return
		}
	}
}

// answeredAt returns when the latest first answer came; zero before any.
func (ss *slots) answeredAt() time.Time {
	if t := ss.answered.Load(); t != nil {
		return *t
	}
	return time.Time{}
}

// wait ends every session (the run's context is cancelled) and waits for
// them to return.
func (ss *slots) wait() { ss.runner.wait() }

// tally returns how many slots got a stream at least once, and how many had
// an answer but never got a stream. Call it after wait.
func (ss *slots) tally() (connected, failed int) {
	for i := range ss.list {
		switch sl := &ss.list[i]; {
		case sl.connected:
			connected++
		case sl.answered:
			failed++
		}
	}
	return connected, failed
}
