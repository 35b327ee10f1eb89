package ids

import (
	"fmt"
	"strconv"
	"testing"
)

// feed is one stream of a session: its ids in order.
type feed []string

// run feeds the streams to a fresh Tracker (a reconnection between
// streams) and returns the summed steps and the scheme of its tally.
func run(tb testing.TB, streams ...feed) (Step, string) {
	tb.Helper()
	var tr Tracker
	var sum Step
	for i, s := range streams {
		if i > 0 {
			tr.Reconnected()
		}
		for _, id := range s {
			st := tr.Observe([]byte(id))
			sum.Gaps += st.Gaps
			sum.Lost += st.Lost
			sum.Dups += st.Dups
			sum.Resets += st.Resets
		}
	}
	return sum, SchemeOf(tr.Tally())
}

// seq returns ids from..to stepping by step, skipping those drop says to.
func seq(from, to, step int, drop func(int) bool) feed {
	var f feed
	for i := from; i <= to; i += step {
		if drop == nil || !drop(i) {
			f = append(f, strconv.Itoa(i))
		}
	}
	return f
}

func TestTracker_groundTruth(t *testing.T) {
	t.Parallel()
	every10th := func(i int) bool { return i%10 == 0 }
	// Composite ids of a stream of two topics, a and b, alternating, with
	// every 10th event of each topic lost. As the reference server does,
	// an id names the last event of each topic the stream was sent.
	var comp feed
	a, b, sentA, sentB := 0, 0, 0, 0
	for i := range 201 {
		if i%2 == 0 {
			if a++; every10th(a) {
				continue
			}
			sentA = a
		} else {
			if b++; every10th(b) {
				continue
			}
			sentB = b
		}
		comp = append(comp, fmt.Sprintf("a:%d,b:%d", sentA, sentB))
	}
	var uuids feed
	for i := range 100 {
		uuids = append(uuids, fmt.Sprintf("550e8400-e29b-41d4-a716-%012d", i))
	}
	var ms feed // a millisecond clock at ~7 ms between events
	for i := range 100 {
		ms = append(ms, strconv.FormatInt(1733234567890+int64(i*7), 10))
	}
	var msBusy feed // several events per millisecond
	for i := range 100 {
		msBusy = append(msBusy, strconv.FormatInt(1733234567890+int64(i/4), 10))
	}
	tests := []struct {
		name    string
		streams []feed
		want    Step
		scheme  string
	}{
		{"consecutive, nothing lost", []feed{seq(1, 1000, 1, nil)}, Step{}, Consecutive},
		{"consecutive, 10% lost", []feed{seq(1, 1000, 1, every10th)}, Step{Gaps: 99}, Consecutive},
		{"step 2 (a counter shared by two topics)", []feed{seq(1, 999, 2, nil)}, Step{Gaps: 499}, Increasing},
		{"millisecond timestamps", []feed{ms}, Step{Gaps: 99 * 6}, Increasing},
		{"millisecond timestamps, several per ms", []feed{msBusy}, Step{Gaps: 0, Dups: 75}, Increasing},
		{"UUIDs", []feed{uuids}, Step{}, Opaque},
		{"no ids", []feed{{"", "", ""}}, Step{}, None},
		{"composite, 10% lost per topic", []feed{comp}, Step{Gaps: 19}, Composite},
		{"restart: ids start again at 1", []feed{seq(1, 5000, 1, nil), seq(1, 4980, 1, nil)}, Step{Resets: 1}, Consecutive},
		{"resume with loss across the reconnect", []feed{seq(1, 100, 1, nil), seq(106, 200, 1, nil)}, Step{Gaps: 5, Lost: 5}, Consecutive},
		{"resume repeating the last event", []feed{seq(1, 100, 1, nil), seq(100, 200, 1, nil)}, Step{Dups: 1}, Consecutive},
		{"duplicates in a stream", []feed{{"1", "2", "2", "3", "3", "4"}}, Step{Dups: 2}, Consecutive},
		{"composite restart", []feed{{"a:5,b:7", "a:6,b:7"}, {"a:1,b:1", "a:2,b:1"}}, Step{Resets: 2}, Composite},
		{"mixed forms", []feed{{"1", "2", "a:3"}}, Step{}, Opaque},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, scheme := run(t, tt.streams...)
			if got != tt.want {
				t.Errorf("steps = %+v, want %+v", got, tt.want)
			}
			if scheme != tt.scheme {
				t.Errorf("scheme = %q, want %q", scheme, tt.scheme)
			}
			if Measurable(scheme) != (scheme == Consecutive || scheme == Composite) {
				t.Errorf("Measurable(%q) = %v", scheme, Measurable(scheme))
			}
		})
	}
}

