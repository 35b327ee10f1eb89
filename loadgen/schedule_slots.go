package loadgen

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// slot is one subscriber position of a run. The schedule opens a session on
// it (a subscriber goroutine that connects, reads and reconnects) and may
// close it on a ramp-down and open a new one later; the slot's Recorder
// outlives its sessions.
type slot struct {
	rec    *Recorder
	cancel context.CancelFunc // ends the current session
	done   chan struct{}      // closed when the current session returned; nil before the first

	// Written by the slot's sessions, which never overlap (a new session
	// waits for the previous one's done); read once every session returned.
	connected bool // got a stream at least once
	answered  bool // a first connection attempt had an answer
	// sent is called when the session's request has been written; only
	// the first call of a session counts (slots.unsent).
	sent func()
}

// slots starts and stops subscriber sessions for the driver. start and stop
// are called from the driver's goroutine only.
type slots struct {
	ctx   context.Context // parent of every session; cancelled at the run's end
	cfg   *Config
	open  opener
	agg   *aggregator
	dials *semaphore.Weighted
	dump  io.Writer // for slot 0; nil for none
	list  []slot
	wg    sync.WaitGroup
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

func newSlots(ctx context.Context, cfg *Config, op opener, agg *aggregator, dump io.Writer) *slots {
	ss := &slots{
		ctx:   ctx,
		cfg:   cfg,
		open:  op,
		agg:   agg,
		dials: semaphore.NewWeighted(int64(cfg.MaxDials)),
		dump:  dump,
		list:  make([]slot, cfg.Subscribers),
	}
	for i := range ss.list {
		ss.list[i].rec = agg.recs[i]
	}
	return ss
}

// start opens a session on slot i.
func (ss *slots) start(i int) {
	sl := &ss.list[i]
	prev := sl.done
	ctx, cancel := context.WithCancel(ss.ctx)
	done := make(chan struct{})
	sl.cancel, sl.done = cancel, done
	ss.pending.Add(1)
	ss.unsent.Add(1)
	var once sync.Once
	sent := func() { once.Do(func() { ss.unsent.Add(-1) }) }
	sl.sent = sent
	s := &subscriber{id: i, cfg: ss.cfg, open: ss.open, rec: sl.rec, agg: ss.agg, slot: sl}
	if i == 0 && ss.dump != nil {
		s.dump = ss.dump
	}
	ss.wg.Go(func() {
		defer close(done)
		defer cancel()
		if prev != nil {
			// The previous session was cancelled by a ramp-down; it ends
			// as soon as its connection closes. Sessions never overlap, so
			// the slot's Recorder keeps a single writer.
			<-prev
		}
		s.run(ctx, ss.dials, func() {
			sent()
			ss.noteAnswer(time.Now())
			ss.pending.Add(-1)
		})
		if !sl.connected { // written by this goroutine's session only
			ss.streamless.Add(1)
		}
	})
	ss.sessions.Add(1)
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
	ss.list[i].cancel()
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

// wait waits for every session to return.
func (ss *slots) wait() { ss.wg.Wait() }

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
