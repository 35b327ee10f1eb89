package loadgen

import (
	"bytes"
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
)

// sniffBytes is how much of a new HTTP/2 connection SniffConn keeps: a
// frame header and 32 settings, more than any server's first SETTINGS.
const sniffBytes = 9 + 6*32

// SniffConn keeps the first bytes a server sends on a new HTTP/2
// connection. A server that speaks HTTP/2 starts with a SETTINGS frame,
// which tells whether it advertised SETTINGS_MAX_CONCURRENT_STREAMS at all
// (x/net's ClientConn.State reports its own default of 1000 when it did
// not). A server that does not speak HTTP/2 answers the preface with an
// HTTP/1 status line, which names the mismatch plainly. The capacity
// probes use it (loadgen/capacity); loadgen's HTTP/2 engine learns both
// from loadgen/h2sub.
type SniffConn struct {
	net.Conn
	done atomic.Bool // head is complete; Read no longer copies
	mu   sync.Mutex  // head is appended by the HTTP/2 read loop, read by dial
	head []byte
}

func (c *SniffConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.done.Load() {
		c.mu.Lock()
		c.head = append(c.head, p[:min(n, sniffBytes-len(c.head))]...)
		if len(c.head) == sniffBytes {
			c.done.Store(true)
		}
		c.mu.Unlock()
	}
	return n, err
}

// HTTP1 returns the server's first line when it answered in HTTP/1.
func (c *SniffConn) HTTP1() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !bytes.HasPrefix(c.head, []byte("HTTP/1.")) {
		return "", false
	}
	line, _, _ := bytes.Cut(c.head, []byte("\r\n"))
	return string(line), true
}

// HTTP/2 frame and setting codes (RFC 9113, section 6.5).
const (
	frameSettings           = 0x4
	flagAck                 = 0x1
	settingMaxConcurrentStr = 0x3
)

// maxConcurrentStreams returns SETTINGS_MAX_CONCURRENT_STREAMS from the
// server's first frame, and false when that frame did not carry it.
func (c *SniffConn) maxConcurrentStreams() (uint32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.head
	if len(h) < 9 || h[3] != frameSettings || h[4]&flagAck != 0 {
		return 0, false
	}
	n := int(h[0])<<16 | int(h[1])<<8 | int(h[2])
	payload := h[9:]
	payload = payload[:min(n, len(payload))]
	for ; len(payload) >= 6; payload = payload[6:] {
		if binary.BigEndian.Uint16(payload) == settingMaxConcurrentStr {
			return binary.BigEndian.Uint32(payload[2:]), true
		}
	}
	return 0, false
}
