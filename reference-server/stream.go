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
// stream (which cannot be hijacked), HTTP/1.1 over TLS, or HTTP/1.1 where
// hijacking is not possible. Its worker only queues frames; the handler
// goroutine writes and flushes them. The queue is bounded in bytes, counting
// the batch that is being written, so a client that stops reading costs at
// most max bytes here (plus the protocol's own buffers and flow-control
// window).
type streamSub struct {
	base
	abort func()        // makes a write blocked on this stream fail; see deliver
	wake  chan struct{} // capacity 1: "the queue is not empty or closed"

	mu      sync.Mutex
	queue   []frame
	spare   []frame // the previous batch's slice, reused
	queued  int     // bytes in queue plus the batch being written; mirrored in Stats.BacklogBytes
	ready   bool    // the worker registered the stream: the handler may start the response
	closed  bool    // no more deliveries: slow, ended, or handler done
	slow    bool    // closed for exceeding max
	running bool    // the handler is still in run, so abort is valid
}

var _ subscriber = (*streamSub)(nil)

// newStreamSub returns a subscriber whose handler must then call run. abort
// must make a Write in progress fail; it may be called from the worker's
// goroutine while the handler goroutine is blocked in that Write.
func newStreamSub(c *counters, sp spec, cfg *Config, abort func()) *streamSub {
	s := &streamSub{abort: abort, wake: make(chan struct{}, 1), running: true}
	s.init(c, sp, cfg)
	return s
}

func (s *streamSub) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// start lets the handler write the response head.
func (s *streamSub) start(r *round) status {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return gone
	}
	s.ready = true
	s.notify()
	return alive
}

func (s *streamSub) deliver(t *topic, frames []frame, r *round) status {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return gone
	}
	if t != nil {
		if frames = s.fresh(t, frames); len(frames) == 0 {
			return alive
		}
		if len(s.topics) > 1 {
			// The queue keeps the frames, so they get bytes of their own.
			_, frames = s.compose(t, frames, nil, nil)
		}
	}
	s.epoch = r.epoch
	size := framesLen(frames)
	if s.queued+size > s.max {
		if !s.drop {
			n := uint64(events(frames))
			r.slow++
			r.dropped += uint64(events(s.queue)) + n
			r.rejected += n
			s.dropQueue(r)
			s.closed, s.slow = true, true
			// The handler is likely blocked in a Write that waits for a
			// flow-control window the client will not open. Aborting
			// makes that Write fail (for HTTP/2 it resets the stream).
			// Holding mu while the handler is still running keeps its
			// ResponseWriter valid: run's exit takes mu before the
			// handler returns.
			if s.running {
				s.abort()
			}
			s.notify()
			return slow
		}
		k := fitting(frames, s.max-s.queued)
		n := uint64(events(frames[k:]))
		r.dropped += n
		r.rejected += n
		if frames = frames[:k]; k == 0 {
			return alive
		}
		size = framesLen(frames)
	}
	s.queue = append(s.queue, frames...)
	s.queued += size
	r.backlog += int64(size)
	r.accepted += uint64(events(frames))
	s.notify()
	return alive
}

// dropQueue forgets the queued frames (not the batch being written).
// Callers hold mu.
func (s *streamSub) dropQueue(r *round) {
	n := framesLen(s.queue)
	s.queued -= n
	r.backlog -= int64(n)
	s.queue = nil
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
	var r tally
	s.mu.Lock()
	n := framesLen(s.queue)
	s.queued -= n
	r.backlog -= int64(n)
	s.closed, s.queue = true, nil
	s.mu.Unlock()
	r.addTo(s.counters)
	s.end()
	s.notify()
}

// run writes the response head once the worker has registered the stream
// (see start), then queued frames to w, flushing after each batch, until
// the client goes away (ctx), the server shuts down (done), a write fails or
// the subscriber is closed. A batch holds the frames that were already
// waiting when the goroutine woke; nothing is held back to form one, so
// this is a flush per event whenever the client keeps up. flush may be nil
// when every Write reaches the client by itself.
func (s *streamSub) run(ctx context.Context, done <-chan struct{}, w io.Writer, flush, head func() error) {
	defer s.finish()
	var r tally
	defer r.addTo(s.counters)
	started := false
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
		if !s.ready {
			s.mu.Unlock()
			continue
		}
		batch := s.queue
		s.queue, s.spare = s.spare, nil
		s.mu.Unlock()
		if !started {
			if err := head(); err != nil {
				return
			}
			started = true
		}
		if len(batch) == 0 {
			continue
		}

		size := 0
		for i := range batch {
			n, err := w.Write(batch[i].b)
			r.bytes += uint64(n)
			if err != nil {
				return // finish accounts for the batch
			}
			size += n
		}
		if flush != nil {
			if err := flush(); err != nil {
				return
			}
		}
		r.flushes++
		r.frames += uint64(events(batch))
		r.backlog -= int64(size)

		clear(batch) // the frames may be freed while the slice is reused
		s.mu.Lock()
		s.queued -= size
		if cap(batch) <= maxKeptQueue {
			s.spare = batch[:0]
		}
		s.mu.Unlock()
		r.addTo(s.counters)
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
	left := s.queued // the queue and any batch run gave up on
	s.queued = 0
	s.mu.Unlock()
	if left != 0 {
		s.counters.backlogBytes.Add(-int64(left))
	}
	s.end()
}
