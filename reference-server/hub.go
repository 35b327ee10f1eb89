package refserver

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned for work offered to a server that is shutting down.
var ErrClosed = errors.New("refserver: server closed")

// errUnknownTopic is answered with 404.
var errUnknownTopic = errors.New("refserver: unknown topic")

// defaultTopic is the topic of a subscription that names none, and the one
// the built-in generator feeds.
const defaultTopic = "default"

// hubState is where a hub is in its life.
type hubState uint8

const (
	hubIdle hubState = iota
	hubRunning
	hubStopped
)

// A hub connects publishers (generators, and later POST /publish) to
// subscribers through topics. Its goroutines (workers, generators, the delay
// line) start on first use, so a Server that is created and never used
// costs nothing.
//
//	generator ─► topic (id, stamp, encode once) ─► [delay line] ─► fanout ─► worker × W ─► subscribers
type hub struct {
	cfg      Config
	counters *counters
	topics   map[string]*topic // fixed after newHub
	workers  []*worker
	gens     []*generator
	delay    *delayLine // nil when Config.Delay is 0
	next     atomic.Uint32

	// mu orders subscribe against stop: stop takes it exclusively, so
	// once done is closed no new subscriber reaches a worker.
	mu    sync.RWMutex
	state hubState
	done  chan struct{} // closed by stop: every goroutine and stream ends
	wg    sync.WaitGroup
}

func newHub(cfg Config, c *counters) *hub {
	h := &hub{cfg: cfg, counters: c, topics: make(map[string]*topic), done: make(chan struct{})}
	t := &topic{name: defaultTopic}
	h.topics[t.name] = t
	if cfg.Rate > 0 {
		h.gens = append(h.gens, newGenerator(h, t, cfg.Rate, cfg.PayloadBytes))
	}
	if cfg.Delay > 0 {
		h.delay = newDelayLine(h, cfg.Delay)
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

// lookup returns the topics a subscription names, or the default topic
// when it names none.
func (h *hub) lookup(names []string) ([]*topic, error) {
	if len(names) == 0 {
		names = []string{defaultTopic}
	}
	ts := make([]*topic, 0, len(names))
	for _, n := range names {
		t, ok := h.topics[n]
		if !ok {
			return nil, fmt.Errorf("%w %q", errUnknownTopic, n)
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// subscribe hands s to a worker, round robin. It counts s in
// Stats.Subscribers at once; s is ended (and uncounted) by whoever notices
// first that it is over.
func (h *hub) subscribe(s subscriber, topics []*topic) error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.state != hubRunning {
		return ErrClosed
	}
	h.counters.subscribers.Add(1)
	h.counters.subscribersTotal.Add(1)
	w := h.workers[h.next.Add(1)%uint32(len(h.workers))]
	w.ops <- addOp{s: s, topics: topics} // the worker runs until done, which needs mu
	return nil
}

// release sends frames stamped at stamp on their way: through the delay
// line, or straight to the workers. Callers hold t.mu so that frames of one
// topic arrive in id order.
func (h *hub) release(t *topic, frames []frame, stamp time.Time) {
	if h.delay != nil {
		h.delay.push(t, frames, stamp.Add(h.cfg.Delay))
		return
	}
	h.fanout(t, frames)
}

// fanout gives frames to every worker. It blocks while a worker is 64
// batches behind, which slows publishing instead of growing memory; it
// gives up when the hub stops.
func (h *hub) fanout(t *topic, frames []frame) {
	b := batch{t: t, frames: frames}
	for _, w := range h.workers {
		select {
		case w.batches <- b:
		case <-h.done:
			return
		}
	}
}

// A topic is a named stream of events with its own id sequence.
//
// TODO(refserver): issue 3 adds topics from flags, POST /publish and a replay
// ring here; whoever publishes holds mu from assigning ids to release.
type topic struct {
	name string
	mu   sync.Mutex
	seq  uint64 // the last id assigned
}
