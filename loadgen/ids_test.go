package loadgen

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/loadgen/ids"
	"github.com/ssebench/ssebench/reports/result"
)

// gatedStream returns a handler for subs subscribers that, once every one
// has connected and the steady state has begun, writes each event of ids
// (the id: line's value, "" for none; data is a publish stamp) and then
// holds the stream open.
func gatedStream(subs int, ids []string) http.Handler {
	g := newGate(subs, 300*time.Millisecond)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		g.arrive()
		if !g.wait(r) {
			return
		}
		for _, id := range ids {
			if id != "" {
				fmt.Fprintf(w, "id: %s\n", id)
			}
			fmt.Fprintf(w, "data: %d\n\n", time.Now().UnixNano())
		}
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
}

// idFeeds are the ground-truth id streams: what a server sends, and what
// was truly lost.
func idFeeds() []struct {
	name   string
	ids    []string
	scheme string
	gaps   uint64 // truly lost per subscriber; only meaningful for sequences
} {
	var consecutive, step2, ms, uuids, composite []string
	for i := 1; i <= 201; i++ {
		if i%10 != 0 { // 20 of 201 lost (10%)
			consecutive = append(consecutive, strconv.Itoa(i))
		}
		step2 = append(step2, strconv.Itoa(2*i-1)) // one counter shared by two topics: nothing lost
		ms = append(ms, strconv.FormatInt(1733234567890+int64(i)*10, 10))
		uuids = append(uuids, fmt.Sprintf("6ba7b810-9dad-11d1-80b4-%012x", i))
	}
	// The reference server's ids of a stream of topics a and b,
	// alternating, 105 events each; every 10th of each topic up to the
	// 100th is lost (20 in all). An id names the last event of each topic
	// the stream was sent.
	sent := map[string]int{"a": 0, "b": 0}
	for k := 1; k <= 105; k++ {
		for _, topic := range []string{"a", "b"} {
			if k%10 == 0 && k <= 100 {
				continue
			}
			sent[topic] = k
			composite = append(composite, fmt.Sprintf("a:%d,b:%d", sent["a"], sent["b"]))
		}
	}
	return []struct {
		name   string
		ids    []string
		scheme string
		gaps   uint64
	}{
		{"consecutive, 10% lost", consecutive, ids.Consecutive, 20},
		{"composite, 10% lost per topic", composite, ids.Composite, 20},
		{"step 2, nothing lost", step2, ids.Increasing, 0},
		{"millisecond timestamps", ms, ids.Increasing, 0},
		{"UUIDs", uuids, ids.Opaque, 0},
		{"no ids", make([]string, 50), ids.None, 0},
	}
}

// TestRun_idSchemes: gaps are counted where the ids make them meaningful,
// per topic for composite ids, and loss is "not measured" elsewhere, so a
// threshold on it fails instead of passing on a silent 0 (or failing on a
// false 50%).
func TestRun_idSchemes(t *testing.T) {
	const subs = 3
	lossBelow, err := result.ParseThreshold("events.loss_ratio < 0.1%")
	if err != nil {
		t.Fatal(err)
	}
	for _, feed := range idFeeds() {
		for _, proto := range protocols {
			t.Run(feed.name+"/"+proto, func(t *testing.T) {
				t.Parallel()
				url := startServer(t, gatedStream(subs, feed.ids))
				rep, err := run(t, t.Context(), Config{URL: url, Protocol: proto, Subscribers: subs, Duration: time.Second,
					LatencyOptions: LatencyOptions{Latency: nsStamp}})
				if err != nil {
					t.Fatal(err)
				}
				e := rep.Events
				if e.IDScheme != feed.scheme {
					t.Errorf("events.id_scheme = %q, want %q", e.IDScheme, feed.scheme)
				}
				if got, want := e.Received, uint64(subs*len(feed.ids)); got != want {
					t.Errorf("events.received = %d, want %d", got, want)
				}
				if e.Duplicates != 0 || e.IDResets != 0 {
					t.Errorf("duplicates = %d, id_resets = %d, want 0, 0", e.Duplicates, e.IDResets)
				}
				tr := lossBelow.Evaluate(rep)
				if ids.Measurable(feed.scheme) {
					if got, want := e.Gaps, subs*feed.gaps; got != want {
						t.Errorf("events.gaps = %d, want %d", got, want)
					}
					if tr.Pass || tr.Measured == nil {
						t.Errorf("threshold %s: pass = %v, measured = %v; want a measured failure (10%% lost)", tr.Expression, tr.Pass, tr.Measured)
					}
					return
				}
				if e.Gaps != 0 {
					t.Errorf("events.gaps = %d, want 0 (not measured)", e.Gaps)
				}
				if tr.Pass || tr.Measured != nil || !strings.Contains(tr.Message, "not measured") {
					t.Errorf("threshold %s = %+v, want a failure as not measured", tr.Expression, tr)
				}
				if !hasWarning(rep.Warnings, "event loss was not measured") {
					t.Errorf("no warning says loss was not measured: %q", rep.Warnings)
				}
			})
		}
	}
}

