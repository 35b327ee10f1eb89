package refserver

import (
	"sync"
	"time"
)

// A delayLine holds batches until they are due and then sends them on: the
// ground truth for testing a load generator (Config.Delay). Every batch
// waits the same time, so a FIFO is already sorted by due time and one
// goroutine with one timer serves any rate; no goroutine or timer is spent
// per event or per subscriber.
type delayLine struct {
	h    *hub
	d    time.Duration
	wake chan struct{} // capacity 1: "the queue was empty and is not"

	mu   sync.Mutex
	q    []delayed
	head int // q[head:] are waiting
}

// delayed is a batch and when it is due.
type delayed struct {
	b   batch
	due time.Time
}

func newDelayLine(h *hub, d time.Duration) *delayLine {
	return &delayLine{h: h, d: d, wake: make(chan struct{}, 1)}
}

// push queues frames of t until due. The queue holds about rate × delay
// events, so it needs no other bound.
func (l *delayLine) push(t *topic, frames []frame, due time.Time) {
	l.mu.Lock()
	if l.head > 0 && l.head >= len(l.q)/2 {
		n := copy(l.q, l.q[l.head:])
		clear(l.q[n:])
		l.q, l.head = l.q[:n], 0
	}
	l.q = append(l.q, delayed{b: batch{t: t, frames: frames}, due: due})
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// run releases due batches until the hub stops.
func (l *delayLine) run() {
	defer l.h.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		d, wait, ok := l.next()
		if ok && wait <= 0 {
			l.h.forward(d.b.t, d.b.frames)
			continue
		}
		if ok {
			timer.Reset(wait)
		}
		select {
		case <-timer.C:
		case <-l.wake: // a push: the head may be new
			timer.Stop()
		case <-l.h.done:
			return
		}
	}
}

// next returns the head of the queue and how long until it is due, removing
// it if it is due now. ok is false when the queue is empty.
func (l *delayLine) next() (d delayed, wait time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.head == len(l.q) {
		return delayed{}, 0, false
	}
	d = l.q[l.head]
	if wait = time.Until(d.due); wait <= 0 {
		l.q[l.head] = delayed{}
		l.head++
	}
	return d, wait, true
}
