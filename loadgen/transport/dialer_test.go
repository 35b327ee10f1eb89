package transport

import (
	"net"
	"net/netip"
	"runtime"
	"testing"
)

// TestDialer_sourceIPs: connections leave from the source addresses in
// turn, as the server sees them.
func TestDialer_sourceIPs(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("127.0.0.2 and up are loopback addresses on Linux only")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ips, err := ParseSourceIPs("127.0.0.2-127.0.0.3")
	if err != nil {
		t.Fatal(err)
	}
	d := NewDialer(ips)
	for _, want := range []string{"127.0.0.2", "127.0.0.3", "127.0.0.2"} {
		c, err := d.DialNext(t.Context(), ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		s, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		got := netip.MustParseAddrPort(s.RemoteAddr().String()).Addr().String()
		c.Close()
		s.Close()
		if got != want {
			t.Errorf("the server saw %s, want %s", got, want)
		}
	}
	if c, err := NewDialer(nil).DialNext(t.Context(), ln.Addr().String()); err != nil {
		t.Errorf("without source addresses: %v", err)
	} else {
		c.Close()
	}
}