// TestRun_idResetAfterRestart: a server restart numbers events from 1
// again. The lower ids after the reconnect re-baseline the count (one
// reset per subscriber); they are not a burst of duplicates.
func TestRun_idResetAfterRestart(t *testing.T) {
	const subs, before, after = 3, 300, 200
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			g := newGate(subs, 300*time.Millisecond)
			url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sseHeaders(w)
				if r.Header.Get("Last-Event-ID") == "" {
					g.arrive()
					if !g.wait(r) {
						return
					}
					fmt.Fprint(w, "retry: 20\n\n")
					sendEvents(w, seqInts(1, before)...)
					return // the server "restarts"
				}
				sendEvents(w, seqInts(1, after)...) // and forgot every id
				<-r.Context().Done()
			}))
			rep, err := run(t, t.Context(), Config{URL: url, Protocol: proto, Subscribers: subs, Duration: 1500 * time.Millisecond,
				LatencyOptions: LatencyOptions{Latency: nsStamp}})
			if err != nil {
				t.Fatal(err)
			}
			e := rep.Events
			checks := []struct {
				name      string
				got, want uint64
			}{
				{"events.received", e.Received, subs * (before + after)},
				{"events.duplicates", e.Duplicates, 0},
				{"events.gaps", e.Gaps, 0},
				{"events.id_resets", e.IDResets, subs},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
				}
			}
			if e.IDScheme != ids.Consecutive {
				t.Errorf("events.id_scheme = %q, want consecutive", e.IDScheme)
			}
		})
	}
}

// TestRun_lostNotice: the reference server's "event: lost" notice, in its
// documented wire form, counts exactly the events it names as lost, and is
// not itself a received event.
func TestRun_lostNotice(t *testing.T) {
	const subs = 3
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			g := newGate(subs, 300*time.Millisecond)
			url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sseHeaders(w)
				switch r.Header.Get("Last-Event-ID") {
				case "":
					g.arrive()
					if !g.wait(r) {
						return
					}
					fmt.Fprint(w, "retry: 20\n\n")
					sendEvents(w, seqInts(1, 10)...)
					return
				case "10":
					// 11..50 left the replay ring: 40 events.
					fmt.Fprint(w, "id: 50\nevent: lost\ndata: {\"topic\":\"default\",\"lost\":40,\"from\":11,\"to\":50}\n\n")
					sendEvents(w, seqInts(51, 60)...)
				}
				<-r.Context().Done()
			}))
			rep, err := run(t, t.Context(), Config{URL: url, Protocol: proto, Subscribers: subs, Duration: 1500 * time.Millisecond,
				LatencyOptions: LatencyOptions{Latency: nsStamp}})
			if err != nil {
				t.Fatal(err)
			}
			e := rep.Events
			checks := []struct {
				name      string
				got, want uint64
			}{
				{"events.received", e.Received, subs * 20},
				{"events.lost_on_reconnect", e.LostOnReconnect, subs * 40},
				{"events.gaps", e.Gaps, subs * 40},
				{"events.duplicates", e.Duplicates, 0},
				{"events.id_resets", e.IDResets, 0},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
				}
			}
		})
	}
}

// seqInts returns from..to.
func seqInts(from, to int) []int {
	s := make([]int, 0, to-from+1)
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}
