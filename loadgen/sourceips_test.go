package loadgen

import (
	"maps"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestRun_sourceIPsReachServer(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]map[string]int{} // protocol → remote IP → requests
	url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		mu.Lock()
		p := r.Header.Get("X-Proto")
		if seen[p] == nil {
			seen[p] = map[string]int{}
		}
		seen[p][host]++
		mu.Unlock()
		holdStream(w, r)
	}))
	tests := []struct {
		proto string
		conns int
		want  map[string]int // requests per source address
	}{
		{ProtocolH1, 1, map[string]int{"127.0.0.2": 2, "127.0.0.3": 2, "127.0.0.4": 2}},
		// Two connections, one per slot, each from the next address.
		{ProtocolH2C, 2, map[string]int{"127.0.0.2": 3, "127.0.0.3": 3}},
	}
	for _, tt := range tests {
		t.Run(tt.proto, func(t *testing.T) {
			t.Parallel()
			rep, err := run(t, t.Context(), Config{URL: url, Protocol: tt.proto, Connections: tt.conns, Subscribers: 6, Duration: 100 * time.Millisecond,
				TargetOptions: TargetOptions{SourceIPs: "127.0.0.2-127.0.0.4", Header: RequestHeader{"X-Proto": {tt.proto}}}})
			if err != nil {
				t.Fatalf("Run: %v (samples %v)", err, rep.ErrorSamples)
			}
			mu.Lock()
			defer mu.Unlock()
			if got := seen[tt.proto]; !maps.Equal(got, tt.want) {
				t.Errorf("server saw requests from %v, want %v", got, tt.want)
			}
		})
	}
}
