package transport

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
	// ALPNH2 is HTTP/2 over TLS.
	ALPNH2 = "h2"
	// ALPNHTTP1 is HTTP/1.1.
	ALPNHTTP1 = "http/1.1"
)

// TLSOptions are the client's TLS settings for an https target: the
// --insecure, --ca, --cert and --key flags.
type TLSOptions struct {
	// Insecure skips verification of the server's certificate.
	Insecure bool
	// CAFile is a PEM file of the certificate authorities to trust
	// instead of the system's. "" means the system roots.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and its key.
	// Both or neither.
	CertFile string
	// KeyFile is the private key of CertFile.
	KeyFile string
}

// TLSFiles is what the --ca, --cert and --key files hold.
type TLSFiles struct {
	// Roots are the trusted authorities; nil means the system roots.
	Roots *x509.CertPool
	// Certs is the client certificate, if any.
	Certs []tls.Certificate
}

// Files reads and checks the files named by o; each error names its flag.
func (o TLSOptions) Files() (TLSFiles, error) {
	var f TLSFiles
	var errs []error
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("--ca: %w", err))
		} else {
			f.Roots = x509.NewCertPool()
			if !f.Roots.AppendCertsFromPEM(pem) {
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
			f.Certs = []tls.Certificate{c}
		}
	}
	return f, errors.Join(errs...)
}

// Config returns the client TLS configuration for serverName, offering
// alpn. Sessions are not resumed across connections: each one pays a full
// handshake, as that many distinct clients would, so connect times are not
// flattered.
func (o TLSOptions) Config(serverName string, alpn []string) (*tls.Config, error) {
	f, err := o.Files()
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		ServerName:         serverName,
		RootCAs:            f.Roots,
		Certificates:       f.Certs,
		InsecureSkipVerify: o.Insecure, //nolint:gosec // the user asked with --insecure
		NextProtos:         alpn,
	}, nil
}

// Handshake runs the TLS client handshake over c within ctx. On failure it
// closes c and returns the error, prefixed "TLS handshake: ".
func Handshake(ctx context.Context, c net.Conn, cfg *tls.Config) (*tls.Conn, error) {
	tc := tls.Client(c, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}
