package capacity_test

import (
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/loadgen/capacity"
	"github.com/ssebench/ssebench/reports/result"
)

// recorder is a TLS SSE server (HTTP/1.1 and HTTP/2, two streams per
// connection) that records what each request carried.
type recorder struct {
	mu   sync.Mutex
	seen []string // "HTTP/2.0 POST body"
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.seen = append(rec.seen, fmt.Sprintf("%s %s %s", r.Proto, r.Method, body))
	rec.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	<-r.Context().Done()
}

func (rec *recorder) requests() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.seen...)
}

// startRecorder starts rec over TLS and returns the target configuration
// that trusts it (--ca) and asks for POST with a body.
func startRecorder(t *testing.T, rec *recorder) loadgen.Config {
	t.Helper()
	ts := httptest.NewUnstartedServer(rec)
	ts.EnableHTTP2 = true
	ts.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: 2}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return loadgen.Config{URL: ts.URL + "/events", ConnectTimeout: 2 * time.Second, Tool: "ssebench/test",
		TargetOptions: loadgen.TargetOptions{Method: http.MethodPost, Body: "hello", CAFile: ca}}
}

// checkRequests fails unless every request rec saw was a POST of "hello",
// and at least one came over each protocol in protos.
func checkRequests(t *testing.T, rec *recorder, protos ...string) {
	t.Helper()
	got := rec.requests()
	for _, proto := range protos {
		want := proto + " POST hello"
		n := 0
		for _, g := range got {
			if g == want {
				n++
			}
		}
		if n == 0 {
			t.Errorf("no request %q; the server saw %q", want, got)
		}
	}
	for _, g := range got {
		if g[len(g)-len(" POST hello"):] != " POST hello" {
			t.Errorf("the server saw %q, want every request to be POST hello", g)
		}
	}
}

// TestBrowser_sendsBody: the browser view's tabs send the method and body
// the run sends, over HTTP/1.1 and HTTP/2.
func TestBrowser_sendsBody(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	v, err := capacity.Browser(t.Context(), capacity.BrowserConfig{Base: startRecorder(t, rec), Tabs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if v.H1.Served != 2 || v.H2.Served != 2 {
		t.Errorf("served h1 %d (%s), h2 %d (%s); want 2 and 2", v.H1.Served, v.H1.Sample+v.H1.Error, v.H2.Served, v.H2.Sample+v.H2.Error)
	}
	checkRequests(t, rec, "HTTP/1.1", "HTTP/2.0")
}

// TestProbeH2_sendsBody: the HTTP/2 probe's streams carry the body the run
// sends.
func TestProbeH2_sendsBody(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	run := func(_ context.Context, c loadgen.Config) (*result.Report, error) {
		return &result.Report{
			Subscribers: result.Subscribers{Requested: c.Subscribers, Connected: c.Subscribers},
			Intervals:   []result.Interval{{ElapsedS: 0.1, Connected: c.Subscribers}},
			Ramp:        &result.Phase{DurationS: 0.05},
		}, nil
	}
	p, err := capacity.ProbeConnections(t.Context(), capacity.ProbeConfig{Base: startRecorder(t, rec), Max: 4, Run: run})
	if err != nil {
		t.Fatal(err)
	}
	if p.H2 == nil || !p.H2.Supported || p.H2.MaxConcurrentStreams != 2 || p.H2.Answered != 2 {
		t.Fatalf("H2 probe = %+v, want 2 streams answered of a limit of 2", p.H2)
	}
	checkRequests(t, rec, "HTTP/2.0")
}
