package loadgen

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
)

// ALPN protocol IDs (RFC 7301 registry).
const (
	alpnH2    = "h2"
	alpnHTTP1 = "http/1.1"
)

// tlsFiles is what the --ca, --cert and --key files hold.
type tlsFiles struct {
	roots *x509.CertPool    // nil: the system roots
	certs []tls.Certificate // the client certificate, if any
}

// tlsFiles reads and checks the TLS files named by o; each error names its
// flag.
func (o *TargetOptions) tlsFiles() (tlsFiles, error) {
	var f tlsFiles
	var errs []error
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("--ca: %w", err))
		} else {
			f.roots = x509.NewCertPool()
			if !f.roots.AppendCertsFromPEM(pem) {
				errs = append(errs, fmt.Errorf("--ca %s: no PEM certificate found", o.CAFile))
			}
		}
	}
	switch {
	case o.CertFile != "" && o.KeyFile == "":
		errs = append(errs, errors.New("--cert needs --key (the client certificate's private key)"))
	case o.CertFile == "" && o.KeyFile != "":
		errs = append(errs, errors.New("--key needs --cert (the client certificate)"))
	case o.CertFile != "":
		c, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("--cert/--key: %w", err))
		} else {
			f.certs = []tls.Certificate{c}
		}
	}
	return f, errors.Join(errs...)
}

// tlsConfig returns the client TLS configuration for serverName, offering
// alpn. Sessions are not resumed across subscribers: each one pays a full
// handshake, as that many distinct clients would, so connect times are not
// flattered.
func (o *TargetOptions) tlsConfig(serverName string, alpn []string) (*tls.Config, error) {
	f, err := o.tlsFiles()
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		ServerName:         serverName,
		RootCAs:            f.roots,
		Certificates:       f.certs,
		InsecureSkipVerify: o.Insecure, //nolint:gosec // the user asked with --insecure
		NextProtos:         alpn,
	}, nil
}

// handshake runs the TLS client handshake over c within ctx. Failures are
// classified here, where they are still told apart from the TCP dial:
// "timeout" for the deadline, "tls" for everything else.
func handshake(ctx context.Context, c net.Conn, cfg *tls.Config) (*tls.Conn, error) {
	tc := tls.Client(c, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, &ConnError{Class: ClassTimeout, Err: fmt.Errorf("TLS handshake: %w", err)}
		}
		return nil, &ConnError{Class: ClassTLS, Err: fmt.Errorf("TLS handshake: %w", err)}
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
