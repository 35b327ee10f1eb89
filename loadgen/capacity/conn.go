package capacity

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"golang.org/x/net/http2"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/loadgen/transport"
)

// The probes speak to the target with their own connections, outside
// loadgen's openers: they need one raw HTTP/2 connection to count frames,
// and a browser's connection pool. Their requests, stream check, TLS and
// dialer are package transport's, as loadgen's are, so they send what a
// run sends; this file holds the glue they share.

// tlsConfig returns the TLS configuration for the target's options, as
// loadgen builds it (transport.TLSOptions): --insecure, --ca, --cert/--key,
// offering alpn.
func tlsConfig(o *loadgen.TargetOptions, host string, alpn []string) (*tls.Config, error) {
	return o.TLSOptions().Config(host, alpn)
}

// target is the parsed target of a probe.
type target struct {
	u    *url.URL
	addr string // host:port to dial
	tls  bool
}

// parseTarget parses cfg's target: the URL of its subscriber 0, whose
// address every subscriber dials.
func parseTarget(cfg *loadgen.Config) (*target, error) {
	u, err := url.Parse(cfg.TargetURL())
	if err != nil {
		return nil, err
	}
	t := &target{u: u, tls: u.Scheme == "https"}
	port := u.Port()
	if port == "" {
		port = "80"
		if t.tls {
			port = "443"
		}
	}
	t.addr = net.JoinHostPort(u.Hostname(), port)
	return t, nil
}

// dial opens a connection to the target, completing the TLS handshake with
// alpn for an https target.
func (t *target) dial(ctx context.Context, o *loadgen.TargetOptions, alpn []string) (net.Conn, error) {
	d, err := tcpDialer(o)
	if err != nil {
		return nil, err
	}
	c, err := d.DialNext(ctx, t.addr)
	if err != nil {
		return nil, err
	}
	if !t.tls {
		return c, nil
	}
	tc, err := tlsConfig(o, t.u.Hostname(), alpn)
	if err != nil {
		c.Close()
		return nil, err
	}
	conn, err := transport.Handshake(ctx, c, tc)
	if err != nil {
		return nil, err // not a nil *tls.Conn in a non-nil net.Conn
	}
	return conn, nil
}

// tcpDialer returns the dialer of a run with o: TCP from --source-ips in
// turn (transport.Dialer).
func tcpDialer(o *loadgen.TargetOptions) (*transport.Dialer, error) {
	if o.SourceIPs == "" {
		return transport.NewDialer(nil), nil
	}
	ips, err := transport.ParseSourceIPs(o.SourceIPs)
	if err != nil {
		return nil, fmt.Errorf("--source-ips: %w", err)
	}
	return transport.NewDialer(ips), nil
}

// dialContext adapts d to http.Transport.DialContext.
func dialContext(d *transport.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, _, addr string) (net.Conn, error) { return d.DialNext(ctx, addr) }
}

// newRequest builds a subscription request the way loadgen does
// (transport.Request): the configured method, body, headers, Host and
// Last-Event-ID, and Accept: text/event-stream.
func newRequest(ctx context.Context, cfg *loadgen.Config) (*http.Request, error) {
	return cfg.Request().New(ctx)
}

// timedOut tells whether err is a deadline that ended a wait.
func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// connectTimeout is the Base's ConnectTimeout or loadgen's default.
func connectTimeout(cfg *loadgen.Config) time.Duration {
	if cfg.ConnectTimeout > 0 {
		return cfg.ConnectTimeout
	}
	return loadgen.DefaultConnectTimeout
}

// refusal is what one more request got while the server was full.
type refusal struct {
	refused    bool   // an answer other than a stream
	status     string // e.g. "503 Service Unavailable"
	retryAfter string // its Retry-After header
}

// oneMore sends one more subscription request over a fresh connection in
// cfg's protocol and reports the answer's status and Retry-After.
func oneMore(ctx context.Context, cfg *loadgen.Config) refusal {
	rt, err := roundTripper(cfg)
	if err != nil {
		return refusal{}
	}
	req, err := newRequest(ctx, cfg)
	if err != nil {
		return refusal{}
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return refusal{}
	}
	defer resp.Body.Close()
	if transport.IsStream(resp) {
		return refusal{}
	}
	return refusal{refused: true, status: resp.Status, retryAfter: resp.Header.Get("Retry-After")}
}

// roundTripper returns a transport that speaks cfg's protocol over new
// connections, for single requests.
func roundTripper(cfg *loadgen.Config) (http.RoundTripper, error) {
	t, err := parseTarget(cfg)
	if err != nil {
		return nil, err
	}
	switch cfg.Protocol {
	case loadgen.ProtocolH2, loadgen.ProtocolH2C:
		return &http2.Transport{
			AllowHTTP: true,
			DialTLSContext: func(ctx context.Context, _, _ string, _ *tls.Config) (net.Conn, error) {
				return t.dial(ctx, &cfg.TargetOptions, []string{"h2"})
			},
		}, nil
	}
	var tc *tls.Config
	if t.tls {
		if tc, err = tlsConfig(&cfg.TargetOptions, t.u.Hostname(), []string{"http/1.1"}); err != nil {
			return nil, err
		}
	}
	d, err := tcpDialer(&cfg.TargetOptions)
	if err != nil {
		return nil, err
	}
	var p http.Protocols
	p.SetHTTP1(true)
	return &http.Transport{DialContext: dialContext(d), TLSClientConfig: tc, Protocols: &p, DisableKeepAlives: true, DisableCompression: true}, nil
}
