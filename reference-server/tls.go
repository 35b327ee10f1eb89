package refserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"time"
)

// selfSignedValidity is how long a generated certificate is valid. The
// server holds it in memory only, so it never outlives the process by much.
const selfSignedValidity = 30 * 24 * time.Hour

// tlsConfig returns the TLS configuration cfg asks for, or nil without
// TLS. The certificate's ALPN list holds the TLS protocols cfg enables, h2
// first, so a client that offers both gets HTTP/2.
func tlsConfig(cfg *Config) (*tls.Config, error) {
	if !cfg.hasTLS() {
		return nil, nil
	}
	var cert tls.Certificate
	var err error
	if cfg.TLSSelfSigned {
		cert, err = selfSigned()
	} else {
		cert, err = tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
	}
	if err != nil {
		return nil, fmt.Errorf("refserver: TLS certificate: %w", err)
	}
	var alpn []string
	if cfg.serves(ProtoH2) {
		alpn = append(alpn, "h2")
	}
	if cfg.serves(ProtoH1TLS) {
		alpn = append(alpn, "http/1.1")
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		NextProtos:   alpn,
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// selfSigned generates an ECDSA P-256 certificate for localhost, 127.0.0.1
// and ::1. It is its own CA (so that curl --cacert and Go's x509.CertPool
// accept it as a root); its key exists only in this process.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "ssebench reference server (self-signed)"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:             now.Add(-time.Hour), // tolerate clock skew
		NotAfter:              now.Add(selfSignedValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}
