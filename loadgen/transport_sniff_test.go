package loadgen

import (
	"encoding/binary"
	"net"
	"testing"
)

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
