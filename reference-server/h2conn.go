package refserver

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2Conn serves one cleartext HTTP/2 connection (prior knowledge) at the
// frame level, so that its event streams cost no goroutine each: a reader
// goroutine takes the client's frames, a writer goroutine sends what the
// streams' workers and the reader encoded into out, and each subscription
// is an h2Stream that its worker writes through the connection. Requests
// other than subscriptions run the Server's handler on a short-lived
// goroutine and are answered in one piece (h2Response).
//
// It serves cleartext connections when Config.leanH2C is set (see
// httpServer); TLS connections keep net/http's HTTP/2 server.
type h2Conn struct {
	s  *Server
	nc net.Conn
	br *bufio.Reader

	mu      sync.Mutex // guards everything below, and fr's write side
	fr      *http2.Framer
	out     *outBuf
	henc    *hpack.Encoder
	hbuf    bytes.Buffer
	wake    chan struct{} // capacity 1: out has bytes
	closed  bool
	streams map[uint32]*h2Stream
	bodies  map[uint32]*h2Request // requests whose body is still arriving
	answers map[uint32]*h2Body    // answers whose body waits for window
	lastID  uint32                // the highest client stream ID seen
	window  int32                 // the connection's send window
	initWin int32                 // the client's SETTINGS_INITIAL_WINDOW_SIZE
	maxData uint32                // the client's SETTINGS_MAX_FRAME_SIZE
	werr    error

	lastFrame atomic.Int64 // Unix ns of the last frame read, for the idle timeout
}

// outBuf collects frames for the writer goroutine.
type outBuf struct{ b []byte }

func (o *outBuf) Write(p []byte) (int, error) {
	o.b = append(o.b, p...)
	return len(p), nil
}

// h2Request is a request whose body is being received.
type h2Request struct {
	req  *http.Request
	body []byte
}

// h2Window is the receive window the server advertises for request bodies,
// per stream and for the connection.
const h2Window = 1 << 20

// serveH2C serves nc, a cleartext HTTP/2 connection (read is set when its
// preface was read already), until the client leaves, ctx ends, the Server
// closes or the connection fails. When the Server closes, its streams have
// ended (the hub ends them first); the connection then says GOAWAY.
func (s *Server) serveH2C(ctx context.Context, nc net.Conn, read bool) {
	c := &h2Conn{
		s: s, nc: nc, br: bufio.NewReaderSize(nc, 4096), out: &outBuf{},
		wake: make(chan struct{}, 1), streams: map[uint32]*h2Stream{}, bodies: map[uint32]*h2Request{},
		answers: map[uint32]*h2Body{},
		window:  65535, initWin: 65535, maxData: 16384,
	}
	c.fr = http2.NewFramer(c.out, c.br)
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.fr.MaxHeaderListSize = uint32(s.cfg.MaxHeaderBytes)
	c.henc = hpack.NewEncoder(&c.hbuf)
	c.lastFrame.Store(time.Now().UnixNano())
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	done := make(chan struct{})
	go func() {
		idle := time.NewTicker(idleTimeout / 2)
		defer idle.Stop()
		for {
			select {
			case <-s.closing:
				c.closeGracefully(done)
				return
			case <-done:
				return
			case <-idle.C:
				if c.idleSince(idleTimeout) {
					c.goAway(http2.ErrCodeNo)
					time.Sleep(10 * time.Millisecond) // the writer sends it
					nc.Close()
					return
				}
			}
		}
	}()
	go c.writeLoop(done)
	err := c.readLoop(read)
	c.shutdown(err)
	close(done)
}

// idleSince reports whether the connection has had no stream, request or
// frame from the client for d, like net/http's IdleTimeout.
func (c *h2Conn) idleSince(d time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.streams)+len(c.bodies)+len(c.answers) > 0 {
		return false
	}
	return time.Since(time.Unix(0, c.lastFrame.Load())) >= d
}

// closeGracefully ends the connection as the Server closes: the hub ends
// every stream (END_STREAM), and answers finish, within ShutdownTimeout;
// then GOAWAY is sent and the connection closed.
func (c *h2Conn) closeGracefully(done <-chan struct{}) {
	deadline := time.Now().Add(c.s.cfg.ShutdownTimeout)
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
	if !wait(func() bool { return len(c.streams)+len(c.answers) == 0 }) {
		return
	}
	c.goAway(http2.ErrCodeNo)
	if wait(func() bool { return len(c.out.b) == 0 }) {
		time.Sleep(10 * time.Millisecond) // the writer's last Write
	}
	c.nc.Close()
}

