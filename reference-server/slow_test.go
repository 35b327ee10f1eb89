package refserver

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// A slowReader is a subscription that is not read until asked to: its
// body, after the response head.
type slowReader struct{ io.Reader }

// openSlowReader subscribes and does not read until asked to. Over h1 it is
// a bare TCP connection, with a 4 KiB receive buffer when tiny is true;
// over HTTP/2 a stream whose body is left unread, with a small window.
//
// A tiny buffer makes the server's socket fill sooner, but the connection
// never recovers: a window below the segment size leaves the sender to TCP's
// zero-window probes, which back off to minutes. So only a reader that
// never catches up gets one.
func openSlowReader(t *testing.T, e *env, path string, tiny bool) slowReader {
	t.Helper()
	if e.m != "h1" {
		return slowReader{mustSubscribe(t, e.newClient(t, 64<<10), e.url+path).resp.Body}
	}
	conn, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if tiny {
		conn.(*net.TCPConn).SetReadBuffer(4 << 10)
	}
	if _, err := io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: test\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("slow reader: %v, %v", resp, err)
	}
	return slowReader{br} // the body runs to the end of the connection
}

// readFast checks that a fast reader keeps getting recent events while cond
// becomes true, and for 20 events after. When strict, it must get every
// event: under SlowDisconnect nothing else may be lost; under SlowDrop a
// fast reader starved of CPU may itself fall behind its bound and lose some.
func readFast(t *testing.T, e *env, fast *stream, strict bool, what string, cond func(Stats) bool) {
	t.Helper()
	var doneAt uint64
	prev := fast.mustNext(t)
	for after := 0; after < 20; {
		ev := fast.mustNext(t)
		if ev.id <= prev.id || strict && ev.id != prev.id+1 {
			t.Fatalf("fast reader: id %d after %d", ev.id, prev.id)
		}
		if lat := ev.recv.Sub(time.Unix(0, pubNs(t, ev))); lat > 2*time.Second {
			t.Fatalf("fast reader: event %d took %v", ev.id, lat)
		}
		prev = ev
		switch {
		case doneAt != 0:
			after++
		case cond(e.srv.Stats()):
			doneAt = ev.id
		case ev.id > 4000: // 20 s
			t.Fatalf("%s never happened; stats %+v", what, e.srv.Stats())
		}
	}
}

func TestServer_slowReaderIsDisconnectedWithoutDelayingOthers(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		const payload, backlog = 32 << 10, 512 << 10
		// The slow reader takes big events; the fast one reads small ones
		// of the default topic, so that a busy machine cannot make it slow
		// too (it has the same bound).
		heavy := GeneratorConfig{Topic: "heavy", Rate: 200, PayloadBytes: payload}
		e := m.start(t, Config{Rate: 200, Generators: []GeneratorConfig{heavy}, MaxBacklogBytes: backlog})
		fast := mustSubscribe(t, e.client, e.url+"/events")
		slowBody := openSlowReader(t, e, "/events?topic=heavy", true)

		readFast(t, e, fast, true, "the slow reader's disconnection", func(s Stats) bool { return s.SlowDisconnects > 0 })
		st := e.srv.Stats()
		if st.SlowDisconnects != 1 || st.Subscribers != 1 {
			t.Errorf("SlowDisconnects, Subscribers = %d, %d; want 1, 1", st.SlowDisconnects, st.Subscribers)
		}
		if st.Dropped == 0 {
			t.Errorf("Dropped = 0, want the frames the slow reader lost")
		}
		// The slow stream really ended: what was buffered drains, then
		// the read ends (EOF over h1, a stream reset over h2).
		drained := make(chan error, 1)
		go func() {
			_, err := io.Copy(io.Discard, slowBody)
			drained <- err
		}()
		select {
		case <-drained:
		case <-time.After(10 * time.Second):
			t.Errorf("the slow stream is still open 10 s after it was disconnected")
		}
	})
}

func TestServer_slowReaderDropsEventsWithinTheBound(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		const payload, backlog = 32 << 10, 256 << 10
		heavy := GeneratorConfig{Topic: "heavy", Rate: 200, PayloadBytes: payload}
		e := m.start(t, Config{Rate: 200, Generators: []GeneratorConfig{heavy}, MaxBacklogBytes: backlog, SlowPolicy: SlowDrop})
		fast := mustSubscribe(t, e.client, e.url+"/events")
		slowBody := openSlowReader(t, e, "/events?topic=heavy", false)

		// Memory: the gauge of queued bytes counts both subscribers, and
		// each one's queue is bounded by the backlog plus a frame's worth
		// of slack (a frame is never cut); the fast one's can fill too
		// while the machine is very busy. However long the slow one stalls
		// (50 dropped events are 1.6 MB it would otherwise hold), the
		// gauge stays within the two bounds.
		maxBacklog := int64(0)
		readFast(t, e, fast, false, "a dropped event", func(s Stats) bool {
			maxBacklog = max(maxBacklog, s.BacklogBytes)
			return s.Dropped > 50
		})
		if limit := int64(2 * (backlog + payload + 200)); maxBacklog > limit {
			t.Errorf("BacklogBytes reached %d, want <= %d", maxBacklog, limit)
		}
		st := e.srv.Stats()
		if st.SlowDisconnects != 0 || st.Subscribers != 2 {
			t.Fatalf("SlowDisconnects, Subscribers = %d, %d; want 0, 2 (drop keeps the stream)", st.SlowDisconnects, st.Subscribers)
		}
		fast.resp.Body.Close() // it would fall behind too while the slow one reads
		// The slow reader catches up and sees the events it lost as a gap
		// in the ids, then events again.
		s := &stream{br: bufio.NewReaderSize(slowBody, 64<<10)}
		prev, gaps := uint64(0), 0
		for range 2000 {
			ev, err := s.next()
			if err != nil {
				t.Fatalf("slow reader: %v", err)
			}
			if prev != 0 && ev.id != prev+1 {
				if ev.id <= prev {
					t.Fatalf("slow reader: id %d after %d", ev.id, prev)
				}
				gaps++
			}
			prev = ev.id
			if gaps > 0 && time.Since(time.Unix(0, pubNs(t, ev))) < time.Second {
				break // caught up, after a gap
			}
		}
		if gaps == 0 {
			t.Errorf("the slow reader saw no gap in the ids")
		}
		for _, ts := range e.srv.TopicStats() {
			if ts.Name == heavy.Topic && ts.Dropped == 0 {
				t.Errorf("topic %s Dropped = 0", ts.Name)
			}
		}
	})
}

// TestServer_backlogDrains checks that a stream's
// backlog is given back once the reader catches up: BacklogBytes returns
// to 0 and stays within the bound on the way.
func TestServer_backlogDrains(t *testing.T) {
	t.Parallel()
	forEachProtocol(t, func(t *testing.T, m mode) {
		const payload = 16 << 10
		e := m.start(t, Config{Rate: 100, PayloadBytes: payload, MaxBacklogBytes: 16 << 20})
		body := openSlowReader(t, e, "/events", false)
		waitFor(t, 10*time.Second, "a backlog", func() bool { return e.srv.Stats().BacklogBytes > 0 })
		go io.Copy(io.Discard, body)
		waitFor(t, 10*time.Second, "the backlog to drain", func() bool { return e.srv.Stats().BacklogBytes == 0 })
		if st := e.srv.Stats(); st.SlowDisconnects != 0 || st.Dropped != 0 {
			t.Errorf("SlowDisconnects, Dropped = %d, %d; want 0, 0", st.SlowDisconnects, st.Dropped)
		}
	})
}
