package capacity

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"golang.org/x/net/http2"

	"github.com/ssebench/ssebench/loadgen"
)

// The probes speak to the target with their own connections, outside
// loadgen's openers: they need one raw HTTP/2 connection to count frames,
// and a browser's connection pool. This file holds what they share.

// tlsConfig returns the TLS configuration for the target's options, as
// loadgen builds it: --insecure, --ca, --cert/--key, offering alpn.
func tlsConfig(o *loadgen.TargetOptions, host string, alpn []string) (*tls.Config, error) {
	c := &tls.Config{ServerName: host, NextProtos: alpn, InsecureSkipVerify: o.Insecure} //nolint:gosec // --insecure asks for it
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca %s: no PEM certificate in it", o.CAFile)
		}
		c.RootCAs = pool
	}
	if o.CertFile != "" || o.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("--cert/--key: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// target is the parsed target of a probe.
type target struct {
	u    *url.URL
	addr string // host:port to dial
	tls  bool
}

// parseTarget parses cfg.URL.
func parseTarget(cfg *loadgen.Config) (*target, error) {
	u, err := url.Parse(cfg.URL)
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
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", t.addr)
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
	conn := tls.Client(c, tc)
	if err := conn.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return conn, nil
}

// newRequest builds a subscription request the way loadgen does: the
// configured method, body and headers, and Accept: text/event-stream.
func newRequest(ctx context.Context, cfg *loadgen.Config) (*http.Request, error) {
	method := cfg.Method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, cfg.URL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cache-Control", "no-cache")
	if cfg.Tool != "" {
		req.Header.Set("User-Agent", cfg.Tool)
	}
	for name, vals := range cfg.Header {
		if http.CanonicalHeaderKey(name) == "Host" && len(vals) > 0 {
			req.Host = vals[len(vals)-1]
			continue
		}
		for _, v := range vals {
			req.Header.Add(name, v)
		}
	}
	return req, nil
}

// isStream tells whether resp is an SSE stream, as EventSource decides.
func isStream(resp *http.Response) bool {
	ct := resp.Header.Get("Content-Type")
	return resp.StatusCode == http.StatusOK && len(ct) >= len("text/event-stream") && ct[:len("text/event-stream")] == "text/event-stream"
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
	if isStream(resp) {
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
	var p http.Protocols
	p.SetHTTP1(true)
	return &http.Transport{TLSClientConfig: tc, Protocols: &p, DisableKeepAlives: true, DisableCompression: true}, nil
}
