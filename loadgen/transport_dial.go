package loadgen

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"net/url"

	"github.com/ssebench/ssebench/loadgen/transport"
)

// dialer makes the connections of a run: TCP from the source addresses in
// turn (transport.Dialer), then TLS for an https target. It counts what it
// opened.
type dialer struct {
	tcp   *transport.Dialer
	tls   *tls.Config // nil for cleartext
	stats *transportStats
}

// newDialer returns the dialer for cfg's target u; alpn is the protocols
// TLS offers.
func newDialer(cfg *Config, u *url.URL, ips []netip.Addr, alpn []string) (*dialer, error) {
	d := &dialer{tcp: transport.NewDialer(ips), stats: newTransportStats()}
	if u.Scheme == "https" {
		c, err := cfg.tlsConfig(u.Hostname(), alpn)
		if err != nil {
			return nil, err
		}
		d.tls = c
	}
	return d, nil
}

// dial connects to addr from source address n (modulo their number) and
// completes the TLS handshake for an https target. TLS failures come back
// as *ConnError; a *tls.Conn is returned for https.
func (d *dialer) dial(ctx context.Context, addr string, n uint64) (net.Conn, error) {
	c, err := d.tcp.Dial(ctx, addr, n)
	if err != nil {
		return nil, err
	}
	return d.finish(ctx, c)
}

// dialNext is dial from the next source address in turn.
func (d *dialer) dialNext(ctx context.Context, addr string) (net.Conn, error) {
	c, err := d.tcp.DialNext(ctx, addr)
	if err != nil {
		return nil, err
	}
	return d.finish(ctx, c)
}

// finish counts the new connection c and completes its TLS handshake for
// an https target.
func (d *dialer) finish(ctx context.Context, c net.Conn) (net.Conn, error) {
	d.stats.conns.Add(1)
	if d.tls == nil {
		return c, nil
	}
	tc, err := handshake(ctx, c, d.tls)
	if err != nil {
		return nil, err
	}
	d.stats.tlsVersion(tc.ConnectionState().Version)
	return tc, nil
}