// writeLoop sends out's bytes as they come, one write per batch.
func (c *h2Conn) writeLoop(done <-chan struct{}) {
	var spare []byte
	for {
		select {
		case <-c.wake:
		case <-done:
			return
		}
		c.mu.Lock()
		if len(c.out.b) == 0 {
			c.mu.Unlock()
			continue
		}
		b := c.out.b
		c.out.b = spare[:0]
		c.mu.Unlock()
		if _, err := c.nc.Write(b); err != nil {
			c.nc.Close() // the reader ends the connection
			return
		}
		spare = b
		if cap(spare) > 64<<10 {
			spare = nil // a burst's buffer is not kept
		}
	}
}

// kick wakes the writer. c.mu is held or not; it never blocks.
func (c *h2Conn) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// wrote notes a frame write's error (out never fails; the Framer may
// refuse a frame).
func (c *h2Conn) wrote(err error) {
	if err != nil && c.werr == nil {
		c.werr = err
	}
}

// readLoop reads the preface and then frames until the connection ends.
func (c *h2Conn) readLoop(read bool) error {
	if !read {
		preface := make([]byte, len(http2.ClientPreface))
		if _, err := io.ReadFull(c.br, preface); err != nil {
			return err
		}
		if string(preface) != http2.ClientPreface {
			return errors.New("refserver: not an HTTP/2 preface")
		}
	}
	c.mu.Lock()
	c.wrote(c.fr.WriteSettings(
		http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: c.s.cfg.MaxStreams},
		http2.Setting{ID: http2.SettingInitialWindowSize, Val: h2Window},
		http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: uint32(c.s.cfg.MaxHeaderBytes)},
	))
	c.wrote(c.fr.WriteWindowUpdate(0, h2Window-65535))
	c.mu.Unlock()
	c.kick()
	for {
		f, err := c.fr.ReadFrame()
		c.lastFrame.Store(time.Now().UnixNano())
		if err != nil {
			var se http2.StreamError
			if errors.As(err, &se) {
				c.resetStream(se.StreamID, se.Code)
				continue
			}
			if ce, ok := err.(http2.ConnectionError); ok {
				c.goAway(http2.ErrCode(ce))
			}
			return err
		}
		if err := c.handle(f); err != nil {
			return err
		}
	}
}

// handle handles one frame from the client.
func (c *h2Conn) handle(f http2.Frame) error {
	switch f := f.(type) {
	case *http2.MetaHeadersFrame:
		return c.onHeaders(f)
	case *http2.DataFrame:
		return c.onData(f)
	case *http2.WindowUpdateFrame:
		return c.onWindowUpdate(f)
	case *http2.SettingsFrame:
		return c.onSettings(f)
	case *http2.RSTStreamFrame:
		c.onReset(f.StreamID)
	case *http2.PingFrame:
		if !f.IsAck() {
			c.mu.Lock()
			c.wrote(c.fr.WritePing(true, f.Data))
			c.mu.Unlock()
			c.kick()
		}
	case *http2.GoAwayFrame:
		return io.EOF // the client is leaving; its streams end with the connection
	}
	return nil
}

// onHeaders starts a request.
func (c *h2Conn) onHeaders(f *http2.MetaHeadersFrame) error {
	id := f.StreamID
	c.mu.Lock()
	if id%2 == 0 || id <= c.lastID {
		c.mu.Unlock()
		c.goAway(http2.ErrCodeProtocol)
		return fmt.Errorf("refserver: HEADERS on stream %d", id)
	}
	c.lastID = id
	full := uint32(len(c.streams)+len(c.bodies)+len(c.answers)) >= c.s.cfg.MaxStreams
	c.mu.Unlock()
	if full {
		c.resetStream(id, http2.ErrCodeRefusedStream)
		return nil
	}
	req, err := h2NewRequest(f)
	if err != nil {
		c.resetStream(id, http2.ErrCodeProtocol)
		return nil
	}
	if !f.StreamEnded() {
		c.mu.Lock()
		c.bodies[id] = &h2Request{req: req}
		c.mu.Unlock()
		return nil
	}
	c.dispatch(id, req)
	return nil
}

