package loadgen

import (
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/ssebench/ssebench/loadgen/stamp"
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
// subscribers were lost (its own /stats), its notices are not events, and
// a stream of two topics (composite ids, "a:5,b:7") is counted per topic.
func TestRun_lostNotice_referenceServer(t *testing.T) {
	const subs = 4
	tests := []struct {
		name   string
		cfg    refserver.Config
		path   string
		scheme string
	}{
		{"one topic", refserver.Config{Rate: 20}, "/events", "consecutive"},
		{"two topics", refserver.Config{Generators: []refserver.GeneratorConfig{{Topic: "a", Rate: 20}, {Topic: "b", Rate: 15}}},
			"/events?topic=a&topic=b", "composite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			cfg.Addr, cfg.Replay, cfg.Retry, cfg.Protocols = "127.0.0.1:0", 5, 600*time.Millisecond, []string{refserver.ProtoH1}
			srv, err := refserver.New(cfg)
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
			proxy := cutProxy(t, addr, 300*time.Millisecond)
			rep, err := run(t, t.Context(), Config{URL: "http://" + proxy + tt.path, Subscribers: subs, Duration: 2 * time.Second,
				LatencyOptions: LatencyOptions{Latency: stamp.WallClock{Source: "reference", Parse: refserver.ParsePublishTime}}})
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
			// The ring's events replayed on each reconnection were
			// published before it (the ring holds 5 events, 250 ms at 20
			// events/s): their latency is kept apart.
			if rep.LatencyUS.Replayed.Count == 0 {
				t.Error("latency_us.replayed is empty; the replayed ring events went to fan-out")
			}
			if rep.Events.IDScheme != tt.scheme {
				t.Errorf("id_scheme = %q, want %q", rep.Events.IDScheme, tt.scheme)
			}
		})
	}
}
