package refserver

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2Conn serves one HTTP/2 connection, cleartext (h2c, prior knowledge) or
// over TLS (ALPN h2), at the frame level (Config.H2Engine "frames"), so
// that its event streams cost no goroutine each. Three kinds of goroutine
// touch it:
//
//   - its reader (readLoop) takes the client's frames and answers the
//     control ones;
//   - its writer (writeLoop) sends what the others encoded into out;
//   - the workers deliver events to its streams (h2Stream), encoding DATA
//     into out within the client's flow-control windows and out's bound.
//
// Nobody but the writer ever waits on the socket, so a client that stops
// reading blocks neither the workers nor its other streams: what cannot go
// out waits in each stream's queue, bounded by Config.MaxBacklogBytes, and
// the slow policy applies there, as on every other path. Requests other
// than subscriptions run the Server's handler on a short-lived goroutine
// and are answered in one piece (h2Response).
type h2Conn struct {
	s   *Server
	nc  net.Conn
	br  *bufio.Reader
	tls *tls.ConnectionState // nil in cleartext

	mu        sync.Mutex // guards everything below, and fr's write side
	fr        *http2.Framer
	out       h2Out
	henc      *hpack.Encoder
	hbuf      bytes.Buffer
	closed    bool                          // the connection ended
	goingAway bool                          // GOAWAY sent: no new streams
	streams   map[uint32]*h2Stream          // subscriptions
	waiting   []*h2Stream                   // streams with queued bytes, to drain as room opens
	served    []*h2Stream                   // drainAllLocked's scratch
	bodies    map[uint32]*h2Request         // requests whose body is still arriving
	handlers  map[uint32]context.CancelFunc // requests whose handler runs
	answers   map[uint32]*h2Body            // answers whose body waits for window or room
	lastID    uint32                        // the highest client stream ID seen
	window    int32                         // the connection's send window
	initWin   int32                         // the client's SETTINGS_INITIAL_WINDOW_SIZE
	maxData   uint32                        // the client's SETTINGS_MAX_FRAME_SIZE
	werr      error                         // the first frame the Framer refused to write

	lastFrame atomic.Int64 // Unix ns of the last frame read, for the idle timeout
}

// serveH2 serves nc, an HTTP/2 connection (read is set when its preface
// was read already), until the client leaves, ctx ends, the Server closes
// or the connection fails. nc may be a *tls.Conn whose handshake is done.
// When the Server closes, the connection says GOAWAY, its streams end (the
// hub ends them) and answers finish; then it closes.
func (s *Server) serveH2(ctx context.Context, nc net.Conn, read bool) {
	c := &h2Conn{
		s: s, nc: nc, br: bufio.NewReaderSize(nc, 4096),
		streams: map[uint32]*h2Stream{}, bodies: map[uint32]*h2Request{},
		handlers: map[uint32]context.CancelFunc{}, answers: map[uint32]*h2Body{},
		window: 65535, initWin: 65535, maxData: 16384,
	}
	c.out.wake = make(chan struct{}, 1)
	if tc, ok := nc.(*tls.Conn); ok {
		st := tc.ConnectionState()
		c.tls = &st
	}
	c.fr = http2.NewFramer(&c.out, c.br)
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.fr.MaxHeaderListSize = uint32(s.cfg.MaxHeaderBytes)
	c.henc = hpack.NewEncoder(&c.hbuf)
	c.lastFrame.Store(time.Now().UnixNano())
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	done := make(chan struct{})
	go c.watch(done)
	go c.writeLoop(done)
	err := c.readLoop(read)
	c.shutdown(err)
	close(done)
}

// watch closes the connection gracefully when the Server closes, and
// closes it when it has been idle for idleTimeout.
func (c *h2Conn) watch(done <-chan struct{}) {
	idle := time.NewTicker(idleTimeout / 2)
	defer idle.Stop()
	for {
		select {
		case <-c.s.closing:
			c.closeGracefully(done)
			return
		case <-done:
			return
		case <-idle.C:
			if c.idleSince(idleTimeout) {
				c.goAway(http2.ErrCodeNo)
				time.Sleep(10 * time.Millisecond) // the writer sends it
				c.nc.Close()
				return
			}
		}
	}
}

