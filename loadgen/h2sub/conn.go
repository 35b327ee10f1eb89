package h2sub

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/ssebench/ssebench/loadgen/sse"
)

// maxStreamID is the last client stream ID (RFC 9113 §5.1.1); a connection
// that reaches it opens no more streams.
const maxStreamID = 1<<31 - 1

// A conn is one HTTP/2 connection and the streams open on it. One
// goroutine (readLoop) reads its frames.
//
// Locks, always taken in this order: cbmu serializes frame handling with
// the other paths that end streams and call Sinks (the header sweep,
// teardown), so a stream's calls never overlap; Client.mu; wmu guards the
// Framer's write side and the hpack encoder; mu guards the stream table and
// the connection's settings. The reader holds cbmu while it handles a frame,
// never while it waits for one, and Sinks run without wmu and mu, so a Sink
// may open or close streams.
type conn struct {
	client *Client
	nc     net.Conn
	tr     *timedReader
	br     *bufio.Reader
	bw     *bufio.Writer
	fr     *http2.Framer

	ready     chan struct{} // closed when the server's first SETTINGS arrived, or the connection failed
	readyErr  error
	readyOnce sync.Once

	cbmu sync.Mutex

	wmu       sync.Mutex
	henc      *hpack.Encoder
	hbuf      bytes.Buffer
	needFlush bool  // frames are buffered in bw
	werr      error // the first write error; the connection is then closed

	mu          sync.Mutex
	streams     map[uint32]*Stream
	opening     []opened // streams waiting for headers, oldest first
	reserved    int      // streams promised to callers of reserve, not yet opened
	nextID      uint32
	maxStreams  uint32 // the server's SETTINGS_MAX_CONCURRENT_STREAMS
	isReady     bool
	goaway      bool
	goawayCode  http2.ErrCode
	closed      bool
	peerWindow  int32  // the server's SETTINGS_INITIAL_WINDOW_SIZE
	peerFrame   uint32 // the server's SETTINGS_MAX_FRAME_SIZE
	sendWindow  int32  // connection-level window for request bodies
	blocked     []*Stream
	streamLimit int // Config.MaxStreamsPerConn, 0 for none

	// Read side, owned by readLoop.
	recvWindow int32 // bytes the server may still send on the connection
	unacked    int32 // bytes consumed but not yet returned
	ev         sse.Event
}

// opened is an entry of conn.opening; id tells a stale entry (the stream
// ended and was opened again) from a live one.
type opened struct {
	s  *Stream
	id uint32
}

// timedReader reads from a connection and notes when each read returned
// bytes: one clock reading per socket read, the receive time of every frame
// that read completed (as sse.Reader takes one per Read).
type timedReader struct {
	r   net.Conn
	now func() time.Time
	at  time.Time
}

func (t *timedReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.at = t.now()
	}
	return n, err
}

// newConn dials the server, runs TLS when the URL is https, sends the
// client preface and SETTINGS, starts the reader, and waits for the
// server's SETTINGS, all within HeaderTimeout.
func (c *Client) newConn() (*conn, error) {
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.HeaderTimeout)
	defer cancel()
	dial := c.cfg.Dial
	if c.t.tls != nil && c.cfg.DialTLS != nil {
		dial = c.cfg.DialTLS
	}
	nc, err := dial(ctx, "tcp", c.t.addr)
	if err != nil {
		return nil, err
	}
	if c.t.tls != nil && c.cfg.DialTLS == nil {
		tc := tls.Client(nc, c.t.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
				return nil, &Error{Class: ClassTimeout, Err: fmt.Errorf("TLS handshake: %w", err)}
			}
			return nil, &Error{Class: ClassTLS, Err: fmt.Errorf("TLS handshake: %w", err)}
		}
		if got := tc.ConnectionState().NegotiatedProtocol; got != "h2" {
			nc.Close()
			return nil, &Error{Class: ClassProtocolMismatch, Err: fmt.Errorf(
				"asked for HTTP/2 (ALPN \"h2\") but the server's TLS ALPN chose %q", got)}
		}
		nc = tc
	}
	cn := c.initConn(nc)
	if err := cn.writePreface(); err != nil {
		nc.Close()
		return nil, &Error{Class: ClassProtocol, Err: fmt.Errorf("HTTP/2 preface: %w", err)}
	}
	c.wg.Add(1)
	go cn.readLoop()
	select {
	case <-cn.ready:
	case <-ctx.Done():
		nc.Close()
		<-cn.ready
		if c.ctx.Err() != nil {
			return nil, ErrClosed
		}
		return nil, &Error{Class: ClassTimeout, Err: fmt.Errorf("no HTTP/2 SETTINGS from the server within %s", c.cfg.HeaderTimeout)}
	}
	if cn.readyErr != nil {
		return nil, cn.readyErr
	}
	return cn, nil
}

