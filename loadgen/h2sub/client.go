package h2sub

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/ssebench/ssebench/loadgen/sse"
)

// A Client opens and holds many event streams to one server over as few
// HTTP/2 connections as the server's stream limit allows: each connection
// has one goroutine, which reads its frames and feeds each stream's DATA to
// that stream's push-form sse.Reader. Streams that find every connection
// full wait in a queue while another connection is opened.
type Client struct {
	cfg Config
	t   target

	ctx    context.Context // cancelled by Close: in-flight dials stop
	cancel context.CancelFunc
	wg     sync.WaitGroup // connection readers, dials, the sweeper

	mu      sync.Mutex
	conns   []*conn   // live connections, oldest first
	waiting []*Stream // streams waiting for a connection with room, FIFO
	dialing int       // connections being opened
	guess   int       // streams a new connection is expected to take
	known   bool      // guess comes from a server's SETTINGS
	timers  map[*Stream]*time.Timer
	closed  bool
}

// NewClient validates cfg and returns a Client. It starts one goroutine,
// which ends streams whose headers are late; connections are opened as
// streams need them.
func NewClient(cfg Config) (*Client, error) {
	cfg, t, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, t: t, timers: map[*Stream]*time.Timer{}, guess: 100}
	if cfg.MaxStreamsPerConn > 0 {
		c.guess = cfg.MaxStreamsPerConn
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.wg.Add(1)
	go c.sweep()
	return c, nil
}

// Subscribe opens a stream for req on some connection and reports to sink;
// lastEventID, when not empty, is sent as Last-Event-ID (a resumed
// session). It does not wait: the stream may still be queued when
// Subscribe returns, and sink may be called before it returns.
func (c *Client) Subscribe(req *Request, sink Sink, lastEventID string) *Stream {
	req.compile()
	s := &Stream{client: c, req: req, sink: sink}
	opts := sse.Options{MaxEventBytes: c.cfg.MaxEventBytes}
	if cs, ok := sink.(CommentSink); ok {
		opts.Comment = func(text []byte) { cs.OnCommentLine(s, text) }
	}
	s.rd = sse.NewReader(nil, opts)
	if lastEventID != "" {
		s.rd.SetLastEventID([]byte(lastEventID))
	}
	c.enqueue(s)
	return s
}

// Stats is a snapshot of a Client's connections and streams.
type Stats struct {
	// Conns is the number of open connections.
	Conns int
	// Streams is the number of open streams.
	Streams int
	// Waiting is the number of streams waiting for a connection.
	Waiting int
}

// Stats returns a snapshot of c's connections and streams.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := Stats{Conns: len(c.conns), Waiting: len(c.waiting)}
	for _, cn := range c.conns {
		cn.mu.Lock()
		st.Streams += len(cn.streams)
		cn.mu.Unlock()
	}
	return st
}

// Close ends every stream, with ErrClosed reported to OnEnd, closes every
// connection and waits for their goroutines. Reconnections waiting on a
// timer end with ErrClosed too. Close must not be called from a Sink's
// call, which runs on one of the goroutines it waits for.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	waiting, conns, timers := c.waiting, slices.Clone(c.conns), c.timers
	c.waiting, c.timers = nil, nil
	c.mu.Unlock()
	c.cancel()
	for s, t := range timers {
		if t.Stop() {
			c.wg.Done()
			c.endIdle(s, ErrClosed)
		}
	}
	for _, s := range waiting {
		c.endIdle(s, ErrClosed)
	}
	for _, cn := range conns {
		cn.nc.Close()
	}
	c.wg.Wait()
	return nil
}

// endIdle ends a stream that no connection owns.
func (c *Client) endIdle(s *Stream, err error) {
	if s.closed.Load() {
		return
	}
	again, after := s.sink.OnEnd(s, err)
	if again && err != ErrClosed {
		c.reconnect(s, after)
	}
}

// enqueue gives s to a connection with room, or queues it and makes sure
// a connection is being opened for it.
func (c *Client) enqueue(s *Stream) {
	if s.closed.Load() {
		return
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		c.endIdle(s, ErrClosed)
		return
	}
	if len(c.waiting) > 0 {
		// Streams wait, so a dial is in flight or a drain is running
		// (see dial and drain), and either takes this one in turn.
		// Dialling here would count room that the drain is about to
		// fill as missing, and open connections nobody needs.
		c.waiting = append(c.waiting, s)
		c.mu.Unlock()
		return
	}
	if cn := c.roomLocked(); cn != nil {
		c.mu.Unlock()
		cn.open(s)
		return
	}
	c.waiting = append(c.waiting, s)
	c.dialLocked()
	c.mu.Unlock()
}

