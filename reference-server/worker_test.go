package refserver

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

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
