package loadgen

import (
	"encoding/binary"
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

// settingsFrame encodes a SETTINGS frame with the given (id, value) pairs.
func settingsFrame(flags byte, kv ...uint32) []byte {
	b := []byte{0, 0, byte(len(kv) / 2 * 6), frameSettings, flags, 0, 0, 0, 0}
	for i := 0; i < len(kv); i += 2 {
		b = binary.BigEndian.AppendUint16(b, uint16(kv[i]))
		b = binary.BigEndian.AppendUint32(b, kv[i+1])
	}
	return b
}

func TestSniffConn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		head      []byte
		wantLimit uint32
		wantOK    bool
		wantHTTP1 string
	}{
		{name: "limit set", head: settingsFrame(0, 0x1, 4096, settingMaxConcurrentStr, 128, 0x4, 65535), wantLimit: 128, wantOK: true},
		{name: "limit zero", head: settingsFrame(0, settingMaxConcurrentStr, 0), wantLimit: 0, wantOK: true},
		{name: "no limit advertised", head: settingsFrame(0, 0x4, 65535)},
		{name: "empty settings", head: settingsFrame(0)},
		{name: "ack is not the server's settings", head: settingsFrame(flagAck, settingMaxConcurrentStr, 5)},
		{name: "not settings", head: []byte{0, 0, 8, 0x6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}},
		{name: "truncated", head: []byte{0, 0, 6}},
		{name: "http1", head: []byte("HTTP/1.1 505 HTTP Version Not Supported\r\nContent-Type: text/plain\r\n"), wantHTTP1: "HTTP/1.1 505 HTTP Version Not Supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, server := net.Pipe()
			defer client.Close()
			go func() {
				// Split the bytes to check that sniffing spans reads.
				for i := range tt.head {
					server.Write(tt.head[i : i+1])
				}
				server.Close()
			}()
			c := &SniffConn{Conn: client}
			buf := make([]byte, 3)
			for {
				if _, err := c.Read(buf); err != nil {
					break
				}
			}
			limit, ok := c.maxConcurrentStreams()
			if limit != tt.wantLimit || ok != tt.wantOK {
				t.Errorf("maxConcurrentStreams() = %d, %t, want %d, %t", limit, ok, tt.wantLimit, tt.wantOK)
			}
			line, ok := c.HTTP1()
			if line != tt.wantHTTP1 || ok != (tt.wantHTTP1 != "") {
				t.Errorf("http1() = %q, %t, want %q", line, ok, tt.wantHTTP1)
			}
		})
	}
}
