package h2sub

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/ssebench/ssebench/loadgen/sse"
)

// hookSink is a recSink that is also a SentSink and a CommentSink: it
// records the order of comment lines and events, and the requests sent.
type hookSink struct {
	*recSink
	sent  atomic.Int64
	mu    sync.Mutex
	order []string // "c:<text>" and "e:<data>", as the calls came
}

func (h *hookSink) OnSent(*Stream) { h.sent.Add(1) }

func (h *hookSink) OnCommentLine(_ *Stream, text []byte) {
	h.mu.Lock()
	h.order = append(h.order, "c:"+string(text))
	h.mu.Unlock()
}

func (h *hookSink) OnEvent(s *Stream, ev *sse.Event) {
	h.mu.Lock()
	h.order = append(h.order, "e:"+string(ev.Data))
	h.mu.Unlock()
	h.recSink.OnEvent(s, ev)
}

// TestClient_hooks: Ready reports the server's stream limit once per
// connection, DialTLS replaces the Client's own handshake, OnSent comes
// once per opening, comment lines come in stream order before the events
// after them, and SetRequest moves the next opening to another path.
func TestClient_hooks(t *testing.T) {
	forEachMode(t, func(t *testing.T, mode string) {
		checkNoLeak(t)
		var paths sync.Map
		cfg, _ := startH2(t, mode, &http2.Server{MaxConcurrentStreams: 7}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			paths.Store(r.URL.Path, true)
			sseHeaders(w)
			fmt.Fprint(w, ": one\ndata: a\n\n: two\ndata: b\n\n")
			w.(http.Flusher).Flush()
			if r.URL.Path == "/events" {
				return // end the stream: the Sink moves it to /moved
			}
			<-r.Context().Done()
		}))
		var limits []uint32
		var lmu sync.Mutex
		cfg.Ready = func(n uint32, ok bool) {
			lmu.Lock()
			defer lmu.Unlock()
			if ok {
				limits = append(limits, n)
			}
		}
		var tlsDials atomic.Int64
		if mode == "h2" {
			conf := cfg.TLS.Clone()
			conf.NextProtos = []string{"h2"}
			cfg.DialTLS = func(ctx context.Context, network, addr string) (net.Conn, error) {
				tlsDials.Add(1)
				return (&tls.Dialer{Config: conf}).DialContext(ctx, network, addr)
			}
		}
		c := newClient(t, cfg)
		sink := &hookSink{recSink: newRecSink()}
		moved := &Request{Path: "/moved"}
		sink.again = func(s *Stream, err error) (bool, time.Duration) {
			if ClassOf(err) == ClassEOF {
				s.SetRequest(moved)
				return true, 0
			}
			return false, 0
		}
		s := c.Subscribe(&Request{}, sink, "")
		sink.wait(t, "four events over two openings", func(m map[*Stream]*got) bool { return m[s] != nil && len(m[s].events) == 4 })
		if _, ok := paths.Load("/moved"); !ok {
			t.Error("the second opening did not go to the path SetRequest gave")
		}
		if got := sink.sent.Load(); got != 2 {
			t.Errorf("OnSent calls = %d, want 2 (one per opening)", got)
		}
		sink.mu.Lock()
		order := strings.Join(sink.order, " ")
		sink.mu.Unlock()
		if want := "c:one e:a c:two e:b c:one e:a c:two e:b"; order != want {
			t.Errorf("calls in order %q, want %q", order, want)
		}
		lmu.Lock()
		if len(limits) != 1 || limits[0] != 7 {
			t.Errorf("Ready reported %v, want [7] (one connection, SETTINGS_MAX_CONCURRENT_STREAMS 7)", limits)
		}
		lmu.Unlock()
		if mode == "h2" && tlsDials.Load() != 1 {
			t.Errorf("DialTLS calls = %d, want 1", tlsDials.Load())
		}
	})
}
