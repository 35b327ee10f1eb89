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

func TestGenerator_constant(t *testing.T) {
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
				for i, f := range got {
					k := uint64(i + 1)
					if f.seq != k {
						t.Fatalf("event %d has id %d, want %d", i, f.seq, k)
					}
					// Fake time fires every timer exactly when due, so
					// each stamp is exactly on the schedule.
					if want := start.Add(constantAt(tt.rate, k)).UnixNano(); f.pubNs != want {
						t.Fatalf("event %d pub_ns = %d, want %d (start + %v)", k, f.pubNs, want, constantAt(tt.rate, k))
					}
				}
				if got, want := c.published.Load(), uint64(tt.want); got != want {
					t.Errorf("EventsPublished = %d, want %d", got, want)
				}
			})
		})
	}
}

func TestGenerator_burst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		g := GeneratorConfig{Pattern: PatternBurst, BurstEvents: 5, BurstInterval: 100 * time.Millisecond}
		_, _, sub := startHub(t, Config{Generators: []GeneratorConfig{g}})
		time.Sleep(350 * time.Millisecond)
		synctest.Wait()
		got := sub.frames()
		if len(got) != 15 {
			t.Fatalf("delivered %d events in 350ms of 5 every 100ms, want 15", len(got))
		}
		for i, f := range got {
			burst := i/5 + 1
			if want := start.Add(time.Duration(burst) * 100 * time.Millisecond).UnixNano(); f.pubNs != want {
				t.Errorf("event %d pub_ns = start+%v, want start+%v", f.seq, time.Duration(f.pubNs-start.UnixNano()), time.Duration(burst)*100*time.Millisecond)
			}
			if f.seq != uint64(i+1) {
				t.Errorf("event %d has id %d", i, f.seq)
			}
		}
		// Each burst is released as one batch.
		if got, want := fmt.Sprint(sub.calls), "[[1 2 3 4 5] [6 7 8 9 10] [11 12 13 14 15]]"; got != want {
			t.Errorf("deliveries = %s, want %s", got, want)
		}
	})
}

func TestGenerator_poisson(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const rate, run = 100.0, 100 * time.Second
		start := time.Now()
		g := GeneratorConfig{Pattern: PatternPoisson, Rate: rate, Seed: 42}
		_, _, sub := startHub(t, Config{Generators: []GeneratorConfig{g}})
		time.Sleep(run)
		synctest.Wait()
		got := sub.frames()
		// 10,000 expected; a Poisson count's standard deviation is 100.
		if n := len(got); n < 9600 || n > 10400 {
			t.Fatalf("delivered %d events in %v at %g/s, want 10000 ± 400", n, run, rate)
		}
		// Gaps are exponential: their coefficient of variation is 1 (a
		// constant schedule's is 0), and each stamp is the due time, so
		// it is exactly when the event was delivered under fake time.
		var sum, sumSq float64
		prev := start.UnixNano()
		for i, f := range got {
			if f.seq != uint64(i+1) {
				t.Fatalf("event %d has id %d", i, f.seq)
			}
			if f.pubNs != f.at.UnixNano() {
				t.Fatalf("event %d stamped %v, delivered at %v", f.seq, time.Unix(0, f.pubNs), f.at)
			}
			gap := float64(f.pubNs - prev)
			sum, sumSq, prev = sum+gap, sumSq+gap*gap, f.pubNs
		}
		n := float64(len(got))
		mean := sum / n
		cv := (sumSq/n - mean*mean) / (mean * mean) // squared CV
		if cv < 0.8 || cv > 1.2 {
			t.Errorf("squared coefficient of variation of the gaps = %.2f, want about 1", cv)
		}
	})
}

