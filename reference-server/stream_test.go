package refserver

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// These tests cover what a stream carries besides events: resumption,
// retry:, heartbeats, and the flush policy.

func TestServer_resume(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{Replay: 5})
		for i := 1; i <= 12; i++ {
			e.publish(t, "topic=t", fmt.Sprint("t", i))
		}
		e.publish(t, "topic=u", "u1")
		e.publish(t, "topic=u", "u2")
		tests := []struct {
			name, path string
			header     []string
			want       []string // "id event data" of the first events
		}{
			{"inside the ring", "/events?topic=t", []string{"Last-Event-ID", "9"}, []string{"10  t10", "11  t11", "12  t12"}},
			{"query parameter", "/events?topic=t&lastEventId=10", nil, []string{"11  t11", "12  t12"}},
			{"header wins over query", "/events?topic=t&lastEventId=1", []string{"Last-Event-ID", "11"}, []string{"12  t12"}},
			{"older than the ring", "/events?topic=t", []string{"Last-Event-ID", "3"},
				[]string{`7 lost {"topic":"t","lost":4,"from":4,"to":7}`, "8  t8", "9  t9"}},
			{"from another lifetime", "/events?topic=t", []string{"Last-Event-ID", "99"},
				[]string{`7 lost {"topic":"t","lost":7,"from":1,"to":7}`, "8  t8"}},
			{"composite", "/events?topic=t&topic=u", []string{"Last-Event-ID", "t:11,u:1"},
				[]string{"t:12,u:1  t12", "t:12,u:2  u2"}},
			{"composite, one topic live", "/events?topic=t&topic=u", []string{"Last-Event-ID", "u:0"},
				[]string{"t:12,u:1  u1", "t:12,u:2  u2"}},
		}
		for _, tt := range tests {
			s := mustSubscribe(t, e.client, e.url+tt.path, tt.header...)
			for _, w := range tt.want {
				ev := s.nextData(t)
				if got := ev.rawID + " " + ev.typ + " " + ev.data; got != w {
					t.Errorf("%s: got %q, want %q", tt.name, got, w)
				}
			}
			s.resp.Body.Close()
		}
		// A resumed stream goes on live.
		s := mustSubscribe(t, e.client, e.url+"/events?topic=t", "Last-Event-ID", "12")
		e.publish(t, "topic=t", "t13")
		if ev := s.nextData(t); ev.rawID != "13" || ev.data != "t13" {
			t.Errorf("after resuming at 12: got %q %q, want 13 t13", ev.rawID, ev.data)
		}
		st := e.srv.Stats()
		if st.Resumes != uint64(len(tests))+1 || st.EventsLost != 4+7 {
			t.Errorf("Resumes, EventsLost = %d, %d; want %d, 11", st.Resumes, st.EventsLost, len(tests)+1)
		}
		for _, bad := range []string{"x", "5", "t:1,t:2"} {
			code, _, _ := e.do(t, "GET", "/events?topic=t&topic=u", "", "Last-Event-ID", bad)
			if code != http.StatusBadRequest {
				t.Errorf("Last-Event-ID %q on two topics: status %d, want 400", bad, code)
			}
		}
	})
}

func TestServer_retry(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{Rate: 20, Retry: 1500 * time.Millisecond})
		s := mustSubscribe(t, e.client, e.url+"/events")
		lines, err := s.frame()
		if err != nil || strings.Join(lines, "|") != "retry: 1500" {
			t.Fatalf("first frame = %q, %v; want retry: 1500", lines, err)
		}
		s.mustNext(t) // then the events, as before
	})
}

func TestServer_heartbeat(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		e := m.start(t, Config{Heartbeat: 50 * time.Millisecond})
		s := mustSubscribe(t, e.client, e.url+"/events")
		for range 2 {
			lines, err := s.frame()
			if err != nil || strings.Join(lines, "|") != ": heartbeat" {
				t.Fatalf("frame = %q, %v; want the comment \": heartbeat\"", lines, err)
			}
		}
		// The worker counts after writing: give it the moment.
		waitFor(t, 5*time.Second, "Heartbeats >= 2", func() bool { return e.srv.Stats().Heartbeats >= 2 })
		// A heartbeat does not disturb events.
		e.publish(t, "", "after")
		if ev := s.nextData(t); ev.rawID != "1" || ev.data != "after" {
			t.Errorf("event after heartbeats = %q %q, want 1 after", ev.rawID, ev.data)
		}
	})
}

func TestServer_flushPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		// minPerFlush is the fewest events per flush on average that
		// shows coalescing; it is far below the expected mean, so
		// that a busy box does not fail the test.
		minPerFlush float64
		maxHeld     time.Duration // no event is held longer (ground truth: the stamps)
	}{
		{"interval", Config{Rate: 500, FlushInterval: 50 * time.Millisecond}, 5, 0},
		{"max events", Config{Rate: 500, FlushInterval: 10 * time.Second, FlushMaxEvents: 10}, 3, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachProtocol(t, func(t *testing.T, m mode) {
				e := m.start(t, tt.cfg)
				s := mustSubscribe(t, e.client, e.url+"/events")
				prev := s.mustNext(t)
				for range 200 {
					ev := s.mustNext(t)
					if ev.id != prev.id+1 {
						t.Fatalf("id %d after %d", ev.id, prev.id)
					}
					if held := ev.recv.Sub(time.Unix(0, pubNs(t, ev))); tt.maxHeld > 0 && held > tt.maxHeld {
						t.Fatalf("event %d arrived %v after its stamp: the window did not close on --flush-max-events", ev.id, held)
					}
					prev = ev
				}
				st := e.srv.Stats()
				if perFlush := float64(st.FramesWritten) / float64(st.Flushes); perFlush < tt.minPerFlush {
					t.Errorf("FramesWritten / Flushes = %d / %d = %.1f, want >= %g", st.FramesWritten, st.Flushes, perFlush, tt.minPerFlush)
				}
			})
		})
	}
}
