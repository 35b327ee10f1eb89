package h2sub

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"
)

// Defaults for the zero values of Config's fields.
const (
	// DefaultHeaderTimeout bounds connecting (TCP, TLS, the server's
	// SETTINGS) and a stream's wait for its response headers.
	DefaultHeaderTimeout = 10 * time.Second
	// DefaultStreamWindowBytes is the receive window advertised per stream.
	// Windows cost the engine nothing (DATA is parsed as it arrives, never
	// buffered), so it is as large as a server may usefully send ahead.
	DefaultStreamWindowBytes = 1 << 20
	// DefaultConnWindowBytes is the receive window of each connection.
	DefaultConnWindowBytes = 16 << 20
	// DefaultMaxDials bounds connections being opened at once.
	DefaultMaxDials = 4
	// DefaultReadBufferBytes is each connection's socket read buffer.
	DefaultReadBufferBytes = 32 << 10
)

// Config configures a Client. One Client talks to one server.
type Config struct {
	// URL is the event stream's URL: http:// means cleartext HTTP/2 with
	// prior knowledge (h2c), https:// HTTP/2 over TLS with ALPN "h2". Its
	// path and query are the default Request.Path. Required.
	URL string
	// TLS configures https:// connections; NextProtos is set to "h2" and
	// ServerName defaults to the URL's host. nil means the defaults.
	TLS *tls.Config
	// Dial opens TCP connections. nil means a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// DialTLS, when set, opens the connections of an https:// URL itself,
	// TLS handshake included, in place of Dial and the Client's own
	// handshake with TLS: the Client uses the connection as it gets it,
	// so DialTLS must check that ALPN chose "h2". Its errors are
	// classified with transport.DialClass, which keeps the class of a
	// transport.Classified error.
	DialTLS func(ctx context.Context, network, addr string) (net.Conn, error)
	// Ready, when set, is called once per connection when the server's
	// first SETTINGS arrived, with its SETTINGS_MAX_CONCURRENT_STREAMS and
	// whether that frame set it at all. It runs on the connection's
	// goroutine and must not block.
	Ready func(maxConcurrentStreams uint32, advertised bool)
	// MaxStreamsPerConn caps the streams the client opens on one
	// connection, below the server's SETTINGS_MAX_CONCURRENT_STREAMS.
	// 0 means the server's limit alone.
	MaxStreamsPerConn int
	// MaxDials bounds connections being opened at once. 0 means
	// DefaultMaxDials.
	MaxDials int
	// HeaderTimeout bounds opening a connection (TCP, TLS, the server's
	// first SETTINGS) and each stream's wait for response headers. 0 means
	// DefaultHeaderTimeout.
	HeaderTimeout time.Duration
	// StreamWindowBytes is the receive window per stream, in bytes. 0
	// means DefaultStreamWindowBytes.
	StreamWindowBytes int
	// ConnWindowBytes is the receive window per connection, in bytes. 0
	// means DefaultConnWindowBytes.
	ConnWindowBytes int
	// MaxEventBytes bounds one event, as sse.Options.MaxEventBytes. 0
	// means sse.DefaultMaxEventBytes.
	MaxEventBytes int
	// ReadBufferBytes is each connection's socket read buffer, in bytes:
	// one read takes in the frames of many streams. 0 means
	// DefaultReadBufferBytes.
	ReadBufferBytes int
	// Now is the clock for receive times. nil means time.Now.
	Now func() time.Time
}

// maxWindow is the largest flow-control window HTTP/2 allows.
const maxWindow = 1<<31 - 1

// target is what a Config's URL resolves to.
type target struct {
	scheme, authority, addr, path string
	tls                           *tls.Config // nil for h2c
}

// withDefaults validates c and fills in its defaults.
func (c Config) withDefaults() (Config, target, error) {
	var t target
	var errs []error
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		errs = append(errs, errors.New("h2sub: URL is required"))
	case err != nil:
		errs = append(errs, fmt.Errorf("h2sub: URL: %w", err))
	case u.Scheme != "http" && u.Scheme != "https":
		errs = append(errs, fmt.Errorf("h2sub: URL %q: scheme must be http (h2c) or https (h2)", c.URL))
	case u.Host == "":
		errs = append(errs, fmt.Errorf("h2sub: URL %q has no host", c.URL))
	default:
		t.scheme, t.authority, t.path = u.Scheme, u.Host, u.RequestURI()
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
		}
		t.addr = net.JoinHostPort(u.Hostname(), port)
		if u.Scheme == "https" {
			tc := &tls.Config{}
			if c.TLS != nil {
				tc = c.TLS.Clone()
			}
			// http/1.1 too, so that a server without h2 completes the
			// handshake and the failure can say what it chose.
			tc.NextProtos = []string{"h2", "http/1.1"}
			if tc.ServerName == "" {
				tc.ServerName = u.Hostname()
			}
			t.tls = tc
		}
	}
	for _, f := range []struct {
		name string
		v    int
		max  int
	}{
		{"MaxStreamsPerConn", c.MaxStreamsPerConn, maxWindow},
		{"MaxDials", c.MaxDials, 1 << 20},
		{"StreamWindowBytes", c.StreamWindowBytes, maxWindow},
		{"ConnWindowBytes", c.ConnWindowBytes, maxWindow},
		{"MaxEventBytes", c.MaxEventBytes, 1 << 30},
		{"ReadBufferBytes", c.ReadBufferBytes, 1 << 30},
	} {
		if f.v < 0 || f.v > f.max {
			errs = append(errs, fmt.Errorf("h2sub: %s must be in [0, %d], got %d", f.name, f.max, f.v))
		}
	}
	if c.HeaderTimeout < 0 {
		errs = append(errs, fmt.Errorf("h2sub: HeaderTimeout must be >= 0, got %s", c.HeaderTimeout))
	}
	if err := errors.Join(errs...); err != nil {
		return c, t, err
	}
	if c.Dial == nil {
		c.Dial = (&net.Dialer{}).DialContext
	}
	c.MaxDials = orDefault(c.MaxDials, DefaultMaxDials)
	c.HeaderTimeout = orDefault(c.HeaderTimeout, DefaultHeaderTimeout)
	c.StreamWindowBytes = orDefault(c.StreamWindowBytes, DefaultStreamWindowBytes)
	c.ConnWindowBytes = orDefault(c.ConnWindowBytes, DefaultConnWindowBytes)
	c.ReadBufferBytes = orDefault(c.ReadBufferBytes, DefaultReadBufferBytes)
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, t, nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}
