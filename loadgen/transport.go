package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/net/http2"
)

// opener starts one SSE request and returns the response whose Body is the
// event stream. It owns the transport details of one protocol.
type opener interface {
	// open sends req and returns its response once the headers arrived. The
	// request's context bounds the whole stream: cancelling it ends the body.
	open(req *http.Request) (*http.Response, error)
	// close releases shared connections at the end of the run.
	close()
}

// h1Opener opens one TCP connection per subscriber and speaks HTTP/1.1 over
// it with the standard library's request writer and response parser. A
// per-subscriber http.Transport would cost two goroutines and two 4 KiB
// buffers per connection; this costs the caller's goroutine and one small
// buffer, which is what lets one process hold ~19k subscribers.
type h1Opener struct {
	dialer  net.Dialer
	timeout time.Duration
}

// h1HeaderBuffer sizes the bufio.Reader used to parse response headers.
// Longer header lines still parse (textproto joins continuation reads), and
// body reads of at least this size bypass the buffer entirely.
const h1HeaderBuffer = 1024

func (o *h1Opener) open(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	dctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	conn, err := o.dialer.DialContext(dctx, "tcp", hostPort(req))
	if err != nil {
		return nil, err
	}
	// Closing the connection is how a blocked read ends when the run stops.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(o.timeout))
	if err := req.Write(conn); err != nil {
		stop()
		conn.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, h1HeaderBuffer), req)
	if err != nil {
		stop()
		conn.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	resp.Body = &connBody{ReadCloser: resp.Body, conn: conn, stop: stop}
	return resp, nil
}

func (o *h1Opener) close() {}

// connBody closes the TCP connection with the body: the stream is never reused.
type connBody struct {
	io.ReadCloser
	conn net.Conn
	stop func() bool
}

// Close closes the connection first: closing an HTTP/1.1 body first would
// read the rest of the stream to EOF, which for SSE may be never.
func (b *connBody) Close() error {
	b.stop()
	err := b.conn.Close()
	b.ReadCloser.Close()
	return err
}

// hostPort returns the dial address of req's URL, adding the default port.
func hostPort(req *http.Request) string {
	host, port := req.URL.Hostname(), req.URL.Port()
	if port == "" {
		port = "80"
		if req.URL.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(host, port)
}

// h2cOpener spreads streams over a fixed number of cleartext HTTP/2
// connections (prior knowledge). It uses golang.org/x/net/http2 because that
// package exposes each ClientConn: the load generator decides which TCP
// connection carries a stream and can read the SETTINGS the server sent.
type h2cOpener struct {
	tr      *http2.Transport
	dialer  net.Dialer
	timeout time.Duration
	slots   []*h2Slot
}

// h2Slot is one TCP connection; it is dialled by its first stream.
type h2Slot struct {
	mu sync.Mutex
	cc *http2.ClientConn
}

func newH2COpener(conns int, timeout time.Duration) *h2cOpener {
	o := &h2cOpener{
		tr:      &http2.Transport{AllowHTTP: true},
		timeout: timeout,
		slots:   make([]*h2Slot, conns),
	}
	for i := range o.slots {
		o.slots[i] = &h2Slot{}
	}
	return o
}

func (o *h2cOpener) open(req *http.Request) (*http.Response, error) {
	// The subscriber's index picks the slot so streams spread evenly.
	slot := o.slots[slotOf(req)%len(o.slots)]
	cc, err := o.conn(req.Context(), slot, hostPort(req))
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(req.Context())
	t := time.AfterFunc(o.timeout, cancel)
	resp, err := cc.RoundTrip(req.WithContext(ctx))
	if !t.Stop() && err != nil {
		cancel()
		return nil, fmt.Errorf("no response headers within %s: %w", o.timeout, context.DeadlineExceeded)
	}
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// conn returns the slot's connection, dialling it when there is none or the
// old one can take no more streams.
func (o *h2cOpener) conn(ctx context.Context, s *h2Slot, addr string) (*http2.ClientConn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cc != nil && s.cc.CanTakeNewRequest() {
		return s.cc, nil
	}
	dctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	c, err := o.dialer.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	cc, err := o.tr.NewClientConn(c)
	if err != nil {
		c.Close()
		return nil, err
	}
	s.cc = cc
	return cc, nil
}

func (o *h2cOpener) close() {
	for _, s := range o.slots {
		s.mu.Lock()
		if s.cc != nil {
			s.cc.Close()
		}
		s.mu.Unlock()
	}
}

// cancelBody cancels the stream's context when the body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	b.cancel()
	return b.ReadCloser.Close()
}

// slotKey carries a subscriber's index in a request's context.
type slotKey struct{}

func slotOf(req *http.Request) int {
	i, _ := req.Context().Value(slotKey{}).(int)
	return i
}
