package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"github.com/ssebench/ssebench/loadgen/transport"
)

// newEngine prepares the transport of a run whose cfg is validated and has
// its defaults: HTTP/1.1 subscribers on goroutines with an h1Opener, or
// HTTP/2 subscribers on the frame-level engine (engine_h2.go). Before
// anything connects it raises RLIMIT_NOFILE and checks that the run fits
// the process's descriptors and local ports; when it does not, the error
// wraps ErrTooManyForLimits.
func newEngine(cfg *Config) (engine, error) {
	u, err := url.Parse(cfg.TargetURL()) // every subscriber's scheme, host and port
	if err != nil {
		return nil, err
	}
	var ips []netip.Addr
	if cfg.SourceIPs != "" {
		if ips, err = transport.ParseSourceIPs(cfg.SourceIPs); err != nil {
			return nil, fmt.Errorf("--source-ips: %w", err)
		}
	}
	soft, hard := transport.RaiseFDLimit()
	l := limits{fdSoft: soft, fdHard: hard, fdOpen: transport.OpenFDs(), sources: len(ips)}
	l.ports, _ = transport.LocalPorts()
	if err := checkLimits(cfg, l); err != nil {
		return nil, err
	}

	// HTTP/2 over TLS offers http/1.1 as well: a server that only speaks
	// HTTP/1.1 then completes the handshake and says so through ALPN, and
	// the failure can name what the server chose. Many servers abort a
	// handshake with no common protocol, which would hide that.
	alpn := []string{alpnHTTP1}
	if cfg.Protocol == ProtocolH2 {
		alpn = []string{alpnH2, alpnHTTP1}
	}
	d, err := newDialer(cfg, u, ips, alpn)
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.Protocol == ProtocolH2 || cfg.Protocol == ProtocolH2C:
		return newH2Engine(cfg, d)
	default:
		return h1Engine{&h1Opener{d: d, timeout: cfg.ConnectTimeout}}, nil
	}
}

// h1Opener starts one SSE request and returns the response whose Body is
// the event stream: failures only it can tell apart (TLS) come back as
// *ConnError, and the request's context bounds the whole stream. It opens
// one TCP connection per subscriber and speaks HTTP/1.1 over
// it with the standard library's request writer and response parser. A
// per-subscriber http.Transport would cost two goroutines and two 4 KiB
// buffers per connection; this costs the caller's goroutine and one small
// buffer, which is what lets one process hold ~19k subscribers.
type h1Opener struct {
	d       *dialer
	timeout time.Duration
}

// h1HeaderBuffer sizes the bufio.Reader used to parse response headers.
// Longer header lines still parse (textproto joins continuation reads), and
// body reads of at least this size bypass the buffer entirely.
const h1HeaderBuffer = 512

func (o *h1Opener) open(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	// One deadline covers dial, TLS handshake and response headers, as
	// Config.ConnectTimeout promises.
	deadline := time.Now().Add(o.timeout)
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	conn, err := o.d.dial(dctx, hostPort(req), uint64(slotOf(req)))
	if err != nil {
		return nil, err
	}
	// Closing the connection is how a blocked read ends when the run stops.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	_ = conn.SetDeadline(deadline)
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
	o.d.stats.response(resp)
	resp.Body = &connBody{ReadCloser: resp.Body, conn: conn, stop: stop}
	return resp, nil
}

func (o *h1Opener) close() {}

func (o *h1Opener) stats() *transportStats { return o.d.stats }

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

// slotKey carries a subscriber's index in a request's context.
type slotKey struct{}

func slotOf(req *http.Request) int {
	i, _ := req.Context().Value(slotKey{}).(int)
	return i
}