// busyLocked reports whether anything is open on the connection. c.mu is
// held.
func (c *h2Conn) busyLocked() bool {
	return len(c.streams)+len(c.bodies)+len(c.handlers)+len(c.answers) > 0
}

// idleSince reports whether the connection has had no stream, request or
// frame from the client for d, like net/http's IdleTimeout.
func (c *h2Conn) idleSince(d time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.busyLocked() {
		return false
	}
	return time.Since(time.Unix(0, c.lastFrame.Load())) >= d
}

// closeGracefully ends the connection as the Server closes (RFC 9113
// §6.8): GOAWAY at once, so the client opens no more streams here; then
// the hub ends every stream (END_STREAM) and answers finish, within
// ShutdownTimeout; then what is left to send goes out and the connection
// closes. A client that does not read cannot hold it past the deadline:
// the connection's writes fail then.
func (c *h2Conn) closeGracefully(done <-chan struct{}) {
	deadline := time.Now().Add(c.s.cfg.ShutdownTimeout)
	c.goAway(http2.ErrCodeNo)
	wait := func(cond func() bool) bool {
		for time.Now().Before(deadline) {
			c.mu.Lock()
			ok := cond()
			c.mu.Unlock()
			if ok {
				return true
			}
			select {
			case <-done:
				return false
			case <-time.After(10 * time.Millisecond):
			}
		}
		return true
	}
	c.nc.SetWriteDeadline(deadline)
	if !wait(func() bool { return len(c.streams)+len(c.handlers)+len(c.answers) == 0 }) {
		return
	}
	if wait(func() bool { return len(c.out.b) == 0 && c.out.inflight == 0 }) {
		time.Sleep(10 * time.Millisecond) // the client reads the last frames
	}
	c.nc.Close()
}

// goAway tells the client the connection ends with code; streams it
// opened so far are served, newer ones refused.
func (c *h2Conn) goAway(code http2.ErrCode) {
	c.mu.Lock()
	c.goingAway = true
	c.wrote(c.fr.WriteGoAway(c.lastID, code, nil))
	c.mu.Unlock()
	c.out.kick()
}

// onReset forgets stream id, which the client reset or which is being
// reset: a subscription ends without END_STREAM, a running handler's
// context is cancelled and its answer dropped.
func (c *h2Conn) onReset(id uint32) {
	c.mu.Lock()
	s := c.streams[id]
	delete(c.bodies, id)
	delete(c.answers, id)
	if cancel := c.handlers[id]; cancel != nil {
		cancel()
		delete(c.handlers, id)
	}
	if s != nil {
		s.gone = true // no END_STREAM or RST back
		delete(c.streams, id)
		s.dropQueueLocked()
	}
	c.mu.Unlock()
	if s != nil {
		s.end() // the worker forgets it
	}
}

// resetStream resets stream id with code.
func (c *h2Conn) resetStream(id uint32, code http2.ErrCode) {
	c.onReset(id)
	c.mu.Lock()
	c.wrote(c.fr.WriteRSTStream(id, code))
	c.mu.Unlock()
	c.out.kick()
}

// shutdown ends every stream and request of a connection that ended.
func (c *h2Conn) shutdown(error) {
	c.mu.Lock()
	c.closed = true
	streams := make([]*h2Stream, 0, len(c.streams))
	for _, s := range c.streams {
		s.gone = true
		s.dropQueueLocked()
		streams = append(streams, s)
	}
	clear(c.streams)
	c.waiting = nil
	for _, cancel := range c.handlers {
		cancel()
	}
	clear(c.handlers)
	clear(c.answers)
	clear(c.bodies)
	c.mu.Unlock()
	for _, s := range streams {
		s.end()
	}
	c.nc.Close()
}
