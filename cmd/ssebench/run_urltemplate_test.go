package main

import (
	"bytes"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestRun_urlTemplateScenarioRoundTrips(t *testing.T) {
	t.Parallel()
	const tmpl = "http://127.0.0.1:1/events?topic=t{sub%4}"
	path := writeScenario(t, "s.yaml", "url: "+tmpl+"\nsubscribers: 8\n")
	cfg, _ := dryRun(t, "--scenario", path)
	if cfg["url"] != tmpl {
		t.Errorf("dry run url = %v, want the template %q", cfg["url"], tmpl)
	}
}

func TestRun_urlTemplateErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ url, want string }{
		{"http://127.0.0.1:1/events?topic={user}", "unknown placeholder {user}"},
		{"http://127.0.0.1:1/events?topic=t{sub%0}", "must be a positive integer"},
		{"http://127.0.0.1:1/events?topic=t{sub", `unbalanced "{"`},
		{"http://127.0.0.{sub%9}:1/events", "not in the scheme, host or port"},
	} {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := realMain([]string{"run", "--dry-run", tt.url}, &stdout, &stderr)
			if code != exitUsage || !strings.Contains(stderr.String(), tt.want) || !strings.Contains(stderr.String(), tt.url) {
				t.Errorf("run %s: exit %d, stderr %q; want exit %d naming the URL and saying %q", tt.url, code, stderr.String(), exitUsage, tt.want)
			}
		})
	}
}

// TestRun_urlTemplateShard runs shard 1/3 of 9 subscribers from the
// command line: {sub} must be the whole run's numbers 1, 4 and 7.
func TestRun_urlTemplateShard(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]int{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.RequestURI()]++
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer ts.Close()
	var stdout, stderr bytes.Buffer
	code := realMain([]string{"run", "--shard", "1/3", "--subscribers", "9", "--duration", "100ms", "--interval", "50ms",
		"--quiet", "--latency", "none", ts.URL + "/s/{sub}"}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	want := map[string]int{}
	for _, i := range []int{1, 4, 7} {
		want[fmt.Sprintf("/s/%d", i)] = 1
	}
	mu.Lock()
	defer mu.Unlock()
	if !maps.Equal(seen, want) {
		t.Errorf("shard 1/3 asked %v, want %v", seen, want)
	}
}