// initConn returns the conn for an established transport connection, not
// yet started.
func (c *Client) initConn(nc net.Conn) *conn {
	cn := &conn{
		client:      c,
		nc:          nc,
		ready:       make(chan struct{}),
		streams:     map[uint32]*Stream{},
		nextID:      1,
		maxStreams:  maxStreamID, // unlimited until the server says otherwise
		peerWindow:  65535,
		peerFrame:   16384,
		sendWindow:  65535,
		recvWindow:  int32(c.cfg.ConnWindowBytes),
		streamLimit: c.cfg.MaxStreamsPerConn,
	}
	cn.tr = &timedReader{r: nc, now: c.cfg.Now}
	cn.br = bufio.NewReaderSize(cn.tr, c.cfg.ReadBufferBytes)
	cn.bw = bufio.NewWriterSize(nc, 4096)
	cn.fr = http2.NewFramer(cn.bw, cn.br)
	cn.fr.SetReuseFrames()
	cn.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	cn.fr.MaxHeaderListSize = 1 << 20
	cn.henc = hpack.NewEncoder(&cn.hbuf)
	return cn
}

// writePreface sends the client preface, SETTINGS and the connection
// window's increase.
func (c *conn) writePreface() error {
	cfg := &c.client.cfg
	if _, err := c.bw.WriteString(http2.ClientPreface); err != nil {
		return err
	}
	err := c.fr.WriteSettings(
		http2.Setting{ID: http2.SettingEnablePush, Val: 0},
		http2.Setting{ID: http2.SettingInitialWindowSize, Val: uint32(cfg.StreamWindowBytes)},
		http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: c.fr.MaxHeaderListSize},
	)
	if err == nil && cfg.ConnWindowBytes > 65535 {
		err = c.fr.WriteWindowUpdate(0, uint32(cfg.ConnWindowBytes-65535))
	}
	if err == nil {
		err = c.bw.Flush()
	}
	return err
}

// markReady ends newConn's wait, with err when the connection failed first.
func (c *conn) markReady(err error) {
	c.readyOnce.Do(func() {
		c.readyErr = err
		close(c.ready)
	})
}

// limit returns how many streams the connection takes at once.
func (c *conn) limit() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.limitLocked()
}

func (c *conn) limitLocked() int {
	n := int(c.maxStreams)
	if c.streamLimit > 0 {
		n = min(n, c.streamLimit)
	}
	return n
}

// reserve promises the caller one stream on c, if c has room.
func (c *conn) reserve() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.isReady || c.goaway || c.closed ||
		len(c.streams)+c.reserved >= c.limitLocked() ||
		int64(c.nextID)+2*int64(c.reserved) > maxStreamID {
		return false
	}
	c.reserved++
	return true
}

// open opens s on c, which the caller reserved, and sends its request.
func (c *conn) open(s *Stream) {
	c.wmu.Lock()
	c.mu.Lock()
	c.reserved--
	if c.closed || c.goaway || s.closed.Load() {
		c.mu.Unlock()
		c.wmu.Unlock()
		if !s.closed.Load() {
			c.client.enqueue(s) // raced with the connection's end
		}
		return
	}
	s.id, c.nextID = c.nextID, c.nextID+2
	s.state = stateOpening
	s.recvWindow = int32(c.client.cfg.StreamWindowBytes)
	s.unacked, s.bodyOff, s.sendWindow = 0, 0, c.peerWindow
	s.openedAt = c.client.cfg.Now()
	s.comments = s.rd.Comments()
	c.streams[s.id] = s
	c.opening = append(c.opening, opened{s, s.id})
	s.conn.Store(c)
	frame := c.peerFrame
	c.mu.Unlock()
	c.writeRequest(s, frame)
	c.flushLocked()
	c.wmu.Unlock()
	if ss, ok := s.sink.(SentSink); ok {
		ss.OnSent(s)
	}
	// Stream.Close sets closed, then looks for the connection; open stored
	// the connection, then looks at closed: one of the two sees the other.
	if s.closed.Load() {
		c.cancel(s)
	}
}

