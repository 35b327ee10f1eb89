package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssebench/ssebench/loadgen/stamp"
)

// pubsub is an in-test pub/sub server in the style of nchan or Mercure:
// POST /publish fans the body out to every GET /events subscriber, wrapped
// in the server's own JSON envelope (the body becomes an escaped string),
// so ssebench's marker is somewhere inside, never at the start.
type pubsub struct {
	// drop, when set, swallows publish number n (from 1): it is answered
	// 201 like any other but reaches no subscriber.
	drop func(n int) bool
	// stall, when set, delays the answer to publish number n; publishes
	// are served one at a time, so a stall holds up every later one.
	stall func(n int) time.Duration
	// copies, when set, says how many copies of publish n subscription
	// number sub (from 0, in the order they came) gets; 1 without it.
	copies func(sub, n int) int
	// cut, when set, ends subscription sub's stream right after publish n
	// when it returns true.
	cut func(sub, n int) bool
	// replay, when > 0, makes the server keep every frame and answer a
	// subscription with a Last-Event-ID L by first replaying the frames
	// from L-replay+1 on: the last replay frames it had, again (a sloppy
	// resume), and everything published since. retry: 20 starts every
	// stream.
	replay int

	serial    sync.Mutex // one publish at a time
	mu        sync.Mutex
	subs      map[chan []byte]int
	nsubs     int
	history   [][]byte
	published int
	dropped   atomic.Int64
}

