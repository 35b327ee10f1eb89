package refserver

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// recSub is an in-memory subscriber that records what it was delivered and
// when, and can be told to fail.
type recSub struct {
	base
	mu       sync.Mutex
	got      []recFrame
	failWith status // returned once len(got) reaches failAt, if set
	failAt   int
	calls    [][]uint64 // the ids of each deliver call
}

type recFrame struct {
	seq   uint64
	at    time.Time
	pubNs int64
}

var _ subscriber = (*recSub)(nil)

func newRecSub(c *counters) *recSub { return &recSub{base: base{counters: c}} }

func (s *recSub) deliver(frames []frame, r *round) status {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failWith != alive && len(s.got) >= s.failAt {
		return s.failWith
	}
	now := time.Now()
	var ids []uint64
	for _, f := range frames {
		ids = append(ids, f.seq)
		_, data, _ := cutData(f.b)
		pub, _ := ParsePublishTime(data)
		s.got = append(s.got, recFrame{seq: f.seq, at: now, pubNs: pub})
		r.frames++
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

// cutData returns the data value of a generated frame.
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
	sub := newRecSub(c)
	topics, err := h.lookup(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.subscribe(sub, topics); err != nil {
		t.Fatal(err)
	}
	synctest.Wait() // the worker has the subscriber before time moves
	return h, c, sub
}

func TestGenerator_rate(t *testing.T) {
	tests := []struct {
		name string
		rate float64
		run  time.Duration
		want int
	}{
		{"200 per second", 200, 10 * time.Second, 2000},
		{"half per second", 0.5, 10 * time.Second, 5},
		{"a third per second", 1.0 / 3, 9500 * time.Millisecond, 3},
		{"10000 per second", 10000, time.Second, 10000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				_, c, sub := startHub(t, Config{Rate: tt.rate, PayloadBytes: 64})
				time.Sleep(tt.run)
				synctest.Wait()
				got := sub.frames()
				if len(got) != tt.want {
					t.Fatalf("delivered %d events in %v at %g/s, want %d", len(got), tt.run, tt.rate, tt.want)
				}
				g := &generator{rate: tt.rate}
				for i, f := range got {
					k := uint64(i + 1)
					if f.seq != k {
						t.Fatalf("event %d has id %d, want %d", i, f.seq, k)
					}
					// Fake time fires every timer exactly when due, so
					// each stamp is exactly on the schedule.
					if want := start.Add(g.at(k)).UnixNano(); f.pubNs != want {
						t.Fatalf("event %d pub_ns = %d, want %d (start + %v)", k, f.pubNs, want, g.at(k))
					}
				}
				if got, want := c.published.Load(), uint64(tt.want); got != want {
					t.Errorf("EventsPublished = %d, want %d", got, want)
				}
			})
		})
	}
}

func TestDelayLine_holdsEveryEvent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const delay = 50 * time.Millisecond
		_, c, sub := startHub(t, Config{Rate: 100, PayloadBytes: 64, Delay: delay})
		time.Sleep(time.Second)
		synctest.Wait()
		got := sub.frames()
		// Events stamped up to 950 ms are due by 1 s.
		if len(got) != 95 {
			t.Fatalf("delivered %d events, want 95", len(got))
		}
		for _, f := range got {
			if lat := f.at.Sub(time.Unix(0, f.pubNs)); lat != delay {
				t.Fatalf("event %d delivered %v after its stamp, want exactly %v", f.seq, lat, delay)
			}
		}
		if got, want := c.published.Load(), uint64(100); got != want {
			t.Errorf("EventsPublished = %d, want %d (5 still held)", got, want)
		}
	})
}

func TestWorker_removesFailedSubscribers(t *testing.T) {
	tests := []struct {
		name string
		fail status
	}{
		{"gone", gone},
		{"slow", slow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, c, keep := startHub(t, Config{Rate: 10})
				bad := newRecSub(c)
				bad.failWith, bad.failAt = tt.fail, 3
				topics, _ := h.lookup(nil)
				if err := h.subscribe(bad, topics); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				if got, want := c.subscribers.Load(), int64(2); got != want {
					t.Fatalf("Subscribers = %d, want %d", got, want)
				}
				time.Sleep(time.Second)
				synctest.Wait()
				if got, want := len(bad.frames()), 3; got != want {
					t.Errorf("failing subscriber got %d events, want %d", got, want)
				}
				if got, want := len(keep.frames()), 10; got != want {
					t.Errorf("healthy subscriber got %d events, want %d", got, want)
				}
				if !bad.ended() {
					t.Errorf("failing subscriber was not closed")
				}
				if got, want := c.subscribers.Load(), int64(1); got != want {
					t.Errorf("Subscribers = %d, want %d", got, want)
				}
			})
		})
	}
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
		topics, _ := h.lookup(nil)
		if err := h.subscribe(newRecSub(c), topics); !errors.Is(err, ErrClosed) {
			t.Errorf("subscribe after stop = %v, want ErrClosed", err)
		}
		h.start() // must not restart anything
		if !h.closed() {
			t.Errorf("start after stop reopened the hub")
		}
	})
}

func TestHub_lookup(t *testing.T) {
	t.Parallel()
	h := newHub(Config{}.withDefaults(), &counters{})
	if ts, err := h.lookup(nil); err != nil || len(ts) != 1 || ts[0].name != defaultTopic {
		t.Errorf("lookup(nil) = %v, %v; want the default topic", ts, err)
	}
	if _, err := h.lookup([]string{"nope"}); !errors.Is(err, errUnknownTopic) {
		t.Errorf("lookup(nope) = %v, want errUnknownTopic", err)
	}
}

func TestWorker_gatherMergesWaitingBatches(t *testing.T) {
	t.Parallel()
	c := &counters{}
	h := newHub(Config{}.withDefaults(), c)
	a, b := h.topics[defaultTopic], &topic{name: "b"}
	w := h.workers[0]
	sa, sb := newRecSub(c), newRecSub(c)
	w.lists[a] = []subscriber{sa}
	w.lists[b] = []subscriber{sb}
	mk := func(t *topic, ids ...uint64) batch {
		var fs []frame
		for _, id := range ids {
			fs = append(fs, frame{seq: id, b: appendGenerated(nil, id, 1, 0, nil)})
		}
		return batch{t: t, frames: fs}
	}
	// A worker that is behind finds these waiting.
	for _, bt := range []batch{mk(a, 1), mk(a, 2, 3), mk(b, 1), mk(a, 4)} {
		w.batches <- bt
	}
	w.gather(<-w.batches)
	if got, want := fmt.Sprint(sa.calls), "[[1 2 3] [4]]"; got != want {
		t.Errorf("topic a deliveries = %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(sb.calls), "[[1]]"; got != want {
		t.Errorf("topic b deliveries = %s, want %s", got, want)
	}
	// One batch alone is delivered as is.
	w.gather(mk(a, 5))
	if got, want := fmt.Sprint(sa.calls), "[[1 2 3] [4] [5]]"; got != want {
		t.Errorf("topic a deliveries = %s, want %s", got, want)
	}
}
