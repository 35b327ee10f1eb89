package refserver

import (
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// recSub is an in-memory subscriber that records what it was delivered and
// when, and can be told to fail. It skips and composes frames like the real
// subscribers, through base.
type recSub struct {
	base
	mu         sync.Mutex
	started    bool
	got        []recFrame
	heartbeats []time.Time
	stall      time.Duration // slept once, in the next deliver: a stuck worker
	failWith   status        // returned once len(got) reaches failAt, if set
	failAt     int
	calls      [][]uint64 // the ids of each deliver call
}

type recFrame struct {
	seq   uint64
	at    time.Time
	pubNs int64
	raw   string
}

var _ subscriber = (*recSub)(nil)

// newRecSub returns a recSub of topics (none: the default topic of h),
// live unless resume is given.
func newRecSub(h *hub, resume []int64, topics ...*topic) *recSub {
	if len(topics) == 0 {
		t, _ := h.topics.get("")
		topics = []*topic{t}
	}
	s := &recSub{}
	s.init(h.counters, spec{topics: topics, resume: resume}, &h.cfg)
	return s
}

// subscribe counts and subscribes s as the handler would.
func (s *recSub) subscribe(tb testing.TB, h *hub) {
	tb.Helper()
	h.counters.reserve(0)
	if err := h.subscribe(s); err != nil {
		tb.Fatal(err)
	}
}

func (s *recSub) start(r *round) status {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started = true
	return alive
}

func (s *recSub) deliver(t *topic, frames []frame, r *round) status {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failWith != alive && len(s.got) >= s.failAt {
		return s.failWith
	}
	if s.stall > 0 {
		time.Sleep(s.stall)
		s.stall = 0
	}
	now := time.Now()
	s.epoch = r.epoch
	if t == nil {
		s.heartbeats = append(s.heartbeats, now)
		return alive
	}
	if frames = s.fresh(t, frames); len(frames) == 0 {
		return alive
	}
	_, frames = s.compose(t, frames, nil, nil)
	var ids []uint64
	for _, f := range frames {
		ids = append(ids, f.seq)
		_, data, _ := cutData(f.b)
		pub, _ := ParsePublishTime(data)
		s.got = append(s.got, recFrame{seq: f.seq, at: now, pubNs: pub, raw: string(f.b)})
		r.frames++
		r.accepted++
		r.bytes += uint64(len(f.b))
	}
	s.calls = append(s.calls, ids)
	return alive
}

func (s *recSub) retry(*round) status { return alive }

func (s *recSub) probe(*round) status {
	if s.ended() {
		return gone
	}
	return alive
}

func (s *recSub) close() { s.end() }

func (s *recSub) frames() []recFrame {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]recFrame(nil), s.got...)
}

func (s *recSub) beats() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.heartbeats...)
}

func (s *recSub) ids() []uint64 {
	var ids []uint64
	for _, f := range s.frames() {
		ids = append(ids, f.seq)
	}
	return ids
}

// cutData returns the id and data values of a frame with one data line.
func cutData(f []byte) (id, data []byte, ok bool) {
	const idp, datap = "id: ", "\ndata: "
	s := string(f)
	i := len(idp)
	j := i
	for j < len(s) && s[j] != '\n' {
		j++
	}
	if len(s) < j+len(datap) || s[j:j+len(datap)] != datap {
		return nil, nil, false
	}
	k := j + len(datap)
	end := len(s) - 2 // "\n\n"
	return f[i:j], f[k:end], true
}

// startHub starts a hub inside a synctest bubble with one recording
// subscriber on the default topic, and stops the hub at the end of the test.
func startHub(t *testing.T, cfg Config) (*hub, *counters, *recSub) {
	t.Helper()
	c := &counters{}
	h := newHub(cfg.withDefaults(), c)
	h.start()
	t.Cleanup(h.stop)
	sub := newRecSub(h, nil)
	sub.subscribe(t, h)
	synctest.Wait() // the worker has the subscriber before time moves
	return h, c, sub
}

func TestHub_stopClosesSubscribersAndRefusesNew(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, c, sub := startHub(t, Config{Rate: 10})
		h.stop()
		if !sub.ended() {
			t.Errorf("subscriber still open after stop")
		}
		if got := c.subscribers.Load(); got != 0 {
			t.Errorf("Subscribers = %d after stop, want 0", got)
		}
		if err := h.subscribe(newRecSub(h, nil)); !errors.Is(err, ErrClosed) {
			t.Errorf("subscribe after stop = %v, want ErrClosed", err)
		}
		h.start() // must not restart anything
		if !h.closed() {
			t.Errorf("start after stop reopened the hub")
		}
	})
}
