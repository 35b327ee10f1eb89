package publish

import (
	"sync"
	"time"
)

// steadyClock maps steady-state time (how long the run has been in its
// steady state, over all windows) to wall-clock time. The publisher
// publishes only in the steady state: request k is due when the steady
// state has lasted k/rate, so with --stages the schedule pauses while
// subscribers ramp between plateaus and resumes where it left off. Without
// stages there is one window and steady time is simply time since it began.
type steadyClock struct {
	mu      sync.Mutex
	windows []steadyWindow // closed windows, in order
	total   time.Duration  // length of the closed windows
	on      bool           // a window is open
	since   time.Time      // start of the open window
	ended   bool           // no window will open again
	change  chan struct{}  // closed and replaced at every change
}

// steadyWindow is one closed window: wall time from, at steady time at, for
// length.
type steadyWindow struct {
	from   time.Time
	at     time.Duration
	length time.Duration
}

func newSteadyClock() *steadyClock {
	return &steadyClock{change: make(chan struct{})}
}

// set opens (on) or closes a window at now.
func (c *steadyClock) set(on bool, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if on == c.on || c.ended {
		return
	}
	if on {
		c.since = now
	} else {
		l := now.Sub(c.since)
		c.windows = append(c.windows, steadyWindow{from: c.since, at: c.total, length: l})
		c.total += l
	}
	c.on = on
	close(c.change)
	c.change = make(chan struct{})
}

// end closes any open window at now; no window opens after it.
func (c *steadyClock) end(now time.Time) {
	c.set(false, now)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ended {
		c.ended = true
		close(c.change)
		c.change = make(chan struct{})
	}
}

// wallAt returns the wall time at which the steady state reaches sd. When
// that is not known yet (no window is open and sd lies beyond the closed
// ones) known is false and the caller waits for change; never is true when
// the run will not reach sd at all.
func (c *steadyClock) wallAt(sd time.Duration) (wall time.Time, known, never bool, change <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sd < c.total {
		for _, w := range c.windows {
			if sd < w.at+w.length {
				return w.from.Add(sd - w.at), true, false, c.change
			}
		}
	}
	if c.on {
		return c.since.Add(sd - c.total), true, false, c.change
	}
	return time.Time{}, false, c.ended, c.change
}

// elapsed returns the steady time up to now.
func (c *steadyClock) elapsed(now time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.on {
		return c.total + now.Sub(c.since)
	}
	return c.total
}
