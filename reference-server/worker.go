package refserver

import "time"

// Worker timing.
const (
	// retryInterval is how soon a backlog is written again when no new
	// event comes to push it. It bounds the extra latency a briefly full
	// socket adds; Go timers have about 1 ms resolution anyway.
	retryInterval = 2 * time.Millisecond
	// probeInterval is how often a worker checks that its clients are
	// still connected, so that closed connections leave Stats.Subscribers
	// (and free their fd) even when no events flow.
	probeInterval = time.Second
	// maxGather bounds the frames a worker that fell behind merges into
	// one delivery (see gather).
	maxGather = 1024
)

// batch is a run of frames of one topic, in id order, released together.
// Every worker gets the same batch; nobody modifies it.
type batch struct {
	t      *topic
	frames []frame
}

// A worker owns a shard of the subscribers and does all fan-out to them from
// one goroutine. W = GOMAXPROCS workers keep every core writing while
// needing no lock on any subscriber state (see subscriber).
type worker struct {
	h       *hub
	batches chan batch // bounded: a worker that falls behind blocks the publisher
	ops     chan subscriber
	lists   map[*topic][]subscriber
	backlog map[subscriber]struct{} // subscribers with bytes queued on the server
	r       *round
	merged  []frame // gather's scratch
}

func newWorker(h *hub) *worker {
	return &worker{
		h:       h,
		batches: make(chan batch, 64),
		ops:     make(chan subscriber, 256),
		lists:   make(map[*topic][]subscriber),
		backlog: make(map[subscriber]struct{}),
		r:       newRound(),
	}
}

// run is the worker's goroutine. It returns when the hub is stopped, having
// closed every subscriber it owned.
func (w *worker) run() {
	defer w.h.wg.Done()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	armed := false
	probe := time.NewTicker(probeInterval)
	defer probe.Stop()
	var beat <-chan time.Time // nil, never ready, when heartbeats are off
	if d := w.h.cfg.Heartbeat; d > 0 {
		t := time.NewTicker(d)
		defer t.Stop()
		beat = t.C
	}
	for {
		select {
		case b := <-w.batches:
			w.gather(b)
		case s := <-w.ops:
			w.register(s)
		case <-retry.C:
			armed = false
			w.retryBacklog()
		case <-probe.C:
			w.probe()
		case <-beat:
			w.heartbeat()
		case <-w.h.done:
			w.shutdown()
			return
		}
		w.r.addTo(w.h.counters)
		if len(w.backlog) > 0 && !armed {
			retry.Reset(retryInterval)
			armed = true
		}
	}
}

// register takes a new subscriber on: it sets where the stream starts on
// each topic, sends what a resuming subscriber missed, and adds it to its
// topics' lists.
//
// Subtleness ahead: batches and new subscribers reach the worker on
// different channels, so a batch the worker takes after this may hold
// events the ring already had when the stream started, and one it took
// before may hold events the ring did not. Both are fine: the ring is
// updated before a batch is sent to any worker, so everything after the
// start position reaches this worker later, and base.fresh skips whatever
// is not after it.
func (w *worker) register(s subscriber) {
	b := s.state()
	b.epoch = w.r.epoch // the response headers count as a write
	starts := make([]resumeAt, len(b.topics))
	for i, t := range b.topics {
		after := int64(-1)
		if b.resume != nil {
			after = b.resume[i]
		}
		starts[i] = t.ring.resume(after)
		b.pos[i] = starts[i].from
	}
	b.resume = nil
	if !w.track(s, s.start(w.r)) {
		return
	}
	for i, t := range b.topics {
		at := starts[i]
		frames := at.replay
		if at.lostTo != 0 {
			lost := frame{seq: at.lostTo, b: appendLost(nil, t.name, at.lostFrom, at.lostTo)}
			frames = append([]frame{lost}, frames...)
			w.h.counters.eventsLost.Add(at.lostTo - at.lostFrom + 1)
		}
		if len(frames) > 0 {
			st := s.deliver(t, frames, w.r)
			w.r.addTopic(t)
			if !w.track(s, st) {
				return
			}
		}
		w.lists[t] = append(w.lists[t], s)
	}
}

