package refserver

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2OutMaxBytes bounds the DATA an h2Conn holds for its writer: what its
// streams encoded that the socket has not taken yet, the batch being
// written included. Past it, streams keep their bytes in their own queues,
// where Config.MaxBacklogBytes and the slow policy apply, exactly as when
// the client's flow-control window is what is missing. So a client that
// stops reading its socket costs at most this per connection, plus each
// stream's bound.
const h2OutMaxBytes = 1 << 20

// h2OutMaxControlBytes bounds the control frames (PING and SETTINGS
// acknowledgements, resets, heads) queued beyond h2OutMaxBytes. A client
// that makes the server queue more without reading the answers is closed,
// as net/http does with too many queued control frames.
const h2OutMaxControlBytes = 1 << 20

// keepOutCap is the largest output buffer the writer keeps between
// batches; a burst's bigger one is freed.
const keepOutCap = 64 << 10

// errTooManyControlFrames ends a connection whose client floods it with
// frames that need an answer but does not read the answers.
var errTooManyControlFrames = errors.New("refserver: too many queued control frames")

// h2Out collects an h2Conn's frames for its writer goroutine. Its Framer
// writes into it under the connection's mu, which also guards b and
// inflight.
type h2Out struct {
	b        []byte        // frames waiting for the writer
	inflight int           // bytes the writer is sending now
	blocked  bool          // a stream or answer was held back for room
	wake     chan struct{} // capacity 1: b has bytes
}

// Write appends p; it never fails. The connection's mu is held.
func (o *h2Out) Write(p []byte) (int, error) {
	o.b = append(o.b, p...)
	return len(p), nil
}

// room returns how many more DATA bytes may be queued now. The
// connection's mu is held.
func (o *h2Out) room() int { return h2OutMaxBytes - len(o.b) - o.inflight }

// flooded reports whether control frames went past their bound. The
// connection's mu is held.
func (o *h2Out) flooded() bool {
	return len(o.b)+o.inflight > h2OutMaxBytes+h2OutMaxControlBytes
}

// kick wakes the writer. The connection's mu may be held; it never
// blocks.
func (o *h2Out) kick() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// writeLoop is the connection's writer goroutine: it sends out's bytes as
// they come, one write per batch, and after each write lets the streams
// that waited for room go on.
func (c *h2Conn) writeLoop(done <-chan struct{}) {
	var spare []byte
	for {
		select {
		case <-c.out.wake:
		case <-done:
			return
		}
		for {
			c.mu.Lock()
			b := c.out.b
			if len(b) == 0 {
				c.mu.Unlock()
				break
			}
			c.out.b, c.out.inflight = spare[:0], len(b)
			c.mu.Unlock()
			if _, err := c.nc.Write(b); err != nil {
				c.nc.Close() // the reader ends the connection
				return
			}
			spare = b
			if cap(spare) > keepOutCap {
				spare = nil
			}
			var t tally
			c.mu.Lock()
			c.out.inflight = 0
			if c.out.blocked {
				c.out.blocked = false
				c.drainAllLocked(&t)
			}
			c.mu.Unlock()
			t.addTo(&c.s.counters)
		}
	}
}

// wrote notes a frame write's error (out never fails; the Framer may
// refuse a frame). c.mu is held.
func (c *h2Conn) wrote(err error) {
	if err != nil && c.werr == nil {
		c.werr = err
	}
}

// writeHead writes a response head with one content type. c.mu is held.
func (c *h2Conn) writeHead(id uint32, status int, ctype string, end bool) {
	c.hbuf.Reset()
	c.henc.WriteField(hpack.HeaderField{Name: ":status", Value: strconv.Itoa(status)})
	c.henc.WriteField(hpack.HeaderField{Name: "content-type", Value: ctype})
	c.henc.WriteField(hpack.HeaderField{Name: "cache-control", Value: "no-cache"})
	c.writeDate()
	c.writeBlock(id, end)
}

