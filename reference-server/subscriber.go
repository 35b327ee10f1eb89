package refserver

import "sync/atomic"

// A subscriber is one open event stream. Each subscriber belongs to one
// worker, and deliver, retry, probe and close are only ever called from that
// worker's goroutine, in the order frames were published. So a subscriber
// needs no lock for what only the worker touches, and writes to one
// connection never interleave.
type subscriber interface {
	// start begins the response, once the worker has registered the
	// stream: only then does the client see its 200, so every event
	// published after the client saw it reaches the stream.
	start(r *round) status
	// deliver offers frames of topic t, in id order, or a heartbeat when t
	// is nil. It must not block: what the connection cannot take now is
	// queued, up to the backlog bound, where the slow policy applies. It
	// skips frames the stream was already offered (see base.fresh) and
	// adds what it wrote, queued or dropped to r. The frames slice is the
	// caller's and only valid during the call; the frames' bytes are
	// shared and immutable, so they may be kept.
	deliver(t *topic, frames []frame, r *round) status
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
	// state returns what every kind of subscriber shares.
	state() *base
}

// status is what an operation left a subscriber in.
type status uint8

const (
	alive      status = iota // nothing queued on the server
	backlogged               // bytes queued on the server; retry later
	gone                     // the client went away or an I/O error occurred
	slow                     // the backlog bound was exceeded (SlowDisconnect)
)

// base holds what every kind of subscriber shares.
type base struct {
	done     atomic.Bool // set by whoever ends the stream first
	counters *counters
	topics   []*topic // what the stream subscribed to, in the order named
	max      int      // backlog bound in bytes, Config.MaxBacklogBytes
	drop     bool     // Config.SlowPolicy is SlowDrop

	// Set before the worker has the subscriber, then the worker's.
	resume     []int64  // per topic, the Last-Event-ID position; -1 = live. Nil when none was sent.
	pos        []uint64 // per topic, the highest id offered to the stream
	epoch      uint32   // the heartbeat period of the last write; see worker.heartbeat
	registered bool     // counted in its topics' subscriber gauges
}

// init sets b up for a stream of topics, resuming at resume (nil: live).
func (b *base) init(c *counters, sp spec, cfg *Config) {
	b.counters = c
	b.topics = sp.topics
	b.resume = sp.resume
	b.max = cfg.MaxBacklogBytes
	b.drop = cfg.SlowPolicy == SlowDrop
	b.pos = make([]uint64, len(sp.topics))
}

// spec is what a request asked for: its topics and where it resumes.
type spec struct {
	topics []*topic
	resume []int64 // per topic; -1 = live; nil when no Last-Event-ID was sent
}

func (b *base) state() *base { return b }

func (b *base) ended() bool { return b.done.Load() }

// end marks the stream over and reports whether this call did it, so that
// the Subscribers gauges are decremented exactly once whichever side
// (worker, handler, shutdown) notices first.
func (b *base) end() bool {
	if !b.done.CompareAndSwap(false, true) {
		return false
	}
	b.counters.subscribers.Add(-1)
	if b.registered {
		for _, t := range b.topics {
			t.subscribers.Add(-1)
		}
	}
	return true
}

// index returns the position of t in the stream's topics.
func (b *base) index(t *topic) int {
	if len(b.topics) == 1 {
		return 0
	}
	for i, x := range b.topics {
		if x == t {
			return i
		}
	}
	return -1 // not reached: workers only offer a stream its own topics
}

// fresh returns the frames of t the stream has not been offered yet, and
// marks them offered. A worker can be handed a batch that it had already
// taken into account when the stream subscribed (see worker.register), so
// this is what keeps a stream free of duplicates. A batch is in id order,
// so the frames to skip are a prefix.
func (b *base) fresh(t *topic, frames []frame) []frame {
	i := b.index(t)
	k := 0
	for k < len(frames) && frames[k].seq <= b.pos[i] {
		k++
	}
	if k < len(frames) {
		b.pos[i] = frames[len(frames)-1].seq
	}
	return frames[k:]
}

// compose gives frames of t composite id lines when the stream has several
// topics, and returns them unchanged otherwise. SSE has one last event ID
// per stream, so on a stream of several topics each event's id names the
// position in every topic ("a:5,b:7"), which is what resuming needs. The
// frames are encoded into buf (which the result then uses), after fresh
// has marked them offered.
func (b *base) compose(t *topic, frames []frame, buf []byte, out []frame) ([]byte, []frame) {
	if len(b.topics) == 1 {
		return buf, frames
	}
	cur := b.index(t)
	buf, out = buf[:0], out[:0]
	ends := make([]int, 0, 8)
	for _, f := range frames {
		buf = appendCompositeID(buf, b.topics, b.pos, cur, f.seq)
		buf = append(buf, frameBody(f.b)...)
		ends = append(ends, len(buf))
	}
	// Slice only now: appending may have moved buf.
	start := 0
	for i, f := range frames {
		out = append(out, frame{seq: f.seq, b: buf[start:ends[i]:ends[i]]})
		start = ends[i]
	}
	return buf, out
}

// framesLen returns how many bytes frames hold.
func framesLen(frames []frame) int {
	n := 0
	for i := range frames {
		n += len(frames[i].b)
	}
	return n
}

// events returns how many of frames are events, not heartbeats (whose seq
// is 0), for the delivery counters.
func events(frames []frame) int {
	n := 0
	for i := range frames {
		if frames[i].seq != 0 {
			n++
		}
	}
	return n
}

// fitting returns how many frames, from the first, fit in room bytes.
func fitting(frames []frame, room int) int {
	for i := range frames {
		if room -= len(frames[i].b); room < 0 {
			return i
		}
	}
	return len(frames)
}

// bound applies the slow-subscriber policy to frames about to join a
// backlog that has room bytes left and already holds queued event frames.
// When they do not all fit: with drop (SlowDrop) the frames past room are
// dropped and counted; otherwise nothing is queued, the subscriber is
// reported slow, every delivery it loses (queued and new) is counted, and ok
// is false: the caller cuts the subscriber.
func bound(frames []frame, room int, drop bool, queued int, r *round) (kept []frame, ok bool) {
	if framesLen(frames) <= room {
		return frames, true
	}
	if !drop {
		n := uint64(events(frames))
		r.slow++
		r.dropped += uint64(queued) + n
		r.rejected += n
		return nil, false
	}
	k := fitting(frames, room)
	n := uint64(events(frames[k:]))
	r.dropped += n
	r.rejected += n
	return frames[:k], true
}
