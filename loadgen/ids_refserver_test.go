package loadgen

import (
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	refserver "github.com/ssebench/ssebench/reference-server"
)

// cutProxy forwards loopback TCP connections to target and closes every
// connection whose request carries no Last-Event-ID after cutAfter: each
// subscriber's first stream ends, and its reconnection lives on.
func cutProxy(t *testing.T, target string, cutAfter time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { proxyConn(c, target, cutAfter) })
		}
	})
	return ln.Addr().String()
}

func proxyConn(c net.Conn, target string, cutAfter time.Duration) {
	defer c.Close()
	s, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer s.Close()
	head := make([]byte, 4096)
	n, err := c.Read(head)
	if err != nil {
		return
	}
	if _, err := s.Write(head[:n]); err != nil {
		return
	}
	if !bytes.Contains(bytes.ToLower(head[:n]), []byte("last-event-id:")) {
		time.AfterFunc(cutAfter, func() { c.Close(); s.Close() })
	}
	go func() { _, _ = io.Copy(s, c); s.Close() }()
	_, _ = io.Copy(c, s)
}

// TestRun_lostNotice_referenceServer: against the real reference server,
// whose replay ring is too short for what a reconnection missed, the
// events counted lost are exactly those the server says it told its
// subscribers were lost (its own /stats), and its notices are not events.
func TestRun_lostNotice_referenceServer(t *testing.T) {
	const subs = 4
	srv, err := refserver.New(refserver.Config{Addr: "127.0.0.1:0", Rate: 200, Replay: 5, Retry: 150 * time.Millisecond,
		Protocols: []string{refserver.ProtoH1}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := srv.Start(ctx)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = srv.Close() })
	proxy := cutProxy(t, addr, 400*time.Millisecond)
	rep, err := run(t, t.Context(), Config{URL: "http://" + proxy + "/events", Subscribers: subs, Duration: 1500 * time.Millisecond,
		LatencyOptions: LatencyOptions{Latency: WallClockStamp{Source: "reference", Parse: refserver.ParsePublishTime}}})
	if err != nil {
		t.Fatal(err)
	}
	st := srv.Stats()
	if st.EventsLost == 0 || rep.Subscribers.Reconnects != subs {
		t.Fatalf("server told of %d lost events over %d reconnects; the test needs every subscriber to lose some", st.EventsLost, rep.Subscribers.Reconnects)
	}
	if got, want := rep.Events.LostOnReconnect, st.EventsLost; got != want {
		t.Errorf("events.lost_on_reconnect = %d, want %d (the server's events_lost)", got, want)
	}
	if got, want := rep.Events.Gaps, st.EventsLost; got != want {
		t.Errorf("events.gaps = %d, want %d", got, want)
	}
	if rep.Events.Duplicates != 0 || rep.Events.IDResets != 0 {
		t.Errorf("duplicates = %d, id_resets = %d, want 0, 0", rep.Events.Duplicates, rep.Events.IDResets)
	}
	if rep.Events.IDScheme != "consecutive" {
		t.Errorf("id_scheme = %q, want consecutive", rep.Events.IDScheme)
	}
}