// TestGenerator_lateEventsKeepTheirSchedule checks that a generator held up
// stamps the events it owes with their due times, so the delay shows as
// latency (no coordinated omission). The subscriber stalls its worker, the
// worker's channel fills, and the generator blocks releasing an event; when
// it wakes again it makes hundreds of overdue events at once.
func TestGenerator_lateEventsKeepTheirSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		_, _, sub := startHub(t, Config{Rate: 1000, PayloadBytes: 64})
		sub.mu.Lock()
		sub.stall = 500 * time.Millisecond
		sub.mu.Unlock()
		time.Sleep(time.Second)
		synctest.Wait()
		got := sub.frames()
		if len(got) != 1000 {
			t.Fatalf("delivered %d events in 1s at 1000/s, want 1000", len(got))
		}
		late := 0
		for i, f := range got {
			due := start.Add(constantAt(1000, uint64(i+1)))
			if f.seq != uint64(i+1) || f.pubNs != due.UnixNano() {
				t.Fatalf("event %d (id %d) stamped start+%v, want its due time start+%v",
					i+1, f.seq, time.Duration(f.pubNs-start.UnixNano()), due.Sub(start))
			}
			if f.at.Sub(due) >= 100*time.Millisecond {
				late++
			}
		}
		if late < 300 {
			t.Errorf("%d events delivered >= 100ms late, want hundreds: the stall did not happen", late)
		}
	})
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

func TestCoalescer_windows(t *testing.T) {
	tests := []struct {
		name      string
		interval  time.Duration
		maxEvents int
		want      string // ids per delivery in the first 315 ms
	}{
		// Events every 10 ms from 10 ms. A window opens with its first
		// event and closes 95 ms later: 10..100 ms, 110..200, 210..300.
		{"interval", 95 * time.Millisecond, 0, "[[1 2 3 4 5 6 7 8 9 10] [11 12 13 14 15 16 17 18 19 20] [21 22 23 24 25 26 27 28 29 30]]"},
		// A window that fills closes at once.
		{"max events", 95 * time.Millisecond, 4, "[[1 2 3 4] [5 6 7 8] [9 10 11 12] [13 14 15 16] [17 18 19 20] [21 22 23 24] [25 26 27 28]]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				_, _, sub := startHub(t, Config{Rate: 100, FlushInterval: tt.interval, FlushMaxEvents: tt.maxEvents})
				time.Sleep(315 * time.Millisecond)
				synctest.Wait()
				if got := fmt.Sprint(sub.calls); got != tt.want {
					t.Errorf("deliveries = %s, want %s", got, tt.want)
				}
				// Each event waited at most the interval.
				for _, f := range sub.frames() {
					if lat := f.at.Sub(time.Unix(0, f.pubNs)); lat > tt.interval {
						t.Errorf("event %d held %v, want <= %v", f.seq, lat, tt.interval)
					}
				}
			})
		})
	}
}

func TestWorker_heartbeatsOnlyIdleStreams(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		g := GeneratorConfig{Topic: "busy", Rate: 2} // every 500 ms
		h, c, idle := startHub(t, Config{Heartbeat: time.Second, Generators: []GeneratorConfig{g}})
		busyT, _ := h.topics.get("busy")
		defT, _ := h.topics.get("")
		busy := newRecSub(h, nil, busyT)
		busy.subscribe(t, h)
		both := newRecSub(h, nil, defT, busyT) // in two lists, busy
		both.subscribe(t, h)
		lazy := newRecSub(h, nil, defT) // idle too, in a second list entry
		lazy.subscribe(t, h)
		time.Sleep(3500 * time.Millisecond)
		synctest.Wait()
		// Subscribing counts as a write in the first period, so the
		// first heartbeat ends the second.
		want := []time.Duration{2 * time.Second, 3 * time.Second}
		for name, s := range map[string]*recSub{"idle": idle, "lazy": lazy} {
			var got []time.Duration
			for _, at := range s.beats() {
				got = append(got, at.Sub(start))
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s stream: heartbeats at %v, want %v", name, got, want)
			}
		}
		for name, s := range map[string]*recSub{"busy": busy, "two topics, busy": both} {
			if n := len(s.beats()); n != 0 {
				t.Errorf("%s stream got %d heartbeats, want 0", name, n)
			}
		}
		if got, want := c.heartbeats.Load(), uint64(4); got != want {
			t.Errorf("Heartbeats = %d, want %d", got, want)
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
				bad := newRecSub(h, nil)
				bad.failWith, bad.failAt = tt.fail, 3
				bad.subscribe(t, h)
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
				dt, _ := h.topics.get("")
				if got, want := dt.subscribers.Load(), int64(1); got != want {
					t.Errorf("topic subscribers = %d, want %d", got, want)
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
		if err := h.subscribe(newRecSub(h, nil)); !errors.Is(err, ErrClosed) {
			t.Errorf("subscribe after stop = %v, want ErrClosed", err)
		}
		h.start() // must not restart anything
		if !h.closed() {
			t.Errorf("start after stop reopened the hub")
		}
	})
}

