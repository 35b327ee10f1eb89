package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// protocols lists the protocols every loadgen behaviour is tested over.
var protocols = []string{ProtocolH1, ProtocolH2C}

// newTestServer starts h on a real loopback server that speaks HTTP/1.1 and
// cleartext HTTP/2, so one server serves every client protocol.
func newTestServer(h http.Handler) *httptest.Server {
	ts := httptest.NewUnstartedServer(h)
	ts.Config.Protocols = new(http.Protocols)
	ts.Config.Protocols.SetHTTP1(true)
	ts.Config.Protocols.SetUnencryptedHTTP2(true)
	ts.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: 10000}
	ts.Start()
	return ts
}

// nsStamp is the test latency source: the event data starts with a decimal
// publish time in Unix nanoseconds, optionally followed by a space.
var nsStamp = WallClockStamp{Source: "test", Parse: parseNS}

func parseNS(data []byte) (int64, bool) {
	end := 0
	for end < len(data) && data[end] >= '0' && data[end] <= '9' {
		end++
	}
	v, err := strconv.ParseInt(string(data[:end]), 10, 64)
	return v, err == nil
}

// sseHeaders writes a 200 event-stream response header and flushes it.
func sseHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
}

// run runs cfg with test defaults and fails the test on a config error.
func run(t *testing.T, ctx context.Context, cfg Config) (*result.Report, error) {
	t.Helper()
	if cfg.Interval == 0 {
		cfg.Interval = 100 * time.Millisecond
	}
	if cfg.Tool == "" {
		cfg.Tool = "ssebench/test"
	}
	rep, err := Run(ctx, cfg)
	if rep == nil {
		t.Fatalf("Run returned no report: %v", err)
	}
	return rep, err
}

// checkValidate checks a Validate error against want: "" means valid,
// otherwise the error must contain want (usually the flag it names).
func checkValidate(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("Validate() = %v, want nil", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("Validate() = %v, want an error containing %q", err, want)
	}
}
