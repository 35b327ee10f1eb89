//go:build unix

package refserver

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// TestH2Conn_pingFlood sends PINGs without reading their
// acknowledgements: the frame-level engine queues a bounded amount of
// them, then closes the connection. (net/http bounds them too, by count.)
// The client's receive buffer is made small before it connects, so that
// the kernels hold few acknowledgements and the server's bound is what
// fills. Cleartext only: TLS would only make the flood slower to send.
func TestH2Conn_pingFlood(t *testing.T) {
	// Not parallel with the other tests: it loads the machine on purpose,
	// and their slow-reader checks would see it.
	e := mode("h2c").start(t, Config{})
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		rc.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10) })
		return err
	}}
	nc, err := d.DialContext(context.Background(), "tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(nc, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(nc, nc)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	// 17 bytes of acknowledgement each: 1,000,000 are far more than the
	// kernels' buffers and the server's bound together.
	for i := 0; i < 1_000_000 && err == nil; i++ {
		err = fr.WritePing(false, [8]byte{byte(i)})
	}
	var ne net.Error
	if err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("1,000,000 PINGs, none read: %v; want the server to close the connection", err)
	}
}
