package shard

import (
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ssebench/ssebench/loadgen"
)

// TestApply_urlTemplateUsesRunIndexes runs shard 1 of 3 of a 9-subscriber
// run against a real server: its subscribers are numbers 1, 4 and 7 of the
// run, and {sub} in the URL must say so.
func TestApply_urlTemplateUsesRunIndexes(t *testing.T) {
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
	cfg := loadgen.Config{URL: ts.URL + "/s/{sub}?topic=t{sub%2}", Subscribers: 9, Duration: 100 * time.Millisecond, Interval: 50 * time.Millisecond}
	if _, err := (Plan{Index: 1, Count: 3}).Apply(&cfg); err != nil {
		t.Fatal(err)
	}
	rep, err := loadgen.Run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := map[string]int{}
	for _, i := range []int{1, 4, 7} {
		want[fmt.Sprintf("/s/%d?topic=t%d", i, i%2)] = 1
	}
	mu.Lock()
	defer mu.Unlock()
	if !maps.Equal(seen, want) {
		t.Errorf("shard 1/3 asked %v, want %v", seen, want)
	}
	if rep.Target != ts.URL+"/s/{sub}?topic=t{sub%2}" {
		t.Errorf("target = %q, want the template", rep.Target)
	}
}
