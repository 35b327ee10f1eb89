package refserver

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeKeyPair writes a fresh self-signed certificate and its key as PEM
// files and returns their paths.
func writeKeyPair(tb testing.TB) (certFile, keyFile string) {
	tb.Helper()
	cert, err := selfSigned()
	if err != nil {
		tb.Fatal(err)
	}
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600); err != nil {
		tb.Fatal(err)
	}
	return certFile, keyFile
}

func TestServer_tlsFromFiles(t *testing.T) {
	t.Parallel()
	certFile, keyFile := writeKeyPair(t)
	for _, m := range []mode{"h2", "h2-stdlib"} {
		e := m.start(t, Config{Rate: 20, TLSCertFile: certFile, TLSKeyFile: keyFile})
		s := mustSubscribe(t, e.client, e.url+"/events")
		if s.resp.ProtoMajor != 2 || s.resp.TLS == nil || s.resp.TLS.NegotiatedProtocol != "h2" {
			t.Errorf("%s: ProtoMajor %d, TLS %v; want HTTP/2 over TLS", m, s.resp.ProtoMajor, s.resp.TLS != nil)
		}
		s.mustNext(t)
	}

	if _, err := New(Config{TLSCertFile: filepath.Join(t.TempDir(), "none.pem"), TLSKeyFile: keyFile}); err == nil ||
		!strings.Contains(err.Error(), "TLS certificate") {
		t.Errorf("New with a missing certificate file = %v, want a TLS certificate error", err)
	}
}

// TestServer_http1OverTLS covers the fourth protocol, h1-tls, which the
// test modes do not: HTTP/1.1 over TLS (ALPN http/1.1) keeps a handler
// goroutine, with a chunked body.
func TestServer_http1OverTLS(t *testing.T) {
	t.Parallel()
	e := mode("h2").start(t, Config{Rate: 20, Retry: 2 * time.Second})
	var p http.Protocols
	p.SetHTTP1(true)
	tr := &http.Transport{Protocols: &p, TLSClientConfig: e.tlsConfig(t, "http/1.1")}
	t.Cleanup(tr.CloseIdleConnections)
	s := mustSubscribe(t, &http.Client{Transport: tr}, e.url+"/events")
	if s.resp.ProtoMajor != 1 || s.resp.TLS == nil || s.resp.TLS.NegotiatedProtocol != "http/1.1" {
		t.Fatalf("ProtoMajor %d, TLS %+v; want HTTP/1.1 over TLS", s.resp.ProtoMajor, s.resp.TLS)
	}
	if lines, err := s.frame(); err != nil || strings.Join(lines, "|") != "retry: 2000" {
		t.Errorf("first frame %q, %v; want retry: 2000", lines, err)
	}
	a, b := s.mustNext(t), s.mustNext(t)
	if b.id != a.id+1 {
		t.Errorf("ids %d, %d; want consecutive", a.id, b.id)
	}
	if e.srv.Stats().Subscribers != 1 {
		t.Errorf("Subscribers = %d, want 1", e.srv.Stats().Subscribers)
	}
}
