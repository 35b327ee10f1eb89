package refserver

import (
	"context"
	"io"
	"sync"
)

// maxKeptQueue is the largest queue capacity (in frames) kept between
// batches; a bigger one, left from a burst, is freed.
const maxKeptQueue = 1024

// streamSub is a subscriber served by its own handler goroutine: an HTTP/2
// stream (which cannot be hijacked), or HTTP/1.1 where hijacking is not
// possible. Its worker only queues frames; the handler goroutine writes and
// flushes them. The queue is bounded in bytes, counting the batch that is
// being written, so a client that stops reading costs at most max bytes here
// (plus the protocol's own buffers and flow-control window).
type streamSub struct {
	base
	max   int
	abort func()        // makes a write blocked on this stream fail; see deliver
	wake  chan struct{} // capacity 1: "the queue is not empty or closed"

	mu      sync.Mutex
	queue   []frame
	spare   []frame // the previous batch's slice, reused
	queued  int     // bytes in queue plus the batch being written
	closed  bool    // no more deliveries: slow, ended, or handler done
	slow    bool    // closed for exceeding max
	running bool    // the handler is still in run, so abort is valid
}

var _ subscriber = (*streamSub)(nil)

// newStreamSub returns a subscriber whose handler must then call run. abort
// must make a Write in progress fail; it may be called from the worker's
// goroutine while the handler goroutine is blocked in that Write.
func newStreamSub(c *counters, maxBacklog int, abort func()) *streamSub {
	return &streamSub{
		base:    base{counters: c},
		max:     maxBacklog,
		abort:   abort,
		wake:    make(chan struct{}, 1),
		running: true,
	}
}

func (s *streamSub) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *streamSub) deliver(frames []frame, r *round) status {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return gone
	}
	size := framesLen(frames)
	if s.queued+size > s.max {
		r.slow++
		r.dropped += uint64(len(s.queue) + len(frames))
		s.closed, s.slow, s.queue = true, true, nil
		// The handler is likely blocked in a Write that waits for a
		// flow-control window the client will not open. Aborting makes
		// that Write fail (for HTTP/2 it resets the stream). Holding mu
		// while the handler is still running keeps its ResponseWriter
		// valid: run's exit takes mu before the handler returns.
		if s.running {
			s.abort()
		}
		s.notify()
		return slow
	}
	s.queue = append(s.queue, frames...)
	s.queued += size
	s.notify()
	return alive
}

// retry has nothing to do: the handler goroutine drains the queue.
func (s *streamSub) retry(r *round) status { return s.probe(r) }

// probe reports gone once the handler has finished or the stream was closed.
func (s *streamSub) probe(r *round) status {
	if s.ended() {
		return gone
	}
	return alive
}

func (s *streamSub) close() {
	s.mu.Lock()
	s.closed, s.queue = true, nil
	s.mu.Unlock()
	s.end()
	s.notify()
}

// run writes queued frames to w, flushing after each batch, until the
// client goes away (ctx), the server shuts down (done), a write fails or the
// subscriber is closed. A batch holds the frames that were already waiting
// when the goroutine woke; nothing is held back to form one, so this is a
// flush per event whenever the client keeps up. flush may be nil.
func (s *streamSub) run(ctx context.Context, done <-chan struct{}, w io.Writer, flush func() error) {
	defer s.finish()
	var r tally
	defer r.addTo(s.counters)
	for {
		select {
		case <-s.wake:
		case <-ctx.Done():
			return
		case <-done:
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return
		}
		batch := s.queue
		s.queue, s.spare = s.spare, nil
		s.mu.Unlock()

		size := 0
		for i := range batch {
			n, err := w.Write(batch[i].b)
			r.bytes += uint64(n)
			if err != nil {
				return
			}
			size += n
		}
		if flush != nil && len(batch) > 0 {
			if err := flush(); err != nil {
				return
			}
		}
		r.frames += uint64(len(batch))
		r.addTo(s.counters)

		clear(batch) // the frames may be freed while the slice is reused
		s.mu.Lock()
		s.queued -= size
		if cap(batch) <= maxKeptQueue {
			s.spare = batch[:0]
		}
		s.mu.Unlock()
	}
}

// wasSlow reports whether the stream was closed for exceeding its bound.
func (s *streamSub) wasSlow() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.slow
}

// finish marks the handler done. After it returns, abort is never called.
func (s *streamSub) finish() {
	s.mu.Lock()
	s.running, s.closed, s.queue = false, true, nil
	s.mu.Unlock()
	s.end()
}
