// Command h2hold holds many event streams with the frame-level HTTP/2
// engine (loadgen/h2sub) alone, for benchmarks/h2/bench.sh: it measures
// what one stream costs the engine, without loadgen's runner and reports.
//
//	go run ./benchmarks/h2/h2hold -url http://127.0.0.1:29800/events -n 50000 -conns 8 -hold 20s
//
// It opens n streams, waits until every one has its headers, then holds
// them; with -measure it counts events and CPU time over that window and
// prints one line of key=value figures. Per stream it keeps what a load
// generator must: a count, the last sequence id (for gaps) and, per event,
// the fan-out latency from the reference server's pub_ns stamp into a
// shared HDR histogram.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/ssebench/ssebench/loadgen/h2sub"
	"github.com/ssebench/ssebench/loadgen/sse"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:29800/events", "event stream URL (http:// = h2c)")
	n := flag.Int("n", 1000, "streams to hold")
	conns := flag.Int("conns", 1, "spread the streams over at least this many connections")
	topics := flag.Int("topics", 0, "subscribe stream i to topic t<i mod topics> (0 = the default topic)")
	hold := flag.Duration("hold", 10*time.Second, "how long to hold the streams once all are open")
	warm := flag.Duration("warm", 2*time.Second, "wait this long after all are open before measuring")
	flag.Parse()
	if err := run(*url, *n, *conns, *topics, *warm, *hold); err != nil {
		fmt.Fprintln(os.Stderr, "h2hold:", err)
		os.Exit(1)
	}
}

// agg is what every stream records into.
type agg struct {
	open, ended, events, gaps atomic.Int64
	mu                        sync.Mutex
	lat                       *hdrhistogram.Histogram // µs
	latOOR                    int64
}

// sub is one stream's Sink: its own sequence state, the shared agg.
type sub struct {
	a       *agg
	lastSeq uint64
}

func (s *sub) OnHeaders(_ *h2sub.Stream, r *h2sub.Response) {
	if r.Status == 200 {
		s.a.open.Add(1)
	}
}

var stamp = []byte(`"pub_ns":`)

func (s *sub) OnEvent(_ *h2sub.Stream, ev *sse.Event) {
	a := s.a
	a.events.Add(1)
	if seq, ok := digits(ev.ID); ok {
		if s.lastSeq != 0 && seq > s.lastSeq+1 {
			a.gaps.Add(int64(seq - s.lastSeq - 1))
		}
		s.lastSeq = seq
	}
	if i := bytes.Index(ev.Data, stamp); i >= 0 {
		ns, _ := digits(ev.Data[i+len(stamp):])
		us := (ev.At.UnixNano() - int64(ns)) / 1000
		a.mu.Lock()
		if a.lat.RecordValue(us) != nil {
			a.latOOR++
		}
		a.mu.Unlock()
	}
}

// digits parses the decimal number b starts with.
func digits(b []byte) (uint64, bool) {
	var v uint64
	i := 0
	for ; i < len(b) && i < 19 && b[i] >= '0' && b[i] <= '9'; i++ {
		v = v*10 + uint64(b[i]-'0')
	}
	return v, i > 0
}

func (s *sub) OnComment(*h2sub.Stream, int) {}

func (s *sub) OnEnd(_ *h2sub.Stream, err error) (bool, time.Duration) {
	if err != h2sub.ErrClosed {
		s.a.ended.Add(1)
		fmt.Fprintln(os.Stderr, "stream ended:", err)
	}
	return false, 0
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func run(url string, n, conns, topics int, warm, hold time.Duration) error {
	cfg := h2sub.Config{URL: url, HeaderTimeout: 60 * time.Second}
	if conns > 1 {
		cfg.MaxStreamsPerConn = (n + conns - 1) / conns
	}
	c, err := h2sub.NewClient(cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	a := &agg{lat: hdrhistogram.New(1, 60_000_000, 3)}
	reqs := []*h2sub.Request{{}}
	if topics > 0 {
		reqs = make([]*h2sub.Request, topics)
		for i := range reqs {
			reqs[i] = &h2sub.Request{Path: fmt.Sprintf("/events?topic=t%d", i)}
		}
	}
	start := time.Now()
	for i := range n {
		c.Subscribe(reqs[i%len(reqs)], &sub{a: a}, "")
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	for a.open.Load()+a.ended.Load() < int64(n) {
		select {
		case <-sig:
			return fmt.Errorf("interrupted with %d of %d open", a.open.Load(), n)
		case <-time.After(10 * time.Millisecond):
		}
	}
	connect := time.Since(start)
	fmt.Fprintf(os.Stderr, "h2hold: %d streams open in %v on %d connections (%d failed)\n", a.open.Load(), connect.Round(time.Millisecond), c.Stats().Conns, a.ended.Load())
	time.Sleep(warm)
	cpu0, ev0, gap0, t0 := cpuTime(), a.events.Load(), a.gaps.Load(), time.Now()
	a.mu.Lock()
	a.lat.Reset()
	a.mu.Unlock()
	select {
	case <-sig:
	case <-time.After(hold):
	}
	cpu, ev, el := cpuTime()-cpu0, a.events.Load()-ev0, time.Since(t0)
	a.mu.Lock()
	p50, p99 := a.lat.ValueAtQuantile(50), a.lat.ValueAtQuantile(99)
	a.mu.Unlock()
	perEv := 0.0
	if ev > 0 {
		perEv = float64(cpu.Microseconds()) / float64(ev)
	}
	gaps := a.gaps.Load() - gap0
	ratio := 1.0
	if ev+gaps > 0 {
		ratio = float64(ev) / float64(ev+gaps)
	}
	fmt.Printf("streams=%d open=%d connect_s=%.2f conns=%d events=%d events_per_s=%.0f cpu_s=%.2f cpu_percent=%.0f us_per_event=%.3f gaps=%d delivery_ratio=%.6f p50_us=%d p99_us=%d ended=%d\n",
		n, a.open.Load(), connect.Seconds(), c.Stats().Conns, ev, float64(ev)/el.Seconds(), cpu.Seconds(),
		100*cpu.Seconds()/el.Seconds(), perEv, gaps, ratio, p50, p99, a.ended.Load())
	return nil
}
