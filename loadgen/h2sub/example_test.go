package h2sub_test

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/ssebench/ssebench/loadgen/h2sub"
	"github.com/ssebench/ssebench/loadgen/sse"
)

// counter is a Sink for many streams: it counts events and reconnects a
// stream that the server ended, after the server's retry: delay.
type counter struct{ events atomic.Int64 }

func (c *counter) OnHeaders(s *h2sub.Stream, r *h2sub.Response) {}
func (c *counter) OnEvent(s *h2sub.Stream, ev *sse.Event)       { c.events.Add(1) }
func (c *counter) OnComment(s *h2sub.Stream, n int)             {}
func (c *counter) OnEnd(s *h2sub.Stream, err error) (bool, time.Duration) {
	if h2sub.ClassOf(err) != h2sub.ClassEOF {
		return false, 0 // a failure: stop, as EventSource does for a bad response
	}
	d, ok := s.Retry()
	if !ok {
		d = 3 * time.Second
	}
	return true, d
}

// Example holds 10,000 streams of one server over as few HTTP/2
// connections as its stream limit allows. One Sink serves them all; it is
// called from every connection's goroutine, hence the atomic counter.
func Example() {
	c, err := h2sub.NewClient(h2sub.Config{URL: "http://127.0.0.1:8080/events"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	sink := &counter{}
	req := &h2sub.Request{} // GET the URL's path, shared by every stream
	for range 10_000 {
		c.Subscribe(req, sink, "")
	}
	time.Sleep(time.Minute)
	fmt.Println(c.Stats(), sink.events.Load())
}
