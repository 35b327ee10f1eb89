package loadgen

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// startTLSServer starts h over TLS on loopback, offering HTTP/2 through ALPN
// when h2 is set (else http/1.1 only), and returns the event stream URL and
// a --ca file that trusts the server.
func startTLSServer(t *testing.T, h http.Handler, h2 bool) (url, caFile string) {
	t.Helper()
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = quietLog // failed handshakes are what some tests want
	ts.EnableHTTP2 = h2
	ts.StartTLS()
	t.Cleanup(ts.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	return ts.URL + "/events", writeFile(t, t.TempDir(), "ca.pem", ca)
}

// quietLog discards a test server's log.
var quietLog = log.New(io.Discard, "", 0)

// testCert is a generated certificate and its key.
type testCert struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// newTestCert returns a certificate for cn signed by parent, or a
// self-signed CA when parent is nil.
func newTestCert(tb testing.TB, cn string, parent *testCert) *testCert {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	signer, signKey := tmpl, key
	if parent == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	} else {
		signer, signKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signKey)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	return &testCert{cert: c, key: key}
}

func certPEM(tb testing.TB, c *testCert) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw})
}

func keyPEM(tb testing.TB, c *testCert) []byte {
	tb.Helper()
	der, err := x509.MarshalECPrivateKey(c.key)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
}

// writeFile writes b to dir/name and returns the path.
func writeFile(tb testing.TB, dir, name string, b []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// holdStream is a handler that answers with an event stream and holds it.
var holdStream = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	sseHeaders(w)
	<-r.Context().Done()
})

func TestRun_tls(t *testing.T) {
	t.Parallel()
	url, ca := startTLSServer(t, holdStream, true)
	badCA := writeFile(t, t.TempDir(), "other-ca.pem", certPEM(t, newTestCert(t, "some other CA", nil)))
	tests := []struct {
		name      string
		proto     string
		opts      TargetOptions
		class     string // the failure class of every subscriber; "" = all connect
		wantProto string
	}{
		{name: "h1 with --ca", proto: ProtocolH1, opts: TargetOptions{CAFile: ca}, wantProto: "HTTP/1.1"},
		{name: "h2 with --ca", proto: ProtocolH2, opts: TargetOptions{CAFile: ca}, wantProto: "HTTP/2.0"},
		{name: "h1 --insecure", proto: ProtocolH1, opts: TargetOptions{Insecure: true}, wantProto: "HTTP/1.1"},
		{name: "h2 --insecure", proto: ProtocolH2, opts: TargetOptions{Insecure: true}, wantProto: "HTTP/2.0"},
		{name: "h1 untrusted", proto: ProtocolH1, class: ClassTLS},
		{name: "h1 wrong --ca", proto: ProtocolH1, opts: TargetOptions{CAFile: badCA}, class: ClassTLS},
		{name: "h2 wrong --ca", proto: ProtocolH2, opts: TargetOptions{CAFile: badCA}, class: ClassTLS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const subs = 3
			rep, err := run(t, t.Context(), Config{URL: url, Protocol: tt.proto, Subscribers: subs, Duration: 200 * time.Millisecond, TargetOptions: tt.opts})
			if tt.class != "" {
				if !errors.Is(err, ErrNothingMeasured) {
					t.Errorf("err = %v, want ErrNothingMeasured", err)
				}
				if got := rep.Errors[tt.class]; got != subs {
					t.Errorf("errors[%q] = %d, want %d (errors %v, samples %v)", tt.class, got, subs, rep.Errors, rep.ErrorSamples)
				}
				if s := rep.ErrorSamples[tt.class]; !strings.Contains(s, "certificate") {
					t.Errorf("sample %q does not say what was wrong with the certificate", s)
				}
				return
			}
			if err != nil {
				t.Fatalf("Run: %v (samples %v)", err, rep.ErrorSamples)
			}
			if got := rep.Subscribers.Connected; got != subs {
				t.Errorf("connected = %d, want %d (samples %v)", got, subs, rep.ErrorSamples)
			}
			if got := rep.Transport.Negotiated; got != tt.wantProto {
				t.Errorf("transport.negotiated = %q, want %q", got, tt.wantProto)
			}
			if got, want := rep.Transport.TLS, "TLS 1.3"; got != want {
				t.Errorf("transport.tls = %q, want %q", got, want)
			}
			if tt.proto == ProtocolH2 && rep.Transport.H2MaxConcurrentStreams == 0 {
				t.Error("transport.h2_max_concurrent_streams = 0, want the server's advertised limit")
			}
		})
	}
}

