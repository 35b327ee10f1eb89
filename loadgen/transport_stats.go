package loadgen

import (
	"crypto/tls"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ssebench/ssebench/reports/result"
)

// transportStats is what a run's opener saw of its connections: the
// protocol and TLS version each subscriber got, the TCP connections opened
// and the HTTP/2 stream limit the server advertised. It is written once per
// connection or stream, never per event, so one mutex is enough.
type transportStats struct {
	conns     atomic.Int64 // TCP connections opened
	redirects atomic.Int64 // redirects subscribers followed (redirect.go)
	// h2Responses counts the HTTP/2 engine's responses: Sinks count them
	// without a lock.
	h2Responses atomic.Int64

	mu       sync.Mutex
	protos   map[string]int // Response.Proto → subscribers
	versions map[string]int // TLS version → connections
	// h2Limit is the lowest SETTINGS_MAX_CONCURRENT_STREAMS advertised; 0
	// when no server advertised one (the HTTP/2 engine then sets no limit per
	// connection) or over HTTP/1.1.
	h2Limit uint32
}

func newTransportStats() *transportStats {
	return &transportStats{protos: map[string]int{}, versions: map[string]int{}}
}

// response records the protocol a subscriber's response came in.
func (s *transportStats) response(resp *http.Response) {
	s.mu.Lock()
	s.protos[resp.Proto]++
	s.mu.Unlock()
}

// tlsVersion records a TLS connection's version.
func (s *transportStats) tlsVersion(v uint16) {
	s.mu.Lock()
	s.versions[tls.VersionName(v)]++
	s.mu.Unlock()
}

// h2Advertised records a new HTTP/2 connection's stream limit; ok is false
// when the server's first SETTINGS did not set one.
func (s *transportStats) h2Advertised(limit uint32, ok bool) {
	if !ok {
		return
	}
	s.mu.Lock()
	if s.h2Limit == 0 || limit < s.h2Limit {
		s.h2Limit = limit
	}
	s.mu.Unlock()
}

// transport returns the report's view of s.
func (s *transportStats) transport() result.Transport {
	s.mu.Lock()
	defer s.mu.Unlock()
	protos := s.protos
	if n := s.h2Responses.Load(); n > 0 {
		protos = maps.Clone(protos)
		protos["HTTP/2.0"] += int(n)
	}
	return result.Transport{
		Negotiated:             summarize(protos),
		TLS:                    summarize(s.versions),
		Connections:            int(s.conns.Load()),
		H2MaxConcurrentStreams: s.h2Limit,
	}
}

// summarize returns the one key of m, or "mixed: A (n), B (m)" in key order
// when there are several, or "" for none.
func summarize(m map[string]int) string {
	keys := slices.Sorted(maps.Keys(m))
	switch len(keys) {
	case 0:
		return ""
	case 1:
		return keys[0]
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s (%d)", k, m[k])
	}
	return "mixed: " + strings.Join(parts, ", ")
}
