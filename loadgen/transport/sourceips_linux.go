package transport

import (
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// bindNoPort is the net.Dialer Control for dials from a source address. A
// dial with a LocalAddr binds before it connects, and bind picks a port that
// no other socket on that address holds, TIME_WAIT ones included, so a
// second run right after a large one would find few ports free.
// IP_BIND_ADDRESS_NO_PORT (Linux 4.2) defers the port choice to connect,
// which only needs the 4-tuple to be unique and may reuse TIME_WAIT ports,
// as a dial without a source address does. HAProxy and Envoy do the same.
func bindNoPort(network, address string, c syscall.RawConn) error {
	return c.Control(func(fd uintptr) {
		// An error (a kernel without the option) is ignored: the dial
		// still works, binding the old way.
		_ = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	})
}

// LocalPorts returns how many ephemeral ports one source address has for
// connections to one server address (ip_local_port_range), and false when
// that is unknown.
func LocalPorts() (int, bool) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0, false
	}
	lo, err1 := strconv.Atoi(f[0])
	hi, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil || hi < lo {
		return 0, false
	}
	return hi - lo + 1, true
}
