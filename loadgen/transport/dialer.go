package transport

import (
	"context"
	"net"
	"net/netip"
	"sync/atomic"
)

// Dialer opens TCP connections to the target from the source addresses
// (--source-ips) in turn, or from the address the system picks without
// them. It is safe for concurrent use.
type Dialer struct {
	nets []net.Dialer // one per source address; one zero Dialer without --source-ips
	next atomic.Uint64
}

// NewDialer returns a Dialer over ips (ParseSourceIPs); none means the
// system picks the source address.
func NewDialer(ips []netip.Addr) *Dialer {
	d := &Dialer{}
	if len(ips) == 0 {
		d.nets = []net.Dialer{{}}
	}
	for _, ip := range ips {
		d.nets = append(d.nets, net.Dialer{
			LocalAddr: &net.TCPAddr{IP: ip.AsSlice()},
			Control:   bindNoPort,
		})
	}
	return d
}

// Dial connects to addr from source address n (modulo their number).
func (d *Dialer) Dial(ctx context.Context, addr string, n uint64) (net.Conn, error) {
	return d.nets[n%uint64(len(d.nets))].DialContext(ctx, "tcp", addr)
}

// DialNext is Dial from the next source address in turn.
func (d *Dialer) DialNext(ctx context.Context, addr string) (net.Conn, error) {
	return d.Dial(ctx, addr, d.next.Add(1)-1)
}
