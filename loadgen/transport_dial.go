package loadgen

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"net/url"
	"sync/atomic"
)

// dialer makes the connections of a run: TCP from the source addresses in
// turn, then TLS for an https target. It counts what it opened.
type dialer struct {
	nets  []net.Dialer // one per source address; one zero Dialer without --source-ips
	next  atomic.Uint64
	tls   *tls.Config // nil for cleartext
	stats *transportStats
}

// newDialer returns the dialer for cfg's target u; alpn is the protocols
// TLS offers.
func newDialer(cfg *Config, u *url.URL, ips []netip.Addr, alpn []string) (*dialer, error) {
	d := &dialer{stats: newTransportStats()}
	if len(ips) == 0 {
		d.nets = []net.Dialer{{}}
	}
	for _, ip := range ips {
		d.nets = append(d.nets, net.Dialer{
			LocalAddr: &net.TCPAddr{IP: ip.AsSlice()},
			Control:   bindNoPort,
		})
	}
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
	c, err := d.nets[n%uint64(len(d.nets))].DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
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

// dialNext is dial from the next source address in turn.
func (d *dialer) dialNext(ctx context.Context, addr string) (net.Conn, error) {
	return d.dial(ctx, addr, d.next.Add(1)-1)
}