// TestWorker_registerResumesWithoutGapsOrDuplicates publishes while
// subscribers with and without a Last-Event-ID join, and checks that each
// gets every event after its start exactly once, in order.
func TestWorker_registerResumesWithoutGapsOrDuplicates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, _, _ := startHub(t, Config{Replay: 100})
		tp, _ := h.topics.get("")
		msg := []message{{data: []byte("x")}}
		for range 10 {
			h.publish(tp, msg)
		}
		synctest.Wait()
		live := newRecSub(h, nil)
		from7 := newRecSub(h, []int64{7})
		// Batches already waiting in the worker's channel (ids 11, 12)
		// reach it after the subscribers' start: they must come once.
		h.publish(tp, msg)
		h.publish(tp, msg)
		live.subscribe(t, h)
		from7.subscribe(t, h)
		// A server answers 200 only once the worker has registered the
		// stream; this waits for the same moment.
		synctest.Wait()
		for range 3 {
			h.publish(tp, msg)
		}
		synctest.Wait()
		if got, want := fmt.Sprint(from7.ids()), "[8 9 10 11 12 13 14 15]"; got != want {
			t.Errorf("resumed from 7: ids %s, want %s", got, want)
		}
		// A live stream starts after what was released when it was
		// registered: 11 and 12 were, even if the worker had not sent
		// them yet.
		if got, want := fmt.Sprint(live.ids()), "[13 14 15]"; got != want {
			t.Errorf("live: ids %s, want %s", got, want)
		}
	})
}

func TestWorker_gatherMergesWaitingBatches(t *testing.T) {
	t.Parallel()
	c := &counters{}
	h := newHub(Config{}.withDefaults(), c)
	a, _ := h.topics.get("")
	b, _ := h.topics.get("b")
	w := h.workers[0]
	sa, sb := newRecSub(h, nil, a), newRecSub(h, nil, b)
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
	// One batch alone is delivered as is; an old one is skipped.
	w.gather(mk(a, 5))
	w.gather(mk(a, 3))
	if got, want := fmt.Sprint(sa.calls), "[[1 2 3] [4] [5]]"; got != want {
		t.Errorf("topic a deliveries = %s, want %s", got, want)
	}
	if got, want := a.delivered.Load(), uint64(5); got != want {
		t.Errorf("topic a deliveries counted = %d, want %d", got, want)
	}
}

func TestBase_composeWritesCompositeIDs(t *testing.T) {
	t.Parallel()
	h := newHub(Config{}.withDefaults(), &counters{})
	a, _ := h.topics.get("a")
	b, _ := h.topics.get("b")
	s := newRecSub(h, nil, a, b)
	s.pos = []uint64{4, 6}
	r := newRound()
	mk := func(id uint64, data string) []frame {
		return []frame{{seq: id, b: appendPublished(nil, id, "", []byte(data))}}
	}
	s.deliver(a, mk(5, "x"), r)
	s.deliver(b, mk(7, "y"), r)
	s.deliver(b, mk(7, "dup"), r) // skipped
	s.deliver(a, append(mk(6, "z"), mk(7, "w")...), r)
	var got []string
	for _, f := range s.frames() {
		got = append(got, f.raw)
	}
	want := []string{
		"id: a:5,b:6\ndata: x\n\n",
		"id: a:5,b:7\ndata: y\n\n",
		"id: a:6,b:7\ndata: z\n\n",
		"id: a:7,b:7\ndata: w\n\n",
	}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Errorf("frames = %q, want %q", got, want)
	}
}
