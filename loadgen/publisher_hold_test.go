package loadgen

import (
	"net/http"
	"testing"
	"time"

	"github.com/ssebench/ssebench/loadgen/publish"
)

// holdHeaders is a ResponseWriter that sends nothing, status line and
// headers included, until the handler writes the first byte of the body:
// how several SSE libraries answer a subscription.
type holdHeaders struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (h *holdHeaders) WriteHeader(code int) { h.code = code }

func (h *holdHeaders) Write(p []byte) (int, error) {
	if !h.wrote {
		h.wrote = true
		h.ResponseWriter.WriteHeader(h.code)
	}
	return h.ResponseWriter.Write(p)
}

func (h *holdHeaders) Flush() {
	if h.wrote {
		h.ResponseWriter.(http.Flusher).Flush()
	}
}

// TestRun_publisher_serverHoldsHeadersUntilFirstEvent runs publisher mode
// against a server that sends its response headers only with its first
// event: publishing starts once the requests are out, every subscriber
// connects, every event is delivered, and a warning says what happened.
func TestRun_publisher_serverHoldsHeadersUntilFirstEvent(t *testing.T) {
	t.Parallel()
	const subs, rate = 20, 20
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			ps := &pubsub{}
			srv := newTestServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					w = &holdHeaders{ResponseWriter: w, code: http.StatusOK}
				}
				ps.ServeHTTP(w, r)
			}))
			t.Cleanup(srv.Close)
			rep, err := run(t, t.Context(), Config{URL: srv.URL + "/events", Protocol: proto, Subscribers: subs, Duration: 2 * time.Second,
				ConnectTimeout: 5 * time.Second, LatencyOptions: LatencyOptions{PublishURL: srv.URL + "/publish", PublishRate: rate}})
			if err != nil {
				t.Fatalf("%v (errors %v)", err, rep.Errors)
			}
			if s := rep.Subscribers; s.Connected != subs || s.Failed != 0 || len(rep.Errors) != 0 {
				t.Fatalf("connected %d, failed %d, errors %v; want %d, 0, none", s.Connected, s.Failed, rep.Errors, subs)
			}
			if rep.DeliveryRatio == nil || *rep.DeliveryRatio != 1 {
				t.Errorf("delivery_ratio = %v, want exactly 1 (warnings %q)", ptrString(rep.DeliveryRatio), rep.Warnings)
			}
			if !warnsAbout(rep.Warnings, "held its response headers until its first event") {
				t.Errorf("warnings = %q, want one about the held headers", rep.Warnings)
			}
			// The connect time includes the wait for the first event.
			if c := rep.LatencyUS.Connect; c.P50 < publish.HeaderHold.Microseconds() {
				t.Errorf("connect p50 = %d µs, want at least the %s the server held the headers", c.P50, publish.HeaderHold)
			}
		})
	}
}
