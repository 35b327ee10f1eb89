package capacity_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/loadgen/capacity"
)

// TestBrowser_urlTemplate: with a per-subscriber URL template, the
// browser view's tabs (which, like the probes, send subscriber 0's
// request) dial the template's host and ask for subscriber 0's URL.
func TestBrowser_urlTemplate(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	done := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.RequestURI == "*" { // the HTTP/2 view's preface: this server speaks HTTP/1.1 only
			http.Error(w, "HTTP/1.1 only", http.StatusHTTPVersionNotSupported)
			return
		}
		mu.Lock()
		seen = append(seen, r.URL.RequestURI())
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		select { // until the client leaves, or the test ends
		case <-r.Context().Done():
		case <-done:
		}
	}))
	defer ts.Close()
	defer close(done) // before Close, which waits for the handlers
	base := loadgen.Config{URL: ts.URL + "/events?topic=t{sub%3}", Tool: "ssebench/test", ConnectTimeout: 2 * time.Second}
	if _, err := capacity.Browser(t.Context(), capacity.BrowserConfig{Base: base, Tabs: 2}); err != nil {
		t.Fatalf("Browser: %v", err)
	}
	mu.Lock()
	got := slices.Clone(seen)
	mu.Unlock()
	if len(got) == 0 {
		t.Fatal("the browser view sent no request")
	}
	for _, g := range got {
		if g != "/events?topic=t0" {
			t.Errorf("the browser view asked %q, want subscriber 0's /events?topic=t0", g)
		}
	}
}