func TestRun_tlsClientCertificate(t *testing.T) {
	t.Parallel()
	ca := newTestCert(t, "client CA", nil)
	client := newTestCert(t, "subscriber-7", ca)
	dir := t.TempDir()
	certFile := writeFile(t, dir, "client.pem", certPEM(t, client))
	keyFile := writeFile(t, dir, "client.key", keyPEM(t, client))

	var sawCN atomic.Value
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawCN.Store(r.TLS.PeerCertificates[0].Subject.CommonName)
		holdStream(w, r)
	}))
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	ts.Config.ErrorLog = quietLog
	ts.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	ts.EnableHTTP2 = true
	ts.StartTLS()
	t.Cleanup(ts.Close)

	for _, proto := range []string{ProtocolH1, ProtocolH2} {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			rep, err := run(t, t.Context(), Config{URL: ts.URL, Protocol: proto, Subscribers: 2, Duration: 100 * time.Millisecond,
				TargetOptions: TargetOptions{Insecure: true, CertFile: certFile, KeyFile: keyFile}})
			if err != nil {
				t.Fatalf("Run: %v (samples %v)", err, rep.ErrorSamples)
			}
			if got, want := sawCN.Load(), "subscriber-7"; got != want {
				t.Errorf("server saw client certificate %v, want %q", got, want)
			}
		})
	}
	t.Run("without --cert", func(t *testing.T) {
		t.Parallel()
		rep, _ := run(t, t.Context(), Config{URL: ts.URL, Subscribers: 2, Duration: 100 * time.Millisecond, TargetOptions: TargetOptions{Insecure: true}})
		if got := rep.Errors[ClassTLS] + rep.Errors[ClassRead] + rep.Errors[ClassProtocol]; got != 2 || rep.Subscribers.Connected != 0 {
			t.Errorf("errors = %v, connected = %d: want both refused", rep.Errors, rep.Subscribers.Connected)
		}
	})
}

func TestRun_protocolMismatchNeverFallsBack(t *testing.T) {
	t.Parallel()
	tlsH1, ca := startTLSServer(t, holdStream, false) // ALPN offers http/1.1 only
	// No h2c. Go's server takes the HTTP/2 preface for an HTTP/1 request
	// whose context never ends (the rest of the preface reads as its body),
	// so this handler must not hold the stream.
	h1Only := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sseHeaders(w) }))
	t.Cleanup(h1Only.Close)
	tests := []struct {
		name, url, proto string
		opts             TargetOptions
		sample           []string // in the error sample and the warning
	}{
		{"h2 but ALPN http/1.1", tlsH1, ProtocolH2, TargetOptions{CAFile: ca}, []string{"asked for HTTP/2", `ALPN chose "http/1.1"`, "does not fall back"}},
		{"h2c but HTTP/1 only", h1Only.URL, ProtocolH2C, TargetOptions{}, []string{"asked for cleartext HTTP/2", "HTTP/1.1", "does not fall back"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const subs = 3
			rep, err := run(t, t.Context(), Config{URL: tt.url, Protocol: tt.proto, Subscribers: subs, Duration: 100 * time.Millisecond, TargetOptions: tt.opts})
			if !errors.Is(err, ErrNothingMeasured) {
				t.Errorf("err = %v, want ErrNothingMeasured", err)
			}
			if got := rep.Errors[ClassProtocolMismatch]; got != subs {
				t.Errorf("errors[%q] = %d, want %d (errors %v, samples %v)", ClassProtocolMismatch, got, subs, rep.Errors, rep.ErrorSamples)
			}
			var warning string
			for _, w := range rep.Warnings {
				if strings.Contains(w, ClassProtocolMismatch) {
					warning = w
				}
			}
			for _, want := range tt.sample {
				if s := rep.ErrorSamples[ClassProtocolMismatch]; !strings.Contains(s, want) {
					t.Errorf("sample %q lacks %q", s, want)
				}
				if !strings.Contains(warning, want) {
					t.Errorf("warnings %q: none has %q", rep.Warnings, want)
				}
			}
		})
	}
}
