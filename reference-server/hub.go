package refserver

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned for work offered to a server that is shutting down.
var ErrClosed = errors.New("refserver: server closed")

// hubState is where a hub is in its life.
type hubState uint8

const (
	hubIdle hubState = iota
	hubRunning
	hubStopped
)

// A hub connects publishers (generators and POST /publish) to subscribers
// through topics. Its goroutines (workers, generators, the delay line, the
// coalescer) start on first use, so a Server that is created and never used
// costs nothing.
//
//	publisher ─► topic (id, encode once) ─► [delay line] ─► [coalescer] ─► ring + worker × W ─► subscribers
type hub struct {
	cfg      Config
	counters *counters
	topics   *topicSet
	workers  []*worker
	gens     []*generator
	delay    *delayLine // nil when Config.Delay is 0
	coalesce *coalescer // nil when Config.FlushInterval is 0
	next     atomic.Uint32

	// mu orders subscribe against stop: stop takes it exclusively, so
	// once done is closed no new subscriber reaches a worker.
	mu    sync.RWMutex
	state hubState
	done  chan struct{} // closed by stop: every goroutine and stream ends
	wg    sync.WaitGroup
}

// newHub returns a hub for cfg, which has its defaults filled in and is
// valid.
func newHub(cfg Config, c *counters) *hub {
	h := &hub{cfg: cfg, counters: c, topics: newTopicSet(cfg.MaxTopics, cfg.Replay), done: make(chan struct{})}
	gens := cfg.Generators
	if cfg.Rate > 0 {
		gens = append([]GeneratorConfig{{Rate: cfg.Rate, PayloadBytes: cfg.PayloadBytes}}, gens...)
	}
	for _, g := range gens {
		t, err := h.topics.get(g.Topic)
		if err != nil {
			panic(err) // Validate checked names and counts
		}
		h.gens = append(h.gens, newGenerator(h, t, g))
	}
	if cfg.Delay > 0 {
		h.delay = newDelayLine(h, cfg.Delay)
	}
	if cfg.FlushInterval > 0 {
		h.coalesce = newCoalescer(h, cfg.FlushInterval, cfg.FlushMaxEvents)
	}
	for range runtime.GOMAXPROCS(0) {
		h.workers = append(h.workers, newWorker(h))
	}
	return h
}

// start starts the goroutines, once. It does nothing after stop.
func (h *hub) start() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state != hubIdle {
		return
	}
	h.state = hubRunning
	for _, w := range h.workers {
		h.wg.Add(1)
		go w.run()
	}
	if h.delay != nil {
		h.wg.Add(1)
		go h.delay.run()
	}
	if h.coalesce != nil {
		h.wg.Add(1)
		go h.coalesce.run()
	}
	for _, g := range h.gens {
		h.wg.Add(1)
		go g.run()
	}
}

// stop ends every stream and goroutine and waits for the goroutines. It is
// idempotent. Streams served by handler goroutines end as those notice done.
func (h *hub) stop() {
	h.mu.Lock()
	if h.state != hubStopped {
		h.state = hubStopped
		close(h.done)
	}
	h.mu.Unlock()
	h.wg.Wait()
}

// closed reports whether stop was called.
func (h *hub) closed() bool {
	select {
	case <-h.done:
		return true
	default:
		return false
	}
}

// subscribe hands s to a worker, round robin. s was already counted in
// Stats.Subscribers (counters.reserve); from here it is ended (and
// uncounted) by whoever notices first that it is over.
func (h *hub) subscribe(s subscriber) error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.state != hubRunning {
		return ErrClosed
	}
	b := s.state()
	for _, t := range b.topics {
		t.subscribers.Add(1)
	}
	b.registered = true
	if b.resume != nil {
		h.counters.resumes.Add(1)
	}
	w := h.workers[h.next.Add(1)%uint32(len(h.workers))]
	w.ops <- s // the worker runs until done, which needs mu
	return nil
}

// A message is one event to publish: its type ("" for message) and data.
type message struct {
	event string
	data  []byte
}

// publish assigns ids to msgs, which go to t, encodes them, and releases
// them as one batch. It returns the first id; the others follow it.
func (h *hub) publish(t *topic, msgs []message) uint64 {
	frames := make([]frame, len(msgs))
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	first := t.seq + 1
	for i, m := range msgs {
		t.seq++
		frames[i] = frame{seq: t.seq, b: appendPublished(make([]byte, 0, publishedLen(m.event, m.data)), t.seq, m.event, m.data)}
	}
	t.published.Add(uint64(len(frames)))
	h.counters.published.Add(uint64(len(frames)))
	h.release(t, frames, now)
	return first
}

// release sends frames stamped at stamp on their way: through the delay
// line, or on at once. Callers hold t.mu so that frames of one topic arrive
// in id order.
func (h *hub) release(t *topic, frames []frame, stamp time.Time) {
	if h.delay != nil {
		h.delay.push(t, frames, stamp.Add(h.cfg.Delay))
		return
	}
	h.forward(t, frames)
}

// forward sends frames that are due to the coalescer, or to the workers.
// Calls for one topic come in id order: from its publishers under t.mu, or
// from the one delay line goroutine.
func (h *hub) forward(t *topic, frames []frame) {
	if h.coalesce != nil {
		h.coalesce.push(t, frames)
		return
	}
	h.fanout(t, frames)
}

// fanout records frames in t's replay ring, then gives them to every
// worker. The ring comes first: see worker.register. It blocks while a
// worker is 64 batches behind, which slows publishing instead of growing
// memory; it gives up when the hub stops.
func (h *hub) fanout(t *topic, frames []frame) {
	t.ring.add(frames)
	b := batch{t: t, frames: frames}
	for _, w := range h.workers {
		select {
		case w.batches <- b:
		case <-h.done:
			return
		}
	}
}
