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

// addOp hands a new subscriber to its worker.
type addOp struct {
	s      subscriber
	topics []*topic
}

// A worker owns a shard of the subscribers and does all fan-out to them from
// one goroutine. W = GOMAXPROCS workers keep every core writing while
// needing no lock on any subscriber state (see subscriber).
type worker struct {
	h       *hub
	batches chan batch // bounded: a worker that falls behind blocks the publisher
	ops     chan addOp
	lists   map[*topic][]subscriber
	backlog map[subscriber]struct{} // subscribers with bytes queued on the server
	r       *round
	merged  []frame // gather's scratch
}

func newWorker(h *hub) *worker {
	return &worker{
		h:       h,
		batches: make(chan batch, 64),
		ops:     make(chan addOp, 256),
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
	for {
		select {
		case b := <-w.batches:
			w.gather(b)
		case op := <-w.ops:
			for _, t := range op.topics {
				w.lists[t] = append(w.lists[t], op.s)
			}
		case <-retry.C:
			armed = false
			w.retryBacklog()
		case <-probe.C:
			w.probe()
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
		switch s.deliver(b.frames, w.r) {
		case alive:
			if len(w.backlog) > 0 { // skip the map when nobody is behind
				delete(w.backlog, s)
			}
		case backlogged:
			w.backlog[s] = struct{}{}
		default: // gone, slow
			s.close()
			delete(w.backlog, s)
			continue
		}
		keep = append(keep, s)
	}
	clear(list[len(keep):]) // let ended subscribers be collected
	w.lists[b.t] = keep
}

// retryBacklog writes pending backlogs again, for when no new event does.
func (w *worker) retryBacklog() {
	for s := range w.backlog {
		switch s.retry(w.r) {
		case backlogged:
		case alive:
			delete(w.backlog, s)
		default:
			s.close()
			delete(w.backlog, s)
		}
	}
}

// probe closes subscribers whose clients went away and drops ended ones
// from the lists.
func (w *worker) probe() {
	for t, list := range w.lists {
		keep := list[:0]
		for _, s := range list {
			if s.probe(w.r) != alive {
				s.close()
				delete(w.backlog, s)
				continue
			}
			keep = append(keep, s)
		}
		clear(list[len(keep):])
		w.lists[t] = keep
	}
}

// shutdown closes every subscriber, including any still waiting in ops (the
// hub lets no new ones in once done is closed).
func (w *worker) shutdown() {
	for {
		select {
		case op := <-w.ops:
			op.s.close()
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