// track records the status a call left s in, and reports whether s is
// still open.
func (w *worker) track(s subscriber, st status) bool {
	switch st {
	case alive:
		if len(w.backlog) > 0 { // skip the map when nobody is behind
			delete(w.backlog, s)
		}
	case backlogged:
		w.backlog[s] = struct{}{}
	default: // gone, slow
		s.close()
		delete(w.backlog, s)
		return false
	}
	return true
}

// gather delivers b, merged with the batches already waiting behind it. A
// worker that fell behind (a burst, a GC pause, too many subscribers for
// the rate) thus writes each subscriber all the frames it owes in one
// writev instead of one write each, which is how it catches up. Nothing is
// held back to form a merge, so when the worker keeps up every event is
// still written on its own, as soon as it is due.
func (w *worker) gather(b batch) {
	if len(w.batches) == 0 {
		w.fanout(b)
		return
	}
	w.merged = append(w.merged[:0], b.frames...)
	t := b.t
	for len(w.merged) < maxGather && len(w.batches) > 0 {
		nb := <-w.batches // only this goroutine receives, so this cannot block
		if nb.t != t {
			// Keep each topic's frames in order: deliver what is
			// merged so far before starting on another topic.
			w.fanout(batch{t: t, frames: w.merged})
			w.merged, t = append(w.merged[:0], nb.frames...), nb.t
			continue
		}
		w.merged = append(w.merged, nb.frames...)
	}
	w.fanout(batch{t: t, frames: w.merged})
	clear(w.merged) // let the frames be collected
}

// fanout delivers one batch to every subscriber of its topic, forgetting
// the ones that ended.
func (w *worker) fanout(b batch) {
	list := w.lists[b.t]
	keep := list[:0]
	for _, s := range list {
		if s.ended() {
			delete(w.backlog, s)
			continue
		}
		if w.track(s, s.deliver(b.t, b.frames, w.r)) {
			keep = append(keep, s)
		}
	}
	clear(list[len(keep):]) // let ended subscribers be collected
	w.lists[b.t] = keep
	w.r.addTopic(b.t)
}

// retryBacklog writes pending backlogs again, for when no new event does.
func (w *worker) retryBacklog() {
	for s := range w.backlog {
		w.track(s, s.retry(w.r))
	}
}

// probe closes subscribers whose clients went away and drops ended ones
// from the lists.
func (w *worker) probe() {
	w.sweep(func(s subscriber) bool { return s.probe(w.r) == alive })
}

// heartbeat ends a heartbeat period: every stream that was written nothing
// during it (no event, no heartbeat) gets a comment. The period of a
// stream's last write is stamped on it, so a stream of several topics, met
// once per topic here, gets one heartbeat.
func (w *worker) heartbeat() {
	cur := w.r.epoch
	w.sweep(func(s subscriber) bool {
		if s.state().epoch == cur {
			return true
		}
		st := s.deliver(nil, heartbeat, w.r)
		if st != gone && st != slow {
			w.r.heartbeats++
		}
		return w.track(s, st)
	})
	w.r.epoch++
}

// sweep calls keep for every open subscriber, dropping the ones for which it
// returns false (closing them first) and the ones that ended.
func (w *worker) sweep(keep func(subscriber) bool) {
	for t, list := range w.lists {
		kept := list[:0]
		for _, s := range list {
			if s.ended() || !keep(s) {
				s.close()
				delete(w.backlog, s)
				continue
			}
			kept = append(kept, s)
		}
		clear(list[len(kept):])
		w.lists[t] = kept
	}
}

// shutdown closes every subscriber, including any still waiting in ops (the
// hub lets no new ones in once done is closed).
func (w *worker) shutdown() {
	for {
		select {
		case s := <-w.ops:
			s.close()
			continue
		default:
		}
		break
	}
	for _, list := range w.lists {
		for _, s := range list {
			s.close()
		}
	}
	clear(w.lists)
	clear(w.backlog)
}
