package h2sub

import (
	"errors"
	"fmt"
	"strconv"
	"testing"

	refserver "github.com/ssebench/ssebench/reference-server"
)

// TestClient_referenceServer holds streams on the reference server in both
// modes and checks every generated event arrives, in order, on every
// stream, and that Close ends each stream once with ErrClosed.
func TestClient_referenceServer(t *testing.T) {
	forEachMode(t, func(t *testing.T, mode string) {
		srv, cfg := startRef(t, mode, refserver.Config{Rate: 200})
		c := newClient(t, cfg)
		sink := newRecSink()
		const n = 20
		req := &Request{}
		streams := make([]*Stream, n)
		for i := range streams {
			streams[i] = c.Subscribe(req, sink, "")
		}
		sink.wait(t, "5 events on every stream", func(m map[*Stream]*got) bool {
			for _, s := range streams {
				if g := m[s]; g == nil || len(g.events) < 5 {
					return false
				}
			}
			return true
		})
		if got := srv.Stats().Subscribers; got != n {
			t.Errorf("server Subscribers = %d, want %d", got, n)
		}
		if st := c.Stats(); st.Streams != n || st.Conns != 1 {
			t.Errorf("Stats() = %+v, want %d streams on 1 connection", st, n)
		}
		c.Close()
		for i, s := range streams {
			g := sink.snapshot(s)
			if g.status != 200 || g.ctype != "text/event-stream" {
				t.Errorf("stream %d: status %d, content type %q", i, g.status, g.ctype)
			}
			checkConsecutive(t, i, g)
			if len(g.ends) != 1 || !errors.Is(g.ends[0], ErrClosed) {
				t.Errorf("stream %d: ends = %v, want one ErrClosed", i, g.ends)
			}
		}
	})
}

// checkConsecutive checks that a stream's numeric ids follow each other.
func checkConsecutive(tb testing.TB, i int, g got) {
	tb.Helper()
	var prev uint64
	for j, ev := range g.events {
		id, err := strconv.ParseUint(string(ev.ID), 10, 64)
		if err != nil {
			tb.Errorf("stream %d event %d: id %q", i, j, ev.ID)
			return
		}
		if j > 0 && id != prev+1 {
			tb.Errorf("stream %d: id %d after %d, want consecutive", i, id, prev)
		}
		prev = id
	}
}

// TestClient_closeLeaksNothing checks that Close leaves no goroutine behind.
func TestClient_closeLeaksNothing(t *testing.T) {
	checkNoLeak(t)
	_, cfg := startRef(t, "h2c", refserver.Config{Rate: 50})
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sink := newRecSink()
	s := c.Subscribe(&Request{}, sink, "")
	sink.wait(t, "an event", func(m map[*Stream]*got) bool { return m[s] != nil && len(m[s].events) > 0 })
	c.Close()
	if got := fmt.Sprint(sink.snapshot(s).ends); got != fmt.Sprint([]error{ErrClosed}) {
		t.Errorf("ends = %s, want [ErrClosed]", got)
	}
}
