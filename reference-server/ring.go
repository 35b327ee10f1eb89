package refserver

import "sync"

// A ring keeps the latest events released on a topic, for subscribers that
// resume with a Last-Event-ID. Frames are appended as they leave for the
// workers (after any Delay and coalescing), so a subscriber is never
// replayed an event that live subscribers have not been sent yet. Its
// frames are the shared, immutable ones: keeping them costs a frame header
// each, and their bytes are freed once they fall out.
type ring struct {
	max int // capacity in frames, Config.Replay; may be 0

	mu   sync.Mutex
	buf  []frame // grows to max, then wraps
	head int     // index of the oldest frame once buf is full
	last uint64  // the id of the last frame released, kept even when max is 0
}

// add records frames, which follow the ones added before in id order.
func (r *ring) add(frames []frame) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last = frames[len(frames)-1].seq
	if r.max == 0 {
		return
	}
	if len(frames) > r.max {
		frames = frames[len(frames)-r.max:]
	}
	for _, f := range frames {
		if len(r.buf) < r.max {
			r.buf = append(r.buf, f)
			continue
		}
		r.buf[r.head] = f
		r.head = (r.head + 1) % r.max
	}
}

// resumeAt is where a subscription starts on one topic: after id from, with
// the events from+1..last to replay, of which lostFrom..lostTo are gone from
// the ring (lostTo == 0 when nothing is lost).
type resumeAt struct {
	from             uint64
	replay           []frame
	lostFrom, lostTo uint64
}

// resume returns where a subscription starts. after < 0 means live: after
// the last event released, replaying nothing. Otherwise the subscriber has
// seen the events up to id after. An id above the last one released cannot
// come from this server's lifetime (the server restarted, and ids with it),
// so it is taken as 0: the subscriber has seen nothing of this lifetime.
func (r *ring) resume(after int64) resumeAt {
	r.mu.Lock()
	defer r.mu.Unlock()
	if after < 0 {
		return resumeAt{from: r.last}
	}
	from := uint64(after)
	if from > r.last {
		from = 0
	}
	at := resumeAt{from: from}
	oldest := r.last - uint64(len(r.buf)) + 1 // r.last+1 when the ring is empty
	if from+1 < oldest {
		at.lostFrom, at.lostTo = from+1, oldest-1
	}
	for i := range r.buf {
		f := r.buf[(r.head+i)%len(r.buf)]
		if f.seq > from {
			at.replay = append(at.replay, f)
		}
	}
	return at
}