// h2NewRequest builds the http.Request of a HEADERS frame.
func h2NewRequest(f *http2.MetaHeadersFrame) (*http.Request, error) {
	method, path, authority := f.PseudoValue("method"), f.PseudoValue("path"), f.PseudoValue("authority")
	if method == "" || path == "" {
		return nil, errors.New("missing :method or :path")
	}
	u, err := url.ParseRequestURI(path)
	if err != nil {
		return nil, err
	}
	h := make(http.Header, len(f.RegularFields()))
	for _, hf := range f.RegularFields() {
		h.Add(hf.Name, hf.Value)
	}
	if authority == "" {
		authority = h.Get("Host")
	}
	return &http.Request{
		Method: method, URL: u, RequestURI: path, Proto: "HTTP/2.0", ProtoMajor: 2,
		Header: h, Host: authority, Body: http.NoBody,
	}, nil
}

// onData collects a request body and returns its bytes to the windows.
func (c *h2Conn) onData(f *http2.DataFrame) error {
	n := f.Header().Length
	c.mu.Lock()
	br := c.bodies[f.StreamID]
	if n > 0 {
		c.wrote(c.fr.WriteWindowUpdate(0, n))
		if br != nil && !f.StreamEnded() {
			c.wrote(c.fr.WriteWindowUpdate(f.StreamID, n))
		}
	}
	tooBig := false
	if br != nil {
		br.body = append(br.body, f.Data()...)
		tooBig = len(br.body) > c.s.cfg.MaxPublishBytes+1 // the handler answers 413 on MaxPublishBytes+1
		if f.StreamEnded() || tooBig {
			delete(c.bodies, f.StreamID)
		}
	}
	c.mu.Unlock()
	c.kick()
	if br != nil && (f.StreamEnded() || tooBig) {
		br.req.Body = io.NopCloser(bytes.NewReader(br.body))
		br.req.ContentLength = int64(len(br.body))
		c.dispatch(f.StreamID, br.req)
	}
	return nil
}

// dispatch answers a complete request: a subscription becomes an
// h2Stream; anything else runs the Server's handler.
func (c *h2Conn) dispatch(id uint32, req *http.Request) {
	if req.Method == http.MethodGet && req.URL.Path == "/events" {
		w := newH2Response()
		sp, ok := c.s.admit(w, req)
		if !ok {
			c.respond(id, w)
			return
		}
		st := &h2Stream{c: c, id: id}
		st.init(&c.s.counters, sp, &c.s.cfg)
		c.mu.Lock()
		st.window = c.initWin
		c.streams[id] = st
		c.mu.Unlock()
		if err := c.s.hub.subscribe(st); err != nil {
			st.end()
			w := newH2Response()
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			c.mu.Lock()
			st.gone = true
			delete(c.streams, id)
			c.mu.Unlock()
			c.respond(id, w)
		}
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer cancel()
		w := newH2Response()
		c.s.mux.ServeHTTP(w, req.WithContext(ctx))
		c.respond(id, w)
	}()
}

// respond writes a buffered response on stream id.
func (c *h2Conn) respond(id uint32, w *h2Response) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	body := w.body.Bytes()
	c.writeHeadFields(id, w.status(), w.header, len(body) == 0)
	if len(body) > 0 {
		// The body goes out within the client's windows, like a stream's
		// events; what does not fit waits for WINDOW_UPDATE.
		b := &h2Body{id: id, window: c.initWin, rest: body}
		c.answers[id] = b
		c.sendBodyLocked(b)
	}
	c.kick()
}

// h2Body is the rest of an answer's body that waits for flow-control
// window.
type h2Body struct {
	id     uint32
	window int32
	rest   []byte
}

// sendBodyLocked sends what the windows allow of b, ending the stream with
// its last byte. c.mu is held.
func (c *h2Conn) sendBodyLocked(b *h2Body) {
	for len(b.rest) > 0 {
		n := min(len(b.rest), int(c.window), int(b.window), int(c.maxData))
		if n <= 0 {
			return
		}
		c.wrote(c.fr.WriteData(b.id, n == len(b.rest), b.rest[:n]))
		c.window -= int32(n)
		b.window -= int32(n)
		b.rest = b.rest[n:]
	}
	delete(c.answers, b.id)
}

// drainAllLocked sends what waited for window, streams and answers. c.mu
// is held.
func (c *h2Conn) drainAllLocked(t *tally) {
	for _, s := range c.streams {
		s.drainLocked(t)
	}
	for _, b := range c.answers {
		c.sendBodyLocked(b)
	}
}

// writeHead writes a response head with one content type. c.mu is held.
func (c *h2Conn) writeHead(id uint32, status int, ctype string, end bool) {
	c.hbuf.Reset()
	c.henc.WriteField(hpack.HeaderField{Name: ":status", Value: strconv.Itoa(status)})
	c.henc.WriteField(hpack.HeaderField{Name: "content-type", Value: ctype})
	c.henc.WriteField(hpack.HeaderField{Name: "cache-control", Value: "no-cache"})
	c.writeBlock(id, end)
}

