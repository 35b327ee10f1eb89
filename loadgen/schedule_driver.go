package loadgen

import (
	"context"
	"sync/atomic"
	"time"
)

// scheduleStep is how often the driver asks its Schedule for a target. It
// bounds how bunched connection opens are (at --connect-rate 1000/s, one per
// step) and how late a steady window starts or ends; a ticker this fast
// costs a few µs of CPU per step, well under 1% of a core.
const scheduleStep = time.Millisecond

// driver applies a Schedule to a run: it starts and stops subscriber slots
// so that the number started follows the target, and it tells the runner
// when the steady state begins and ends. Slots are numbered from 0; the
// newest (highest) slots close first when the target falls, as in k6.
type driver struct {
	sched Schedule
	// maxSteady ends the run once the steady windows add up to this long;
	// 0 means the run ends only when the schedule is Done.
	maxSteady time.Duration
	// start opens slot i; stop closes it. Neither may block for long: they
	// run on the driver's goroutine.
	start, stop func(slot int)
	// pending returns how many started slots have not yet had their first
	// connection attempt answered (connected or failed).
	pending func() int64
	// steady is called whenever the steady state begins (true) or ends.
	steady func(on bool, now time.Time)
	// failed, when set, returns how many sessions ended without a stream,
	// for progress displays.
	failed func() int64
	// unsent returns how many started slots have not yet written their
	// first request; holdGrace, when > 0 (publisher mode), lets the steady
	// state begin without every first answer once every request is out
	// and no answer has come for this long: a server that holds its
	// response headers until its first event answers only once
	// ssebench publishes.
	unsent    func() int64
	holdGrace time.Duration
	// allFailed, when set, tells whether every subscriber started so far
	// failed and none waits to reconnect; on a plateau of the schedule the
	// drive then ends at once rather than hold a run that measures nothing.
	allFailed func() bool

	// target is the schedule's current N, for progress displays.
	target atomic.Int64
}

// driveResult tells how a drive ended.
type driveResult struct {
	// Steady is the total length of the steady windows.
	Steady time.Duration
	// Interrupted is true when ctx ended the drive before the schedule did.
	Interrupted bool
	// Open is true when the drive ended in a steady window, which it leaves
	// open: the caller closes it once the streams are closed, so that what
	// they read before closing (bytes, trailing comments) counts in it.
	Open bool
	// HeldHeaders is how many subscribers still waited for their response
	// headers when the steady state began without them (holdGrace).
	HeldHeaders int64
}

// headerHoldGrace is the driver's holdGrace in publisher mode: how long
// every request may be out with no answer before publishing starts anyway.
const headerHoldGrace = time.Second

// run drives the schedule from t0 until it is Done, the steady state has
// lasted maxSteady, or ctx ends. It leaves the slots it started open: the
// caller closes them, and the steady window if the result is Open.
func (d *driver) run(ctx context.Context, t0 time.Time) driveResult {
	tk := time.NewTicker(scheduleStep)
	defer tk.Stop()
	var (
		res    driveResult
		active int       // slots [0, active) are started
		on     bool      // in a steady window
		since  time.Time // start of the current steady window
		// holdGrace: the steady state no longer waits for first answers
		// (released), and since when pending has stood still at pend.
		released bool
		pend     int64
		still    time.Time
	)
	end := func(now time.Time) driveResult {
		if on {
			res.Steady += now.Sub(since)
			res.Open = true
		}
		return res
	}
	for {
		now := time.Now()
		st := d.sched.Target(now.Sub(t0))
		d.target.Store(int64(st.N))
		for active < st.N {
			d.start(active)
			active++
		}
		for active > st.N {
			active--
			d.stop(active)
		}
		// Steady state: a plateau of the schedule, once every subscriber it
		// asks for has had its first answer, so a connection storm (or a
		// slow first handshake) never blurs the headline figures.
		if d.allFailed != nil && active > 0 && (st.Hold || st.Done) && d.allFailed() {
			return end(now)
		}
		if d.holdGrace > 0 && !released && st.Hold && st.N > 0 && active == st.N {
			switch p := d.pending(); {
			case p == 0 || d.unsent() > 0 || p != pend:
				pend, still = p, now
			case now.Sub(still) >= d.holdGrace:
				released, res.HeldHeaders = true, p
			}
		}
		steady := st.Hold && st.N > 0 && (released || d.pending() == 0) && (on || !st.Done)
		if steady != on {
			if on {
				res.Steady += now.Sub(since)
			} else {
				since = now
			}
			on = steady
			d.steady(on, now)
		}
		// The schedule's last starts get their first answer before the
		// drive ends (within the connect timeout), so that "2s:200"
		// ends with 200 connected or failed, none cut off half-way.
		if st.Done && (on || d.pending() == 0) {
			return end(now)
		}
		if d.maxSteady > 0 && on && res.Steady+now.Sub(since) >= d.maxSteady {
			return end(now)
		}
		select {
		case <-ctx.Done():
			res.Interrupted = true
			return end(time.Now())
		case <-tk.C:
		}
	}
}
