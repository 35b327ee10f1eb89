package refserver

import (
	"golang.org/x/net/http2"
)

// h2Stream is a subscription on a frame-level HTTP/2 connection (h2Conn):
// like a hijacked HTTP/1.1 connection it has no goroutine, and no buffer
// while it keeps up. Its worker encodes each frame as DATA into the
// connection's output, which the connection's writer goroutine sends. What
// the client's flow-control windows or the output's bound (a socket that
// does not take bytes) do not allow yet waits in queue, bounded by max,
// where the slow policy applies as on every other path; the connection's
// reader (on WINDOW_UPDATE) and writer (after each write) send it as the
// windows and room open.
type h2Stream struct {
	base
	c  *h2Conn
	id uint32

	// Under c.mu.
	window      int32  // the client's window for this stream
	queue       []byte // queue[qoff:] waits for window
	qoff        int
	queueFrames int  // event frames with bytes in queue
	reset       bool // end with RST_STREAM: too slow, or the client reset it
	gone        bool // the stream left the connection
	inWaiting   bool // in c.waiting
}

var _ subscriber = (*h2Stream)(nil)

// start sends the response head, and the retry line if any.
func (s *h2Stream) start(r *round) status {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.gone {
		return gone
	}
	c.writeHead(s.id, 200, "text/event-stream", false)
	st := alive
	if len(c.s.retryLine) > 0 {
		st = s.sendLocked([]frame{{b: c.s.retryLine}}, r)
	}
	c.out.kick()
	return st
}

func (s *h2Stream) deliver(t *topic, frames []frame, r *round) status {
	if s.ended() {
		return gone
	}
	if t != nil {
		if frames = s.fresh(t, frames); len(frames) == 0 {
			return alive
		}
		if len(s.topics) > 1 {
			r.buf, r.composed = s.compose(t, frames, r.buf, r.composed)
			frames = r.composed
		}
	}
	s.epoch = r.epoch
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.gone {
		return gone
	}
	st := s.sendLocked(frames, r)
	c.out.kick()
	return st
}

// sendLocked sends frames as DATA as far as the windows allow and queues
// the rest, applying the slow policy past the bound. c.mu is held.
func (s *h2Stream) sendLocked(frames []frame, r *round) status {
	c := s.c
	if s.queued() > 0 {
		return s.queueLocked(frames, r) // older bytes first
	}
	for i := range frames {
		b := frames[i].b
		n := c.sendDataLocked(s.id, &s.window, b, false)
		r.bytes += uint64(n)
		if n < len(b) {
			// Out of window or room: keep the rest of this frame and
			// queue everything after it.
			s.queue, s.qoff = append(s.queue[:0], b[n:]...), 0
			c.waitLocked(s)
			r.backlog += int64(len(b) - n)
			if frames[i].seq != 0 {
				s.queueFrames = 1
				r.accepted++
			}
			return s.queueLocked(frames[i+1:], r)
		}
		if frames[i].seq != 0 {
			r.frames++
			r.accepted++
		}
	}
	r.flushes++
	return alive
}

// queueLocked appends frames behind the queue, within max. c.mu is held.
func (s *h2Stream) queueLocked(frames []frame, r *round) status {
	room := s.max - s.queued()
	frames, ok := bound(frames, room, s.drop, s.queueFrames, r)
	if !ok {
		s.reset = true
		return slow
	}
	if s.qoff > 0 && s.qoff >= len(s.queue)/2 {
		// Reclaim the sent part once it is at least half: each byte is
		// moved at most once more, however slowly the queue drains.
		s.queue = s.queue[:copy(s.queue, s.queue[s.qoff:])]
		s.qoff = 0
	}
	for i := range frames {
		s.queue = append(s.queue, frames[i].b...)
	}
	if s.queued() > 0 {
		s.c.waitLocked(s)
	}
	n := events(frames)
	s.queueFrames += n
	r.accepted += uint64(n)
	r.backlog += int64(framesLen(frames))
	return alive // the connection's reader sends the queue as windows open
}

// drainLocked sends what the windows and the output's room now allow of
// the queue, and returns how much; the reader calls it after WINDOW_UPDATE
// and SETTINGS, the writer after a write. c.mu is held.
func (s *h2Stream) drainLocked(t *tally) int {
	if s.queued() == 0 || s.gone {
		return 0
	}
	n := s.c.sendDataLocked(s.id, &s.window, s.queue[s.qoff:], false)
	t.bytes += uint64(n)
	t.backlog -= int64(n)
	s.qoff += n
	if s.queued() == 0 {
		t.frames += uint64(s.queueFrames)
		t.flushes++
		s.queueFrames = 0
		s.queue, s.qoff = s.queue[:0], 0
		if cap(s.queue) > keepQueueCap {
			s.queue = nil
		}
	}
	return n
}

// dropQueueLocked forgets the queue of a stream that ended. c.mu is held.
func (s *h2Stream) dropQueueLocked() {
	if n := s.queued(); n > 0 {
		s.c.s.counters.backlogBytes.Add(-int64(n))
	}
	s.queue, s.qoff = nil, 0
}

// queued returns the bytes waiting for window. c.mu is held.
func (s *h2Stream) queued() int { return len(s.queue) - s.qoff }

// keepQueueCap is the largest queue buffer kept once a queue drains.
const keepQueueCap = 4 << 10

func (s *h2Stream) retry(r *round) status { return s.probe(r) }

func (s *h2Stream) probe(r *round) status {
	if s.ended() {
		return gone
	}
	return alive
}

// close ends the stream: END_STREAM, or RST_STREAM when it was too slow.
func (s *h2Stream) close() {
	if !s.end() {
		return
	}
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	s.leaveLocked()
	c.out.kick()
}

// leaveLocked takes the stream off its connection, once, telling the
// client how it ended. c.mu is held.
func (s *h2Stream) leaveLocked() {
	if s.gone {
		return
	}
	s.gone = true
	c := s.c
	delete(c.streams, s.id)
	s.dropQueueLocked()
	if c.closed {
		return
	}
	if s.reset {
		c.wrote(c.fr.WriteRSTStream(s.id, http2.ErrCodeCancel))
	} else {
		c.wrote(c.fr.WriteData(s.id, true, nil))
	}
}