// writeHeadFields writes a response head from an http.Header. c.mu is held.
func (c *h2Conn) writeHeadFields(id uint32, status int, h http.Header, end bool) {
	c.hbuf.Reset()
	c.henc.WriteField(hpack.HeaderField{Name: ":status", Value: strconv.Itoa(status)})
	for name, vals := range h {
		if connectionHeader[name] {
			continue // malformed in HTTP/2 (RFC 9113 §8.2.2)
		}
		for _, v := range vals {
			c.henc.WriteField(hpack.HeaderField{Name: lowerASCII(name), Value: v})
		}
	}
	if _, ok := h["Date"]; !ok {
		c.writeDate()
	}
	c.writeBlock(id, end)
}

// writeDate adds a date field, which an origin server with a clock must
// send (RFC 9110 §6.6.1). It changes every second, so it is never indexed:
// the table keeps the fields that repeat. c.mu is held.
func (c *h2Conn) writeDate() {
	c.henc.WriteField(hpack.HeaderField{Name: "date", Value: time.Now().UTC().Format(http.TimeFormat), Sensitive: true})
}

// connectionHeader holds the HTTP/1.1 connection-specific header fields,
// which an HTTP/2 response must not carry.
var connectionHeader = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Transfer-Encoding": true, "Upgrade": true,
}

// writeBlock writes hbuf as HEADERS and CONTINUATION frames. c.mu is held.
func (c *h2Conn) writeBlock(id uint32, end bool) {
	block := c.hbuf.Bytes()
	for first := true; first || len(block) > 0; first = false {
		n := min(len(block), int(c.maxData))
		frag := block[:n]
		block = block[n:]
		if first {
			c.wrote(c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: frag, EndStream: end, EndHeaders: len(block) == 0}))
		} else {
			c.wrote(c.fr.WriteContinuation(id, len(block) == 0, frag))
		}
	}
}

// lowerASCII returns s with ASCII upper case letters lowered, as HTTP/2
// field names must be (RFC 9113 §8.2.1).
func lowerASCII(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			b[i] = ch + 'a' - 'A'
		}
	}
	return string(b)
}

// sendDataLocked writes as much of b as the connection's and the stream's
// windows (*window) and out's room allow, as DATA frames on stream id, and
// returns how much. c.mu is held.
func (c *h2Conn) sendDataLocked(id uint32, window *int32, b []byte, end bool) int {
	sent := 0
	for sent < len(b) {
		room := c.out.room()
		n := min(len(b)-sent, int(c.window), int(*window), int(c.maxData), room)
		if n <= 0 {
			if room <= 0 {
				c.out.blocked = true
			}
			break
		}
		c.wrote(c.fr.WriteData(id, end && sent+n == len(b), b[sent:sent+n]))
		c.window -= int32(n)
		*window -= int32(n)
		sent += n
	}
	return sent
}

// drainAllLocked sends what waited for window or room, answers first (they
// are short), then the waiting streams in turn: those that could send
// nothing keep their place ahead of those that just sent, so that room
// goes round. c.mu is held.
func (c *h2Conn) drainAllLocked(t *tally) {
	for _, b := range c.answers {
		c.sendBodyLocked(b)
	}
	stuck, served := c.waiting[:0], c.served[:0]
	for _, s := range c.waiting {
		sent := s.drainLocked(t)
		switch {
		case s.gone || s.queued() == 0:
			s.inWaiting = false
		case sent > 0:
			served = append(served, s)
		default:
			stuck = append(stuck, s) // in place: never ahead of the loop
		}
	}
	stuck = append(stuck, served...) // within c.waiting: no longer than it
	clear(c.waiting[len(stuck):len(c.waiting)])
	clear(served)
	c.waiting, c.served = stuck, served[:0]
	if len(c.waiting) == 0 && cap(c.waiting) > keepWaitingCap {
		c.waiting = nil // a burst's list is not kept
	}
	if cap(c.served) > keepWaitingCap {
		c.served = nil
	}
}

// keepWaitingCap is the largest list of waiting streams kept once it
// empties.
const keepWaitingCap = 1024

// waitLocked puts s on the list of streams to drain. c.mu is held.
func (c *h2Conn) waitLocked(s *h2Stream) {
	if !s.inWaiting {
		s.inWaiting = true
		c.waiting = append(c.waiting, s)
	}
}
