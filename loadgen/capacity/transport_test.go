package capacity_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/loadgen/capacity"
	"github.com/ssebench/ssebench/reports/result"
)

// seen is what the server received in one request.
type seen struct {
	path, proto, method, body, host, lastEventID, extra, clientCN string
}

// seenServer is a TLS server that requires a client certificate, speaks
// HTTP/1.1 and HTTP/2 (two streams per connection), holds /events as an
// SSE stream, answers /publish, and records every request.
type seenServer struct {
	mu  sync.Mutex
	got []seen
}

func (s *seenServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	g := seen{path: r.URL.Path, proto: r.Proto, method: r.Method, body: string(body), host: r.Host,
		lastEventID: r.Header.Get("Last-Event-ID"), extra: r.Header.Get("X-Extra")}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		g.clientCN = r.TLS.PeerCertificates[0].Subject.CommonName
	}
	s.mu.Lock()
	s.got = append(s.got, g)
	s.mu.Unlock()
	if r.URL.Path == "/publish" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

// clientCert writes a self-signed client certificate and its key, and
// returns their files and the certificate.
func clientCert(t *testing.T, dir string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ssebench-client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem")
	write(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	write(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))
	return certFile, keyFile, cert
}

func write(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestTransport_everyRequestKind sends one configuration (method, body,
// headers, Host, Last-Event-ID, --ca, --cert/--key) through every kind of
// request ssebench sends to a TLS server that requires the client
// certificate, and checks what the server received.
func TestTransport_everyRequestKind(t *testing.T) {
	t.Parallel()
	runFor := func(d time.Duration, proto string, publish bool) func(context.Context, loadgen.Config) error {
		return func(ctx context.Context, cfg loadgen.Config) error {
			cfg.Subscribers, cfg.Duration, cfg.Protocol, cfg.Interval = 1, d, proto, 100*time.Millisecond
			if publish {
				cfg.PublishURL = strings.Replace(cfg.URL, "/events", "/publish", 1)
				cfg.PublishRate, cfg.PublishDrain = 10, 100*time.Millisecond
			}
			_, err := loadgen.Run(ctx, cfg)
			return err
		}
	}
	fakeRun := func(_ context.Context, c loadgen.Config) (*result.Report, error) {
		return &result.Report{
			Subscribers: result.Subscribers{Requested: c.Subscribers, Connected: c.Subscribers},
			Intervals:   []result.Interval{{ElapsedS: 0.1, Connected: c.Subscribers}},
			Ramp:        &result.Phase{DurationS: 0.05},
		}, nil
	}
	tests := []struct {
		name  string
		path  string // the path the requests of this kind go to
		proto string // the protocol the server saw
		send  func(context.Context, loadgen.Config) error
	}{
		{"subscriber h1", "/events", "HTTP/1.1", runFor(300*time.Millisecond, loadgen.ProtocolH1, false)},
		{"subscriber h2", "/events", "HTTP/2.0", runFor(300*time.Millisecond, loadgen.ProtocolH2, false)},
		{"publisher", "/publish", "", runFor(500*time.Millisecond, loadgen.ProtocolH1, true)},
		{"browser view", "/events", "", func(ctx context.Context, cfg loadgen.Config) error {
			_, err := capacity.Browser(ctx, capacity.BrowserConfig{Base: cfg, Tabs: 2})
			return err
		}},
		{"h2 probe", "/events", "HTTP/2.0", func(ctx context.Context, cfg loadgen.Config) error {
			_, err := capacity.ProbeConnections(ctx, capacity.ProbeConfig{Base: cfg, Max: 4, Run: fakeRun})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			certFile, keyFile, cert := clientCert(t, dir)
			pool := x509.NewCertPool()
			pool.AddCert(cert)
			srv := &seenServer{}
			ts := httptest.NewUnstartedServer(srv)
			ts.EnableHTTP2 = true
			ts.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: 2}
			ts.Config.ErrorLog = log.New(io.Discard, "", 0)
			ts.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
			ts.StartTLS()
			defer ts.Close()
			ca := filepath.Join(dir, "ca.pem")
			write(t, ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}))
			cfg := loadgen.Config{URL: ts.URL + "/events", Tool: "ssebench/test", ConnectTimeout: 2 * time.Second,
				TargetOptions: loadgen.TargetOptions{Method: http.MethodPost, Body: "hello", LastEventID: "7",
					Header: loadgen.RequestHeader{"X-Extra": {"yes"}, "Host": {"sse.test"}},
					CAFile: ca, CertFile: certFile, KeyFile: keyFile}}
			if err := tt.send(t.Context(), cfg); err != nil {
				t.Fatal(err)
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			var n int
			for _, g := range srv.got {
				if g.path != tt.path {
					continue
				}
				n++
				if g.clientCN != "ssebench-client" {
					t.Errorf("%+v: no client certificate", g)
				}
				if tt.proto != "" && g.proto != tt.proto {
					t.Errorf("%+v: want %s", g, tt.proto)
				}
				want := seen{path: g.path, proto: g.proto, method: "POST", body: "hello", host: "sse.test", lastEventID: "7", extra: "yes", clientCN: g.clientCN}
				if tt.path == "/events" && g != want {
					t.Errorf("the server got %+v, want %+v", g, want)
				}
			}
			if n == 0 {
				t.Errorf("no request to %s arrived; the server saw %+v", tt.path, srv.got)
			}
		})
	}
}
