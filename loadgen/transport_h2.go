package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/net/http2"
)

// h2Opener spreads HTTP/2 streams (h2 over TLS, or h2c with prior knowledge)
// over Config.Connections slots and opens another TCP connection in a slot
// whenever its connections are full, so streams never queue behind the
// server's SETTINGS_MAX_CONCURRENT_STREAMS. It uses golang.org/x/net/http2
// because that package exposes each ClientConn: the load generator decides
// which TCP connection carries a stream and can reserve a stream slot on it.
// (x/net marks ClientConn deprecated in favour of net/http.ClientConn, which
// cannot tell the server's advertised limit apart from the client's own.)
type h2Opener struct {
	tr      *http2.Transport
	d       *dialer
	timeout time.Duration
	slots   []*h2Slot
}

// h2Slot is one of the Config.Connections slots: the connections opened
// for it, oldest first, and the dial in flight, if any.
type h2Slot struct {
	mu      sync.Mutex
	conns   []*http2.ClientConn
	pending *h2Dial
}

// h2Dial is a connection being opened for a slot. Streams that find their
// slot full wait for it rather than dialling one connection each.
type h2Dial struct {
	done chan struct{}
	err  error
}

func newH2Opener(d *dialer, conns int, timeout time.Duration) *h2Opener {
	o := &h2Opener{
		tr:      &http2.Transport{AllowHTTP: true},
		d:       d,
		timeout: timeout,
		slots:   make([]*h2Slot, conns),
	}
	for i := range o.slots {
		o.slots[i] = &h2Slot{}
	}
	return o
}

func (o *h2Opener) open(req *http.Request) (*http.Response, error) {
	// A timer, not a context deadline, bounds the wait for headers: it is
	// stopped once they arrived, and the stream then lives on under ctx.
	ctx, cancel := context.WithCancel(req.Context())
	t := time.AfterFunc(o.timeout, cancel)
	// The subscriber's index picks the slot so streams spread evenly.
	cc, err := o.reserve(ctx, o.slots[slotOf(req)%len(o.slots)], hostPort(req))
	var resp *http.Response
	if err == nil {
		resp, err = cc.RoundTrip(req.WithContext(ctx))
	}
	if !t.Stop() {
		// The timer fired: even headers that won the race have lost
		// their stream to the cancellation.
		cancel()
		if err == nil {
			resp.Body.Close()
		}
		return nil, fmt.Errorf("no response headers within %s: %w", o.timeout, context.DeadlineExceeded)
	}
	if err != nil {
		cancel()
		return nil, err
	}
	o.d.stats.response(resp)
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// reserve returns a connection of slot s with one stream reserved for the
// caller, opening a new connection when every one in the slot is full.
func (o *h2Opener) reserve(ctx context.Context, s *h2Slot, addr string) (*http2.ClientConn, error) {
	for {
		s.mu.Lock()
		// Newest first: older connections are usually full, since SSE
		// streams rarely end.
		for _, cc := range slices.Backward(s.conns) {
			if cc.ReserveNewRequest() {
				s.mu.Unlock()
				return cc, nil
			}
		}
		s.conns = slices.DeleteFunc(s.conns, func(cc *http2.ClientConn) bool {
			return cc.State().Closed
		})
		if d := s.pending; d != nil {
			s.mu.Unlock()
			select {
			case <-d.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			// The dial failed for everyone waiting on it, unless only its
			// dialler gave up (its own timer or run end): then try again.
			if d.err != nil && (ctx.Err() != nil || !errors.Is(d.err, context.Canceled)) {
				return nil, d.err
			}
			continue
		}
		d := &h2Dial{done: make(chan struct{})}
		s.pending = d
		s.mu.Unlock()

		cc, err := o.dial(ctx, addr)
		s.mu.Lock()
		s.pending = nil
		if err == nil {
			s.conns = append(s.conns, cc)
		}
		s.mu.Unlock()
		d.err = err
		close(d.done)
		return cc, err
	}
}

// dial opens a new HTTP/2 connection, waits for the server's SETTINGS and
// returns it with one stream reserved for the caller.
func (o *h2Opener) dial(ctx context.Context, addr string) (*http2.ClientConn, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	c, err := o.d.dialNext(ctx, addr)
	if err != nil {
		return nil, err
	}
	sn := &SniffConn{Conn: c}
	var nc net.Conn = sn
	if tc, ok := c.(*tls.Conn); ok {
		if e := alpnMismatch(tc, alpnH2); e != nil {
			c.Close()
			return nil, e
		}
		// Keep ConnectionState visible so responses carry Response.TLS.
		nc = sniffTLSConn{sn, tc}
	}
	cc, err := o.tr.NewClientConn(nc)
	if err != nil {
		c.Close()
		return nil, err
	}
	// Until the server's SETTINGS arrive the client assumes 100 streams;
	// reserving against that guess would queue streams beyond the
	// server's real limit on this connection instead of opening another.
	// A server sends SETTINGS first, so they are in once a PING is answered.
	if err := cc.Ping(ctx); err != nil {
		cc.Close()
		if line, ok := sn.HTTP1(); ok {
			return nil, &ConnError{Class: ClassProtocolMismatch, Err: fmt.Errorf(
				"asked for cleartext HTTP/2 (--protocol h2c, prior knowledge) but the server answered in HTTP/1 (%q); ssebench does not fall back to HTTP/1.1 (use --protocol h1 to measure over HTTP/1.1)", line)}
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("no HTTP/2 SETTINGS from the server within %s: %w", o.timeout, err)
		}
		if head, ok := sn.notHTTP2(); ok {
			return nil, &ConnError{Class: ClassProtocolMismatch, Err: fmt.Errorf(
				"asked for cleartext HTTP/2 (--protocol h2c, prior knowledge) but the server does not speak it: it sent %s before closing; ssebench does not fall back (use --protocol h1 for HTTP/1.1)", head)}
		}
		return nil, &ConnError{Class: ClassProtocol, Err: fmt.Errorf("HTTP/2 connection setup: %w", err)}
	}
	limit, ok := sn.maxConcurrentStreams()
	o.d.stats.h2Advertised(limit, ok)
	if !cc.ReserveNewRequest() {
		cc.Close()
		return nil, &ConnError{Class: ClassProtocol, Err: fmt.Errorf(
			"a new HTTP/2 connection accepts no streams (SETTINGS_MAX_CONCURRENT_STREAMS %d, advertised: %t)", limit, ok)}
	}
	return cc, nil
}

func (o *h2Opener) close() {
	for _, s := range o.slots {
		s.mu.Lock()
		for _, cc := range s.conns {
			cc.Close()
		}
		s.mu.Unlock()
	}
}

func (o *h2Opener) stats() *transportStats { return o.d.stats }

// cancelBody cancels the stream's context when the body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	b.cancel()
	return b.ReadCloser.Close()
}