func (ps *pubsub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/publish":
		ps.publish(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/events":
		ps.subscribe(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (ps *pubsub) publish(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	ps.serial.Lock()
	defer ps.serial.Unlock()
	ps.mu.Lock()
	ps.published++
	n := ps.published
	if ps.drop != nil && ps.drop(n) {
		ps.dropped.Add(1)
	} else {
		env, _ := json.Marshal(map[string]any{"channel": "test", "id": n, "message": string(body)})
		frame := fmt.Appendf(nil, "id: %d\ndata: %s\n\n", n, env)
		if ps.replay > 0 {
			ps.history = append(ps.history, frame)
		}
		for ch, sub := range ps.subs {
			copies := 1
			if ps.copies != nil {
				copies = ps.copies(sub, n)
			}
			for range copies {
				ch <- frame
			}
			if ps.cut != nil && ps.cut(sub, n) {
				ch <- nil
			}
		}
	}
	ps.mu.Unlock()
	if ps.stall != nil {
		time.Sleep(ps.stall(n))
	}
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"id":%d}`, n)
}

func (ps *pubsub) subscribe(w http.ResponseWriter, r *http.Request) {
	// Subscribe before answering, so a client that has the headers is
	// sure to get everything published after.
	ch := make(chan []byte, 1<<12)
	ps.mu.Lock()
	if ps.subs == nil {
		ps.subs = map[chan []byte]int{}
	}
	ps.subs[ch] = ps.nsubs
	ps.nsubs++
	if last, err := strconv.Atoi(r.Header.Get("Last-Event-ID")); err == nil && ps.replay > 0 {
		for _, f := range ps.history[max(0, last-ps.replay):] {
			ch <- f
		}
	}
	ps.mu.Unlock()
	defer func() {
		ps.mu.Lock()
		delete(ps.subs, ch)
		ps.mu.Unlock()
	}()
	sseHeaders(w)
	if ps.replay > 0 {
		fmt.Fprint(w, "retry: 20\n\n")
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case f := <-ch:
			if f == nil {
				return // cut
			}
			if _, err := w.Write(f); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}
}

// startPubSub starts ps on loopback and returns its events and publish URLs.
func startPubSub(t *testing.T, ps *pubsub) (events, publish string) {
	t.Helper()
	srv := newTestServer(ps)
	t.Cleanup(srv.Close)
	return srv.URL + "/events", srv.URL + "/publish"
}

func TestRun_publisher_markerInEnvelope(t *testing.T) {
	t.Parallel()
	const subs, rate = 10, 50
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			events, publish := startPubSub(t, &pubsub{})
			rep, err := run(t, t.Context(), Config{URL: events, Protocol: proto, Subscribers: subs, Duration: time.Second,
				LatencyOptions: LatencyOptions{PublishURL: publish, PublishRate: rate}})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := rep.LatencySource, "publisher"; got != want {
				t.Errorf("latency_source = %q, want %q", got, want)
			}
			p := rep.Publish
			if p == nil {
				t.Fatal("no publish figures")
			}
			if got, want := p.Sent, uint64(rate); got != want || p.Failed != 0 {
				t.Errorf("publish sent = %d, failed = %d; want %d, 0", got, p.Failed, want)
			}
			if got, want := p.LatencyUS.Count, int64(p.Sent); got != want {
				t.Errorf("publish latency count = %d, want %d", got, want)
			}
			if rep.DeliveryRatio == nil || *rep.DeliveryRatio != 1 {
				t.Errorf("delivery_ratio = %v, want exactly 1 (warnings: %q)", ptrString(rep.DeliveryRatio), rep.Warnings)
			}
			if got, want := rep.LatencyUS.Fanout.Count, int64(p.Sent)*subs; got != want {
				t.Errorf("fanout count = %d, want %d (every published event at every subscriber)", got, want)
			}
			if f := rep.LatencyUS.Fanout; f.Min <= 0 || f.P50 > 200_000 {
				t.Errorf("implausible loopback fan-out latency: %+v", f)
			}
			if p.RatePerS < rate*0.8 || p.RatePerS > rate*1.2 {
				t.Errorf("publish rate = %.1f/s, want about %d/s", p.RatePerS, rate)
			}
			for _, sub := range []string{"publish", "delivery ratio", "marker", "latency was not measured"} {
				if warnsAbout(rep.Warnings, sub) {
					t.Errorf("warnings = %q, want none about %q", rep.Warnings, sub)
				}
			}
		})
	}
}

func TestRun_publisher_dropsGiveExactRatio(t *testing.T) {
	t.Parallel()
	const subs, rate = 4, 100
	// Every fourth publish is accepted but never delivered: 75% arrive.
	ps := &pubsub{drop: func(n int) bool { return n%4 == 0 }}
	events, publish := startPubSub(t, ps)
	rep, err := run(t, t.Context(), Config{URL: events, Subscribers: subs, Duration: time.Second,
		LatencyOptions: LatencyOptions{PublishURL: publish, PublishRate: rate, PublishDrain: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	sent := rep.Publish.Sent
	if sent != rate {
		t.Fatalf("publish sent = %d, want %d", sent, rate)
	}
	want := float64(sent-uint64(ps.dropped.Load())) / float64(sent)
	if rep.DeliveryRatio == nil || *rep.DeliveryRatio != want {
		t.Errorf("delivery_ratio = %s, want exactly %v", ptrString(rep.DeliveryRatio), want)
	}
	if got, want := rep.LatencyUS.Fanout.Count, int64(sent-uint64(ps.dropped.Load()))*subs; got != want {
		t.Errorf("fanout count = %d, want %d", got, want)
	}
	if !warnsAbout(rep.Warnings, "counts them as lost") {
		t.Errorf("warnings = %q, want one saying missing events count as lost", rep.Warnings)
	}
}

// TestRun_publisher_coordinatedOmission stalls the server for 200 ms while
// requests are due every 10 ms, with one request in flight at a time. The
// ~20 requests due during the stall go out late; measured from when each
// was due they took up to 200 ms. Measured from when they went out (what a
// closed-loop client reports) only the stalled one was slow.
func TestRun_publisher_coordinatedOmission(t *testing.T) {
	t.Parallel()
	ps := &pubsub{stall: func(n int) time.Duration {
		if n == 21 {
			return 200 * time.Millisecond
		}
		return 0
	}}
	events, publish := startPubSub(t, ps)
	rep, err := run(t, t.Context(), Config{URL: events, Subscribers: 2, Duration: time.Second,
		LatencyOptions: LatencyOptions{PublishURL: publish, PublishRate: 100, PublishConcurrency: 1}})
	if err != nil {
		t.Fatal(err)
	}
	p := rep.Publish
	if p.Sent != 100 || p.Failed != 0 {
		t.Fatalf("publish sent = %d, failed = %d; want 100, 0", p.Sent, p.Failed)
	}
	h, err := p.LatencyUS.Histogram()
	if err != nil {
		t.Fatal(err)
	}
	// Due at 200 ms, 210 ms, … 390 ms; sent from 400 ms on.
	if got := p.LatencyUS.P99; got < 180_000 {
		t.Errorf("publish p99 = %d µs, want >= 180 ms: the queueing behind the stall is missing", got)
	}
	if got := p.LatencyUS.Max; got < 195_000 {
		t.Errorf("publish max = %d µs, want >= 195 ms", got)
	}
	var slow int64
	for _, bar := range h.Distribution() {
		if bar.From >= 100_000 {
			slow += bar.Count
		}
	}
	if slow < 10 {
		t.Errorf("%d publishes took >= 100 ms from their due time, want >= 10 (the stalled one and those due behind it)", slow)
	}
}

// TestRun_publisher_pausesBetweenHolds runs two plateaus of --stages (4,
// then 8 subscribers): the schedule pauses while the second four connect
// and resumes where it left off, so every event has a settled audience.
func TestRun_publisher_pausesBetweenHolds(t *testing.T) {
	t.Parallel()
	events, publish := startPubSub(t, &pubsub{})
	const rate = 50
	rep, err := run(t, t.Context(), Config{URL: events,
		ShapeOptions:   ShapeOptions{Stages: Stages{{Target: 4}, {Duration: 600 * time.Millisecond, Target: 4}, {Target: 8}, {Duration: 600 * time.Millisecond, Target: 8}}},
		LatencyOptions: LatencyOptions{PublishURL: publish, PublishRate: rate}})
	if err != nil {
		t.Fatal(err)
	}
	p := rep.Publish
	// One request per 20 ms of steady state, whatever the windows. (The
	// driver dates a window's end at the start of its tick, so a request
	// may go out just before a window closes and count after it.)
	if want := rep.DurationS * rate; float64(p.Sent) < want-3 || float64(p.Sent) > want+3 || p.Failed != 0 {
		t.Errorf("publish sent = %d, failed = %d; want %.0f±3 over %.2fs of steady state, 0", p.Sent, p.Failed, want, rep.DurationS)
	}
	if rep.DeliveryRatio == nil || *rep.DeliveryRatio != 1 {
		t.Errorf("delivery_ratio = %s, want exactly 1 (warnings: %q)", ptrString(rep.DeliveryRatio), rep.Warnings)
	}
}

func TestRun_publisher_interruptedCountsOnlyDrained(t *testing.T) {
	t.Parallel()
	events, publish := startPubSub(t, &pubsub{})
	ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
	defer cancel()
	rep, err := run(t, ctx, Config{URL: events, Subscribers: 3, Duration: time.Minute,
		LatencyOptions: LatencyOptions{PublishURL: publish, PublishRate: 100, PublishDrain: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Interrupted {
		t.Fatal("run not marked interrupted")
	}
	// Events sent in the last 300 ms before the streams closed may not have
	// arrived; the ratio leaves them out rather than count them as lost.
	if rep.DeliveryRatio == nil || *rep.DeliveryRatio != 1 {
		t.Errorf("delivery_ratio = %s, want exactly 1 (warnings: %q)", ptrString(rep.DeliveryRatio), rep.Warnings)
	}
	if !warnsAbout(rep.Warnings, "before the streams closed") {
		t.Errorf("warnings = %q, want one on which events the ratio counts", rep.Warnings)
	}
	if rep.Publish.Failed != 0 {
		t.Errorf("publish failed = %d, want 0: cancelled requests are not failures", rep.Publish.Failed)
	}
}

func TestRun_publisher_wrongStreamSaysSo(t *testing.T) {
	t.Parallel()
	// The subscribers read a stream the publishes never reach.
	events := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		fmt.Fprint(w, "data: unrelated\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	_, publish := startPubSub(t, &pubsub{})
	rep, err := run(t, t.Context(), Config{URL: events, Subscribers: 2, Duration: 300 * time.Millisecond,
		LatencyOptions: LatencyOptions{PublishURL: publish, PublishRate: 20, PublishDrain: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if !warnsAbout(rep.Warnings, "reached a subscriber with its marker") {
		t.Errorf("warnings = %q, want one saying no published event arrived", rep.Warnings)
	}
	if rep.DeliveryRatio == nil || *rep.DeliveryRatio != 0 {
		t.Errorf("delivery_ratio = %s, want 0", ptrString(rep.DeliveryRatio))
	}
}

func TestRun_publisher_failedPublishes(t *testing.T) {
	t.Parallel()
	events, _ := startPubSub(t, &pubsub{})
	publish := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such channel", http.StatusForbidden)
	}))
	rep, err := run(t, t.Context(), Config{URL: events, Subscribers: 1, Duration: 300 * time.Millisecond,
		LatencyOptions: LatencyOptions{PublishURL: publish, PublishRate: 20, PublishDrain: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if p := rep.Publish; p.Sent != 0 || p.Failed != 6 {
		t.Errorf("publish sent = %d, failed = %d; want 0, 6", p.Sent, p.Failed)
	}
	if rep.DeliveryRatio != nil {
		t.Errorf("delivery_ratio = %v, want none: nothing was published", *rep.DeliveryRatio)
	}
	if !warnsAbout(rep.Warnings, "6 of 6 publish requests failed (first: HTTP 403 Forbidden)") {
		t.Errorf("warnings = %q, want the failed publishes with the first error", rep.Warnings)
	}
}

func TestRun_jsonStampNeverFoundSaysSo(t *testing.T) {
	t.Parallel()
	src, err := stamp.NewJSON("meta.ts")
	if err != nil {
		t.Fatal(err)
	}
	// The events carry a stamp, but not at the path asked for.
	url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		for {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
			fmt.Fprintf(w, "data: {\"ts\":%d}\n\n", time.Now().UnixMilli())
			w.(http.Flusher).Flush()
		}
	}))
	rep, err := run(t, t.Context(), Config{URL: url, Subscribers: 2, Duration: 300 * time.Millisecond, LatencyOptions: LatencyOptions{Latency: src}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events.Received == 0 {
		t.Fatal("no event arrived in the steady state")
	}
	if rep.LatencyUS.Fanout.Count != 0 || !warnsAbout(rep.Warnings, "fan-out latency was not measured") {
		t.Errorf("fanout count = %d, warnings = %q; want 0 and a warning", rep.LatencyUS.Fanout.Count, rep.Warnings)
	}
}

// warnsAbout tells whether a warning contains sub.
func warnsAbout(ws []string, sub string) bool {
	for _, w := range ws {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}

func ptrString(f *float64) string {
	if f == nil {
		return "none"
	}
	return fmt.Sprint(*f)
}

// TestRun_publisher_uniqueDeliveries: a hub that sends each event twice to
// half the subscribers and never to the other half delivered half of what
// it should: the ratio counts each (event, subscriber) once, never above 1,
// and the second copies are counted apart.
func TestRun_publisher_uniqueDeliveries(t *testing.T) {
	t.Parallel()
	const subs, rate = 10, 50
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			ps := &pubsub{copies: func(sub, _ int) int { return 2 * (sub % 2) }}
			events, publish := startPubSub(t, ps)
			rep, err := run(t, t.Context(), Config{URL: events, Protocol: proto, Subscribers: subs, Duration: time.Second,
				LatencyOptions: LatencyOptions{PublishURL: publish, PublishRate: rate, PublishDrain: 300 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.DeliveryRatio == nil || *rep.DeliveryRatio != 0.5 {
				t.Errorf("delivery_ratio = %v, want 0.5", ptrString(rep.DeliveryRatio))
			}
			p := rep.Publish
			if got, want := p.Duplicates, p.Sent*subs/2; got != want {
				t.Errorf("publish.duplicates = %d, want %d (one per event per doubled subscriber)", got, want)
			}
			if got, want := rep.LatencyUS.Fanout.Count, int64(p.Sent*subs/2); got != want {
				t.Errorf("fan-out latency count = %d, want %d (one per unique delivery)", got, want)
			}
		})
	}
}

// TestRun_publisher_replayingReconnect: every stream is cut after the 5th
// event; the subscriber reconnects with Last-Event-ID: 5 and the server
// replays its last 3 events (3, 4, 5: duplicates) and everything published
// while the subscriber was away (replays), then goes on live. Nothing was
// lost, so the ratio is exactly 1; replayed events count once, and their
// latency (which measures the reconnection) is kept out of fan-out.
func TestRun_publisher_replayingReconnect(t *testing.T) {
	t.Parallel()
	const subs, rate, overlap = 6, 50, 3
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			ps := &pubsub{replay: overlap, cut: func(sub, n int) bool { return n == 5 && sub < subs }}
			events, publish := startPubSub(t, ps)
			rep, err := run(t, t.Context(), Config{URL: events, Protocol: proto, Subscribers: subs, Duration: 1500 * time.Millisecond,
				LatencyOptions: LatencyOptions{PublishURL: publish, PublishRate: rate}})
			if err != nil {
				t.Fatal(err)
			}
			if rep.DeliveryRatio == nil || *rep.DeliveryRatio != 1 {
				t.Errorf("delivery_ratio = %v, want exactly 1", ptrString(rep.DeliveryRatio))
			}
			p := rep.Publish
			if got, want := rep.Subscribers.Reconnects, int64(subs); got != want {
				t.Errorf("reconnects = %d, want %d", got, want)
			}
			if got, want := p.Duplicates, uint64(overlap*subs); got != want {
				t.Errorf("publish.duplicates = %d, want %d", got, want)
			}
			// The ids alone cannot tell this replay from a restart (see
			// package ids): the lower id after the reconnect is a reset.
			if got, want := rep.Events.IDResets, uint64(subs); got != want {
				t.Errorf("events.id_resets = %d, want %d", got, want)
			}
			if p.Replayed == 0 || int64(p.Replayed) != rep.LatencyUS.Replayed.Count {
				t.Errorf("publish.replayed = %d, latency_us.replayed.count = %d; want equal and > 0", p.Replayed, rep.LatencyUS.Replayed.Count)
			}
			// Every subscriber received every event once: live or replayed.
			if got, want := uint64(rep.LatencyUS.Fanout.Count)+p.Replayed, p.Sent*subs; got != want {
				t.Errorf("fan-out + replayed = %d, want %d (each event once per subscriber)", got, want)
			}
		})
	}
}
