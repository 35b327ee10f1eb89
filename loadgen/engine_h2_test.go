package loadgen

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestRun_h2RespectsMaxConcurrentStreams(t *testing.T) {
	t.Parallel()
	// The server allows 10 streams per connection: 35 subscribers must
	// all connect, over new connections when the slots' ones are full,
	// never queueing a stream behind the limit.
	const subs, limit = 35, 10
	tests := []struct {
		name      string
		conns     int // --connections
		wantConns int
	}{
		{"one slot", 1, 4},         // 10+10+10+5
		{"four slots", 4, 4},       // 9+9+9+8
		{"five slots", 5, 5},       // 7 each
		{"seven slots", 7, 7},      // 5 each
		{"two slots", 2, 4},        // 18 → 10+8, 17 → 10+7
		{"more than subs", 50, 35}, // one stream each; unused slots dial nothing
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opened atomic.Int64
			ts := httptest.NewUnstartedServer(holdStream)
			ts.Config.Protocols = new(http.Protocols)
			ts.Config.Protocols.SetUnencryptedHTTP2(true)
			ts.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: limit}
			ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					opened.Add(1)
				}
			}
			ts.Start()
			t.Cleanup(ts.Close)
			rep, err := run(t, t.Context(), Config{URL: ts.URL + "/events", Protocol: ProtocolH2C, Connections: tt.conns, Subscribers: subs, Duration: 200 * time.Millisecond, ConnectTimeout: 5 * time.Second})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := rep.Subscribers.Connected; got != subs {
				t.Errorf("connected = %d, want %d (errors %v %v)", got, subs, rep.Errors, rep.ErrorSamples)
			}
			if got := opened.Load(); got != int64(tt.wantConns) {
				t.Errorf("server saw %d TCP connections, want %d", got, tt.wantConns)
			}
			if got := rep.Transport.Connections; got != tt.wantConns {
				t.Errorf("transport.connections = %d, want %d", got, tt.wantConns)
			}
			if got := rep.Transport.H2MaxConcurrentStreams; got != limit {
				t.Errorf("transport.h2_max_concurrent_streams = %d, want %d", got, limit)
			}
			if got, want := rep.Transport.Negotiated, "HTTP/2.0"; got != want {
				t.Errorf("transport.negotiated = %q, want %q", got, want)
			}
		})
	}
}
