package h2sub

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/ssebench/ssebench/loadgen/sse"
)

// churnSink reconnects every stream that ends, after 0-2 ms, and checks
// the Sink contract: calls for one stream never overlap, and nothing comes
// after ErrClosed.
type churnSink struct {
	t       *testing.T
	mu      sync.Mutex
	busy    map[*Stream]bool
	final   map[*Stream]bool // saw ErrClosed
	events  atomic.Int64
	ends    atomic.Int64
	classes sync.Map
}

func (c *churnSink) enter(s *Stream, what string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.busy[s] {
		c.t.Errorf("%s: overlapping calls for one stream", what)
	}
	if c.final[s] {
		c.t.Errorf("%s after the stream's final end", what)
	}
	c.busy[s] = true
}

func (c *churnSink) leave(s *Stream) {
	c.mu.Lock()
	c.busy[s] = false
	c.mu.Unlock()
}

func (c *churnSink) OnHeaders(s *Stream, _ *Response) { c.enter(s, "OnHeaders"); c.leave(s) }
func (c *churnSink) OnEvent(s *Stream, _ *sse.Event) {
	c.enter(s, "OnEvent")
	c.events.Add(1)
	c.leave(s)
}
func (c *churnSink) OnComment(s *Stream, _ int) { c.enter(s, "OnComment"); c.leave(s) }
func (c *churnSink) OnEnd(s *Stream, err error) (bool, time.Duration) {
	c.enter(s, "OnEnd")
	defer c.leave(s)
	c.ends.Add(1)
	if err == nil {
		c.t.Error("OnEnd with a nil error")
	}
	class := ClassOf(err)
	if errors.Is(err, ErrClosed) {
		class = "closed"
		c.mu.Lock()
		c.final[s] = true
		c.mu.Unlock()
	}
	n, _ := c.classes.LoadOrStore(class, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
	return true, time.Duration(rand.IntN(3)) * time.Millisecond
}

// TestClient_churn opens, fails, reconnects and closes streams
// concurrently against a server that answers at random, and checks that
// the engine neither deadlocks nor breaks the Sink contract (run it with
// -race).
func TestClient_churn(t *testing.T) {
	forEachMode(t, func(t *testing.T, mode string) {
		cfg, _ := startH2(t, mode, &http2.Server{MaxConcurrentStreams: 16}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch rand.IntN(6) {
			case 0:
				w.WriteHeader(500)
				return
			case 1:
				panic(http.ErrAbortHandler)
			}
			sseHeaders(w)
			for i := range rand.IntN(20) {
				fmt.Fprintf(w, "id: %d\ndata: x\n\n: c\n\n", i)
				w.(http.Flusher).Flush()
			}
			if rand.IntN(2) == 0 {
				panic(http.ErrAbortHandler)
			}
		}))
		cfg.HeaderTimeout = time.Second
		c, err := NewClient(cfg)
		if err != nil {
			t.Fatal(err)
		}
		sink := &churnSink{t: t, busy: map[*Stream]bool{}, final: map[*Stream]bool{}}
		var streams []*Stream
		for range 100 {
			streams = append(streams, c.Subscribe(&Request{}, sink, ""))
		}
		deadline := time.Now().Add(time.Second)
		for i := 0; time.Now().Before(deadline); i++ {
			time.Sleep(5 * time.Millisecond)
			if i%4 == 0 {
				// Calls of a frame being handled may still come after
				// Close (see Stream.Close), so the test does not count
				// closed streams as final.
				streams[rand.IntN(len(streams))].Close()
			}
		}
		done := make(chan struct{})
		go func() {
			c.Close()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Close did not return")
		}
		if sink.events.Load() == 0 || sink.ends.Load() < 100 {
			t.Errorf("events %d, ends %d: the churn did not churn", sink.events.Load(), sink.ends.Load())
		}
		if st := c.Stats(); st.Streams != 0 || st.Waiting != 0 {
			t.Errorf("Stats() after Close = %+v, want nothing open", st)
		}
	})
}
