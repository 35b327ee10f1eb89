//go:build !linux

package transport

import "syscall"

// bindNoPort is a no-op where IP_BIND_ADDRESS_NO_PORT does not exist: the
// dial binds its source address with a port of its own.
func bindNoPort(network, address string, c syscall.RawConn) error { return nil }

// LocalPorts is unknown off Linux; the port precheck is then skipped and a
// run that runs out of ports reports "local_ports" failures instead.
func LocalPorts() (int, bool) { return 0, false }