// roomLocked reserves a stream on a connection with room, newest first
// (older ones are usually full: event streams rarely end), or returns nil.
func (c *Client) roomLocked() *conn {
	for _, cn := range slices.Backward(c.conns) {
		if cn.reserve() {
			return cn
		}
	}
	return nil
}

// dialLocked opens connections while the waiting streams exceed what the
// connections being opened are expected to take.
func (c *Client) dialLocked() {
	for len(c.waiting) > c.dialing*c.guess && c.dialing < c.cfg.MaxDials {
		if !c.known && c.dialing > 0 {
			return // one at a time until a server says how many streams it takes
		}
		c.dialing++
		c.wg.Add(1)
		go c.dial()
	}
}

// dial opens one connection and hands it the waiting streams; when it
// fails, every waiting stream fails with its error, as each would have
// failed to connect on its own.
func (c *Client) dial() {
	defer c.wg.Done()
	cn, err := c.newConn()
	c.mu.Lock()
	c.dialing--
	if err == nil && c.closed {
		c.mu.Unlock()
		cn.nc.Close()
		return
	}
	if err != nil {
		failed := c.waiting
		if c.dialing > 0 {
			// Others are still dialling; fail only this dial's share.
			failed = c.waiting[:min(len(c.waiting), c.guess)]
		}
		c.waiting = slices.Clone(c.waiting[len(failed):])
		c.mu.Unlock()
		cerr := classifyDial(err)
		for _, s := range failed {
			c.endIdle(s, cerr)
		}
		return
	}
	n := cn.limit()
	if n == 0 {
		// A server that takes no streams would have the client dial
		// forever; fail this dial's share instead, as loadgen does.
		failed := c.waiting[:min(len(c.waiting), c.guess)]
		c.waiting = slices.Clone(c.waiting[len(failed):])
		c.mu.Unlock()
		cn.nc.Close()
		cerr := &Error{Class: ClassProtocol, Err: errors.New("a new HTTP/2 connection accepts no streams (SETTINGS_MAX_CONCURRENT_STREAMS 0)")}
		for _, s := range failed {
			c.endIdle(s, cerr)
		}
		return
	}
	c.guess, c.known = n, true
	c.conns = append(c.conns, cn)
	c.mu.Unlock()
	c.drain()
}

// drain moves waiting streams to connections with room, and dials when
// none has any.
func (c *Client) drain() {
	for {
		c.mu.Lock()
		if len(c.waiting) == 0 || c.closed {
			c.mu.Unlock()
			return
		}
		cn := c.roomLocked()
		if cn == nil {
			c.dialLocked()
			c.mu.Unlock()
			return
		}
		s := c.waiting[0]
		c.waiting[0] = nil
		c.waiting = c.waiting[1:]
		c.mu.Unlock()
		cn.open(s)
	}
}

// reconnect opens s again after the delay.
func (c *Client) reconnect(s *Stream, after time.Duration) {
	s.rd.Reset(nil)
	if after <= 0 {
		c.enqueue(s)
		return
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		c.endIdle(s, ErrClosed)
		return
	}
	c.wg.Add(1) // Close waits for the timer's function, or stops it
	c.timers[s] = time.AfterFunc(after, func() {
		defer c.wg.Done()
		c.mu.Lock()
		if c.timers == nil { // Close took the timers, too late to stop this one
			c.mu.Unlock()
			c.endIdle(s, ErrClosed)
			return
		}
		delete(c.timers, s)
		c.mu.Unlock()
		c.enqueue(s)
	})
	c.mu.Unlock()
}

// removeConn forgets a connection that closed, and moves its share of the
// waiting streams elsewhere.
func (c *Client) removeConn(cn *conn) {
	c.mu.Lock()
	c.conns = slices.DeleteFunc(c.conns, func(x *conn) bool { return x == cn })
	c.mu.Unlock()
	c.drain()
}

// sweep ends streams whose response headers are later than HeaderTimeout,
// checking every connection a few times per timeout.
func (c *Client) sweep() {
	defer c.wg.Done()
	tick := time.NewTicker(max(c.cfg.HeaderTimeout/4, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-tick.C:
		}
		c.mu.Lock()
		conns := slices.Clone(c.conns)
		c.mu.Unlock()
		cutoff := c.cfg.Now().Add(-c.cfg.HeaderTimeout)
		for _, cn := range conns {
			cn.sweep(cutoff)
		}
	}
}
