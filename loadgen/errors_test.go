package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
)

func TestClassifyDial(t *testing.T) {
	t.Parallel()
	dialErr := func(errno error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)}
	}
	tls := &ConnError{Class: ClassTLS, Err: errors.New("x509: unknown authority")}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"refused", dialErr(syscall.ECONNREFUSED), ClassDial},
		{"ephemeral ports exhausted", dialErr(syscall.EADDRNOTAVAIL), ClassLocalPorts},
		{"source port taken", &net.OpError{Op: "dial", Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}, ClassLocalPorts},
		{"descriptors exhausted", &net.OpError{Op: "dial", Err: os.NewSyscallError("socket", syscall.EMFILE)}, ClassFDLimit},
		{"system file table full", &net.OpError{Op: "dial", Err: os.NewSyscallError("socket", syscall.ENFILE)}, ClassFDLimit},
		{"deadline", &net.OpError{Op: "dial", Err: context.DeadlineExceeded}, ClassTimeout},
		{"opener's verdict kept", fmt.Errorf("wrapped: %w", tls), ClassTLS},
		{"anything else", errors.New("malformed HTTP response"), ClassProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := classifyDial(tt.err).Class; got != tt.want {
				t.Errorf("classifyDial(%v).Class = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}