// TestTracker_notice: the reference server's lost notice counts exactly the
// events it names, is not an event, and its id is the new baseline.
func TestTracker_notice(t *testing.T) {
	t.Parallel()
	var tr Tracker
	for i := 1; i <= 100; i++ {
		tr.Observe([]byte(strconv.Itoa(i)))
	}
	tr.Reconnected()
	n, ok := ParseNotice([]byte("lost"), []byte(`{"topic":"default","lost":50,"from":101,"to":150}`))
	if !ok {
		t.Fatal("ParseNotice: not a notice")
	}
	st := tr.Notice([]byte("150"), n)
	if want := (Step{Gaps: 50, Lost: 50}); st != want {
		t.Errorf("Notice = %+v, want %+v", st, want)
	}
	for i := 151; i <= 200; i++ {
		if st := tr.Observe([]byte(strconv.Itoa(i))); st != (Step{}) {
			t.Fatalf("Observe(%d) after the notice = %+v, want nothing", i, st)
		}
	}
	if got, want := tr.Tally().Plain, uint64(150); got != want {
		t.Errorf("Tally.Plain = %d, want %d (the notice is not an event)", got, want)
	}
}

func TestParseNotice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typ, data string
		ok        bool
	}{
		{"lost", `{"topic":"a","lost":3,"from":5,"to":7}`, true},
		{"message", `{"topic":"a","lost":3,"from":5,"to":7}`, false},
		{"lost", `{"topic":"a","lost":4,"from":5,"to":7}`, false}, // count disagrees
		{"lost", `{"topic":"a","lost":3,"from":5,"to":7,"x":1}`, false},
		{"lost", `{"topic":"a","lost":3}`, false},
		{"lost", `all gone`, false},
	}
	for _, tt := range tests {
		if _, ok := ParseNotice([]byte(tt.typ), []byte(tt.data)); ok != tt.ok {
			t.Errorf("ParseNotice(%q, %q) ok = %v, want %v", tt.typ, tt.data, ok, tt.ok)
		}
	}
}

func TestTracker_seed(t *testing.T) {
	t.Parallel()
	var tr Tracker
	tr.Seed([]byte("100"))
	if st := tr.Observe([]byte("104")); st != (Step{Gaps: 3, Lost: 3}) {
		t.Errorf("first event after seed 100 = %+v, want 3 gaps, lost across the resume", st)
	}
	// A server that does not know the id starts from its own numbering.
	var fresh Tracker
	fresh.Seed([]byte("100"))
	if st := fresh.Observe([]byte("1")); st != (Step{Resets: 1}) {
		t.Errorf("first event 1 after seed 100 = %+v, want a reset", st)
	}
	if st := fresh.Observe([]byte("2")); st != (Step{}) {
		t.Errorf("second event = %+v, want nothing", st)
	}
}

func TestTracker_Observe_allocs(t *testing.T) {
	var tr Tracker
	ids := [][]byte{[]byte("a:1,b:1"), []byte("a:2,b:1"), []byte("a:2,b:2"), []byte("17")}
	tr.Observe(ids[0])
	allocs := testing.AllocsPerRun(100, func() {
		for _, id := range ids {
			tr.Observe(id)
		}
	})
	if allocs != 0 {
		t.Errorf("Observe allocates %.0f times per run, want 0", allocs)
	}
}

func BenchmarkTracker_Observe(b *testing.B) {
	plain := make([][]byte, 1024)
	for i := range plain {
		plain[i] = []byte(strconv.Itoa(i + 1))
	}
	b.ReportAllocs()
	var tr Tracker
	for i := 0; b.Loop(); i++ {
		tr.Observe(plain[i%len(plain)])
	}
}
