package loadgen

import (
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// TestRun_warningCodes runs against a server that refuses half the
// subscribers and sends events without a publish time: every warning of the
// result carries its stable code, in order, so CI can match on the code.
func TestRun_warningCodes(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	ts := newTestServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			http.Error(w, "full", http.StatusServiceUnavailable)
			return
		}
		sseHeaders(w)
		for i := 1; r.Context().Err() == nil; i++ {
			fmt.Fprintf(w, "id: %d\ndata: no stamp here\n\n", i)
			w.(http.Flusher).Flush()
			time.Sleep(20 * time.Millisecond)
		}
	}))
	t.Cleanup(ts.Close)
	rep, err := run(t, t.Context(), Config{URL: ts.URL, Subscribers: 4, Duration: 300 * time.Millisecond,
		LatencyOptions: LatencyOptions{Latency: nsStamp}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.WarningCodes) != len(rep.Warnings) {
		t.Fatalf("%d codes for %d warnings: %q %q", len(rep.WarningCodes), len(rep.Warnings), rep.WarningCodes, rep.Warnings)
	}
	for _, want := range []string{result.WarnNoStamp, result.WarnSubscribersFailed} {
		if !slices.Contains(rep.WarningCodes, want) {
			t.Errorf("warning codes %q lack %q (warnings %q)", rep.WarningCodes, want, rep.Warnings)
		}
	}
	for i, c := range rep.WarningCodes {
		if c == "" || c == result.WarnUnknown {
			t.Errorf("warning %q has code %q", rep.Warnings[i], c)
		}
	}
}