// writeRequest writes s's HEADERS (and CONTINUATION) and as much of its
// body as the windows allow. wmu is held.
func (c *conn) writeRequest(s *Stream, frame uint32) {
	req, t := s.req, &c.client.t
	c.hbuf.Reset()
	method, path, authority := req.Method, req.Path, req.host
	if method == "" {
		method = "GET"
	}
	if path == "" {
		path = t.path
	}
	if authority == "" {
		authority = t.authority
	}
	c.field(":method", method)
	c.field(":scheme", t.scheme)
	c.field(":authority", authority)
	c.field(":path", path)
	for _, f := range req.fields {
		c.henc.WriteField(f)
	}
	if id := s.LastEventID(); len(id) > 0 {
		c.henc.WriteField(hpack.HeaderField{Name: "last-event-id", Value: string(id), Sensitive: false})
	}
	if len(req.Body) > 0 {
		c.field("content-length", strconv.Itoa(len(req.Body)))
	}
	block := c.hbuf.Bytes()
	for first := true; first || len(block) > 0; first = false {
		n := min(len(block), int(frame))
		frag := block[:n]
		block = block[n:]
		var err error
		if first {
			err = c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: s.id, BlockFragment: frag,
				EndStream: len(req.Body) == 0, EndHeaders: len(block) == 0})
		} else {
			err = c.fr.WriteContinuation(s.id, len(block) == 0, frag)
		}
		c.wrote(err)
	}
	if len(req.Body) > 0 {
		c.mu.Lock()
		c.sendBodyLocked(s)
		c.mu.Unlock()
	}
}

// field encodes one header field into hbuf.
func (c *conn) field(name, value string) {
	c.henc.WriteField(hpack.HeaderField{Name: name, Value: value})
}

// sendBodyLocked sends what the windows allow of s's request body and
// reports whether all of it is sent; a stream that must wait goes on the
// blocked list. wmu and mu are held.
func (c *conn) sendBodyLocked(s *Stream) bool {
	body := s.req.Body
	for int(s.bodyOff) < len(body) {
		n := min(int32(len(body))-s.bodyOff, c.sendWindow, s.sendWindow, int32(c.peerFrame))
		if n <= 0 {
			c.blocked = append(c.blocked, s)
			return false
		}
		end := int(s.bodyOff+n) == len(body)
		c.wrote(c.fr.WriteData(s.id, end, body[s.bodyOff:s.bodyOff+n]))
		s.bodyOff += n
		s.sendWindow -= n
		c.sendWindow -= n
	}
	return true
}

// unblockLocked sends the bodies that waited for window. wmu and mu are
// held.
func (c *conn) unblockLocked() {
	blocked := c.blocked
	c.blocked = nil
	for _, s := range blocked {
		if c.streams[s.id] == s {
			c.sendBodyLocked(s)
		}
	}
}

// wrote notes a write's error; the first one closes the connection, which
// ends its streams through the reader.
func (c *conn) wrote(err error) {
	if err != nil && c.werr == nil {
		c.werr = err
		c.nc.Close()
	}
	c.needFlush = true
}

// flushLocked sends buffered frames. wmu is held.
func (c *conn) flushLocked() {
	if c.needFlush && c.werr == nil {
		c.needFlush = false
		if err := c.bw.Flush(); err != nil {
			c.wrote(err)
		}
	}
}

// write runs fn, a frame write, under wmu; the frame is sent at the next
// flush.
func (c *conn) write(fn func(fr *http2.Framer) error) {
	c.wmu.Lock()
	c.wrote(fn(c.fr))
	c.wmu.Unlock()
}

// cancel resets s, which its owner closed.
func (c *conn) cancel(s *Stream) {
	c.wmu.Lock()
	c.mu.Lock()
	live := c.streams[s.id] == s
	if live {
		c.forgetLocked(s)
	}
	c.mu.Unlock()
	if live {
		c.wrote(c.fr.WriteRSTStream(s.id, http2.ErrCodeCancel))
		c.flushLocked()
	}
	c.wmu.Unlock()
	if live {
		c.afterEnd()
	}
}

// forgetLocked removes s from the stream table. mu is held.
func (c *conn) forgetLocked(s *Stream) {
	delete(c.streams, s.id)
	s.state = stateIdle
	s.conn.Store(nil)
}

// afterEnd runs after a stream left c: a connection that was told to go
// away closes once its last stream ends, and the freed room takes a
// waiting stream.
func (c *conn) afterEnd() {
	c.mu.Lock()
	done := c.goaway && len(c.streams) == 0
	c.mu.Unlock()
	if done {
		c.nc.Close()
	}
	c.client.drain()
}

// maxStreamsNow returns the server's SETTINGS_MAX_CONCURRENT_STREAMS as
// last applied.
func (c *conn) maxStreamsNow() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maxStreams
}
