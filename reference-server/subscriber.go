package refserver

import "sync/atomic"

// A subscriber is one open event stream. Each subscriber belongs to one
// worker, and deliver, retry, probe and close are only ever called from that
// worker's goroutine, in the order frames were published. So a subscriber
// needs no lock for what only the worker touches, and writes to one
// connection never interleave.
type subscriber interface {
	// deliver offers frames of one topic, in id order. It must not block:
	// what the connection cannot take now is queued, up to the backlog
	// bound. It adds what it wrote (or dropped) to r. The frames slice is
	// the worker's and only valid during the call; the frames' bytes are
	// shared and immutable, so they may be kept.
	deliver(frames []frame, r *round) status
	// retry tries to write a pending backlog again. It reports backlogged
	// while bytes remain queued.
	retry(r *round) status
	// probe checks, without blocking, whether the client is still there.
	probe(r *round) status
	// close ends the stream (it must be idempotent) and, if it was the
	// first to end it, decrements Stats.Subscribers.
	close()
	// ended reports whether the stream is over, from either side. The
	// worker forgets ended subscribers lazily.
	ended() bool
}

// status is what an operation left a subscriber in.
type status uint8

const (
	alive      status = iota // nothing queued on the server
	backlogged               // bytes queued on the server; retry later
	gone                     // the client went away or an I/O error occurred
	slow                     // the backlog bound was exceeded
)

// base holds what every kind of subscriber shares.
type base struct {
	done     atomic.Bool // set by whoever ends the stream first
	counters *counters
}

func (b *base) ended() bool { return b.done.Load() }

// end marks the stream over and reports whether this call did it, so that
// the Subscribers gauge is decremented exactly once whichever side (worker,
// handler, shutdown) notices first.
func (b *base) end() bool {
	if !b.done.CompareAndSwap(false, true) {
		return false
	}
	b.counters.subscribers.Add(-1)
	return true
}

// framesLen returns how many bytes frames hold.
func framesLen(frames []frame) int {
	n := 0
	for i := range frames {
		n += len(frames[i].b)
	}
	return n
}
