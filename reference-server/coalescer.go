package refserver

import (
	"sync"
	"time"
)

// maxHeldEvents bounds the events a coalescer holds when its flushes cannot
// keep up (the workers are behind): a publisher that would go past it
// flushes in its own goroutine, and so waits, instead of growing memory.
const maxHeldEvents = 1 << 16

// A coalescer implements Config.FlushInterval: it holds due events and
// sends them on in windows, so that each subscriber gets one write (and one
// flush) per window instead of one per event. That trades latency (up to
// the interval) for throughput, which is what a user studying flush policy
// wants to see. A window opens with its first event and closes interval
// later, or as soon as it holds maxEvents; nothing wakes up while no events
// come.
//
// Within a window, each topic's events form one batch, in id order; the
// batches go out in the order their topics first appeared in the window.
type coalescer struct {
	h         *hub
	interval  time.Duration
	maxEvents int           // 0 = no limit
	wake      chan struct{} // capacity 1: "a window opened or filled"

	// flushMu serialises flushes (the goroutine's and a full publisher's)
	// so that windows leave in order. It is taken before mu.
	flushMu sync.Mutex

	mu     sync.Mutex
	opened time.Time // when the current window's first event came
	held   int       // events in the window
	order  []*topic
	frames map[*topic][]frame
}

func newCoalescer(h *hub, interval time.Duration, maxEvents int) *coalescer {
	return &coalescer{h: h, interval: interval, maxEvents: maxEvents,
		wake: make(chan struct{}, 1), frames: make(map[*topic][]frame)}
}

// push adds frames of t to the window. Callers hold t.mu, or are the delay
// line's goroutine, so a topic's frames come in id order.
func (c *coalescer) push(t *topic, frames []frame) {
	c.mu.Lock()
	first := c.held == 0
	if first {
		c.opened = time.Now()
	}
	if _, ok := c.frames[t]; !ok {
		c.order = append(c.order, t)
	}
	c.frames[t] = append(c.frames[t], frames...)
	c.held += len(frames)
	full := c.maxEvents > 0 && c.held >= c.maxEvents
	overflow := c.held >= maxHeldEvents
	c.mu.Unlock()
	if overflow {
		c.flush()
		return
	}
	if first || full {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
}

// run closes windows until the hub stops.
func (c *coalescer) run() {
	defer c.h.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-c.wake:
		case <-timer.C:
		case <-c.h.done:
			return
		}
		c.mu.Lock()
		if c.held == 0 {
			c.mu.Unlock()
			continue
		}
		wait := time.Until(c.opened.Add(c.interval))
		full := c.maxEvents > 0 && c.held >= c.maxEvents
		c.mu.Unlock()
		if wait > 0 && !full {
			timer.Reset(wait)
			continue
		}
		timer.Stop()
		c.flush()
	}
}

// flush sends the window on and opens a new one.
func (c *coalescer) flush() {
	c.flushMu.Lock()
	defer c.flushMu.Unlock()
	c.mu.Lock()
	order, frames := c.order, c.frames
	c.order, c.frames, c.held = nil, make(map[*topic][]frame, len(frames)), 0
	c.mu.Unlock()
	for _, t := range order {
		c.h.fanout(t, frames[t])
	}
}
