package loadgen

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/ssebench/ssebench/loadgen/transport"
)

// ALPN protocol IDs (RFC 7301 registry).
const (
	alpnH2    = transport.ALPNH2
	alpnHTTP1 = transport.ALPNHTTP1
)

// tlsOptions returns o's TLS settings: --insecure, --ca, --cert and --key.
func (o *TargetOptions) TLSOptions() transport.TLSOptions {
	return transport.TLSOptions{Insecure: o.Insecure, CAFile: o.CAFile, CertFile: o.CertFile, KeyFile: o.KeyFile}
}

// tlsConfig returns the client TLS configuration for serverName, offering
// alpn (transport.TLSOptions.Config).
func (o *TargetOptions) tlsConfig(serverName string, alpn []string) (*tls.Config, error) {
	return o.TLSOptions().Config(serverName, alpn)
}

// handshake runs the TLS client handshake over c within ctx. Failures are
// classified here, where they are still told apart from the TCP dial:
// "timeout" for the deadline, "tls" for everything else.
func handshake(ctx context.Context, c net.Conn, cfg *tls.Config) (*tls.Conn, error) {
	tc, err := transport.Handshake(ctx, c, cfg)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, &ConnError{Class: ClassTimeout, Err: err}
		}
		return nil, &ConnError{Class: ClassTLS, Err: err}
	}
	return tc, nil
}

// alpnMismatch returns the protocol_mismatch failure for a TLS connection
// whose ALPN result is not want, or nil when it is.
func alpnMismatch(tc *tls.Conn, want string) *ConnError {
	got := tc.ConnectionState().NegotiatedProtocol
	if got == want {
		return nil
	}
	chose := fmt.Sprintf("the server's TLS ALPN chose %q", got)
	if got == "" {
		chose = "the server's TLS handshake negotiated no ALPN protocol (so HTTP/1.1)"
	}
	return &ConnError{Class: ClassProtocolMismatch, Err: fmt.Errorf(
		"asked for HTTP/2 (--protocol h2, ALPN %q) but %s; ssebench does not fall back to HTTP/1.1 (use --protocol h1 to measure over HTTP/1.1)", want, chose)}
}