// writeHeadFields writes a response head from an http.Header. c.mu is held.
func (c *h2Conn) writeHeadFields(id uint32, status int, h http.Header, end bool) {
	c.hbuf.Reset()
	c.henc.WriteField(hpack.HeaderField{Name: ":status", Value: strconv.Itoa(status)})
	for name, vals := range h {
		for _, v := range vals {
			c.henc.WriteField(hpack.HeaderField{Name: lowerASCII(name), Value: v})
		}
	}
	c.writeBlock(id, end)
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

func lowerASCII(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			b[i] = ch + 'a' - 'A'
		}
	}
	return string(b)
}

// sendDataLocked writes as much of b as the connection's and s's windows
// allow, as DATA frames, and returns how much. c.mu is held.
func (c *h2Conn) sendDataLocked(s *h2Stream, b []byte) int {
	sent := 0
	for sent < len(b) {
		n := min(len(b)-sent, int(c.window), int(s.window), int(c.maxData))
		if n <= 0 {
			break
		}
		c.wrote(c.fr.WriteData(s.id, false, b[sent:sent+n]))
		c.window -= int32(n)
		s.window -= int32(n)
		sent += n
	}
	return sent
}

// onWindowUpdate grows a window and sends what waited for it.
func (c *h2Conn) onWindowUpdate(f *http2.WindowUpdateFrame) error {
	var t tally
	c.mu.Lock()
	switch inc := int64(f.Increment); {
	case f.StreamID == 0:
		c.window = int32(min(int64(c.window)+inc, 1<<31-1))
		c.drainAllLocked(&t)
	case c.streams[f.StreamID] != nil:
		s := c.streams[f.StreamID]
		s.window = int32(min(int64(s.window)+inc, 1<<31-1))
		s.drainLocked(&t)
	case c.answers[f.StreamID] != nil:
		b := c.answers[f.StreamID]
		b.window = int32(min(int64(b.window)+inc, 1<<31-1))
		c.sendBodyLocked(b)
	}
	c.mu.Unlock()
	t.addTo(&c.s.counters)
	c.kick()
	return nil
}

// onSettings applies the client's settings and acknowledges them.
func (c *h2Conn) onSettings(f *http2.SettingsFrame) error {
	if f.IsAck() {
		return nil
	}
	var t tally
	c.mu.Lock()
	err := f.ForeachSetting(func(st http2.Setting) error {
		switch st.ID {
		case http2.SettingInitialWindowSize:
			d := int32(st.Val) - c.initWin
			c.initWin = int32(st.Val)
			for _, s := range c.streams {
				s.window += d
			}
			for _, b := range c.answers {
				b.window += d
			}
		case http2.SettingMaxFrameSize:
			c.maxData = st.Val
		case http2.SettingHeaderTableSize:
			c.henc.SetMaxDynamicTableSizeLimit(st.Val)
		}
		return nil
	})
	c.wrote(c.fr.WriteSettingsAck())
	c.drainAllLocked(&t)
	c.mu.Unlock()
	t.addTo(&c.s.counters)
	c.kick()
	return err
}

// onReset ends a stream the client reset.
func (c *h2Conn) onReset(id uint32) {
	c.mu.Lock()
	s := c.streams[id]
	delete(c.bodies, id)
	delete(c.answers, id)
	if s != nil {
		s.gone = true // no END_STREAM or RST back
		delete(c.streams, id)
		if n := s.queued(); n > 0 {
			c.s.counters.backlogBytes.Add(-int64(n))
		}
		s.queue, s.qoff = nil, 0
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
	c.kick()
}

// goAway tells the client the connection ends with code.
func (c *h2Conn) goAway(code http2.ErrCode) {
	c.mu.Lock()
	c.wrote(c.fr.WriteGoAway(c.lastID, code, nil))
	c.mu.Unlock()
	c.kick()
}

// shutdown ends every stream of a connection that ended.
func (c *h2Conn) shutdown(error) {
	c.mu.Lock()
	c.closed = true
	streams := make([]*h2Stream, 0, len(c.streams))
	for _, s := range c.streams {
		s.gone = true
		if n := s.queued(); n > 0 {
			c.s.counters.backlogBytes.Add(-int64(n))
		}
		s.queue, s.qoff = nil, 0
		streams = append(streams, s)
	}
	clear(c.streams)
	c.mu.Unlock()
	for _, s := range streams {
		s.end()
	}
	c.nc.Close()
}
