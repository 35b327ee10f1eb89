package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestRun_heartbeatOnlyBookedOnArrival: a stream of comments alone (a
// server with nothing to say but its heartbeat) shows its comments and
// their bytes in the interval they arrive in, not all at the end.
func TestRun_heartbeatOnlyBookedOnArrival(t *testing.T) {
	const subs = 2
	const beat = ": heartbeat\n"
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sseHeaders(w)
				tk := time.NewTicker(20 * time.Millisecond)
				defer tk.Stop()
				for {
					select {
					case <-r.Context().Done():
						return
					case <-tk.C:
						fmt.Fprint(w, beat)
						w.(http.Flusher).Flush()
					}
				}
			}))
			rep, err := run(t, t.Context(), Config{URL: url, Protocol: proto, Subscribers: subs, Duration: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Events.Received != 0 || rep.Events.Comments == 0 {
				t.Fatalf("received = %d, comments = %d; want 0 events and some comments", rep.Events.Received, rep.Events.Comments)
			}
			if got, want := rep.Events.Bytes, rep.Events.Comments*uint64(len(beat)); got != want {
				t.Errorf("events.bytes = %d, want %d (every comment's bytes, in the steady state)", got, want)
			}
			// The intervals between the first (connecting) and the last
			// (the end) saw heartbeats, so their bytes belong there, not
			// in the last one. (Not every one: a busy machine may starve
			// an interval.)
			ivs := rep.Intervals
			if len(ivs) < 4 {
				t.Fatalf("%d intervals, want at least 4", len(ivs))
			}
			var total, withBytes uint64
			for _, iv := range ivs {
				total += iv.Bytes
			}
			for _, iv := range ivs[1 : len(ivs)-1] {
				if iv.Bytes > 0 {
					withBytes++
				}
			}
			if mid := uint64(len(ivs) - 2); 2*withBytes < mid {
				t.Errorf("%d of %d intervals in the middle of the run have bytes; the heartbeats' bytes were not booked when they arrived", withBytes, mid)
			}
			if last := ivs[len(ivs)-1].Bytes; 2*last > total {
				t.Errorf("the last interval holds %d of %d bytes", last, total)
			}
		})
	}
}

// TestRun_dumpIsLive: --dump writes each line, comments included, as it
// arrives: a user tailing the file sees the first event while the run is
// still going.
func TestRun_dumpIsLive(t *testing.T) {
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "dump.jsonl")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var seen atomic.Bool // the test saw the lines in the file
			url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sseHeaders(w)
				fmt.Fprint(w, ": hello\nid: 1\ndata: first\n\n")
				w.(http.Flusher).Flush()
				// Hold the next event back until the dump shows the first.
				deadline := time.Now().Add(3 * time.Second)
				for !seen.Load() && time.Now().Before(deadline) {
					b, _ := os.ReadFile(path)
					if bytes.Contains(b, []byte(`"data":"first"`)) {
						seen.Store(true)
					}
					time.Sleep(5 * time.Millisecond)
				}
				fmt.Fprint(w, "id: 2\ndata: second\n\n")
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			}))
			// A buffered writer, as the command wraps its file in: each
			// line must still reach the file as it arrives.
			bw := bufio.NewWriter(f)
			_, err = run(t, t.Context(), Config{URL: url, Protocol: proto, Subscribers: 1, Duration: 500 * time.Millisecond, Dump: bw})
			if err != nil {
				t.Fatal(err)
			}
			if !seen.Load() {
				t.Error("the dump did not show the first event while the stream was open")
			}
			_ = bw.Flush()
			b, _ := os.ReadFile(path)
			want := `{"comment":"hello"}` + "\n" +
				`{"type":"message","data":"first","id":"1"}` + "\n" +
				`{"type":"message","data":"second","id":"2"}` + "\n"
			if string(b) != want {
				t.Errorf("dump =\n%s\nwant\n%s", b, want)
			}
		})
	}
}

// TestRun_redirects: subscriber requests follow redirects like EventSource
// (307 keeps the method and body; 303 turns a POST into a GET), every
// reconnection again from the URL given, each hop counted; a redirect loop
// fails the subscriber with class "redirect".
func TestRun_redirects(t *testing.T) {
	const subs = 3
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			var badMethod, gotBody atomic.Int64
			url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/events": // POST with a body
					http.Redirect(w, r, "/moved", http.StatusTemporaryRedirect)
				case "/moved":
					b := make([]byte, 64)
					n, _ := r.Body.Read(b)
					if r.Method != http.MethodPost || string(b[:n]) != "sub" {
						badMethod.Add(1)
					}
					http.Redirect(w, r, "/final?x=1", http.StatusSeeOther)
				case "/final":
					if r.Method != http.MethodGet {
						badMethod.Add(1)
					}
					if r.ContentLength > 0 {
						gotBody.Add(1)
					}
					sseHeaders(w)
					sendEvents(w, 1, 2)
					<-r.Context().Done()
				}
			}))
			rep, err := run(t, t.Context(), Config{URL: url, Protocol: proto, Subscribers: subs, Duration: 300 * time.Millisecond,
				TargetOptions: TargetOptions{Method: http.MethodPost, Body: "sub"}})
			if err != nil {
				t.Fatal(err)
			}
			if n := badMethod.Load() + gotBody.Load(); n != 0 {
				t.Errorf("%d redirected requests had the wrong method or body", n)
			}
			if got, want := rep.Subscribers.Redirects, int64(2*subs); got != want {
				t.Errorf("subscribers.redirects = %d, want %d", got, want)
			}
			if rep.Subscribers.Connected != subs {
				t.Errorf("connected = %d, want %d", rep.Subscribers.Connected, subs)
			}
		})
	}
	t.Run("another host over h2c", func(t *testing.T) {
		t.Parallel()
		other := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sseHeaders(w)
			<-r.Context().Done()
		}))
		url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other, http.StatusTemporaryRedirect)
		}))
		rep, _ := run(t, t.Context(), Config{URL: url, Protocol: ProtocolH2C, Subscribers: 1, Duration: 100 * time.Millisecond})
		if got := rep.Errors[ClassRedirect]; got != 1 {
			t.Errorf("errors.redirect = %d, want 1 (errors %v)", got, rep.Errors)
		}
		if !strings.Contains(rep.ErrorSamples[ClassRedirect], "use the final URL") {
			t.Errorf("error sample = %q", rep.ErrorSamples[ClassRedirect])
		}
	})
	t.Run("loop", func(t *testing.T) {
		t.Parallel()
		url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		}))
		rep, _ := run(t, t.Context(), Config{URL: url, Subscribers: 1, Duration: 100 * time.Millisecond})
		if got := rep.Errors[ClassRedirect]; got != 1 {
			t.Errorf("errors.redirect = %d, want 1 (errors %v)", got, rep.Errors)
		}
		if got, want := rep.Subscribers.Redirects, int64(MaxRedirects); got != want {
			t.Errorf("subscribers.redirects = %d, want %d", got, want)
		}
		if !strings.Contains(rep.ErrorSamples[ClassRedirect], "redirects in a row") {
			t.Errorf("error sample = %q", rep.ErrorSamples[ClassRedirect])
		}
	})
}

// TestRun_lastEventID: --last-event-id goes on each subscriber's first
// request, and gaps count from it.
func TestRun_lastEventID(t *testing.T) {
	const subs = 2
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			var bad atomic.Int64
			g := newGate(subs, 300*time.Millisecond)
			url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Last-Event-ID") != "41" {
					bad.Add(1)
				}
				sseHeaders(w)
				g.arrive()
				if !g.wait(r) {
					return
				}
				sendEvents(w, 44, 45) // 42 and 43 were lost
				<-r.Context().Done()
			}))
			rep, err := run(t, context.Background(), Config{URL: url, Protocol: proto, Subscribers: subs, Duration: time.Second,
				TargetOptions: TargetOptions{LastEventID: "41"}})
			if err != nil {
				t.Fatal(err)
			}
			if n := bad.Load(); n != 0 {
				t.Errorf("%d requests lacked Last-Event-ID: 41", n)
			}
			if got, want := rep.Events.Gaps, uint64(2*subs); got != want {
				t.Errorf("events.gaps = %d, want %d", got, want)
			}
		})
	}
	var cfg Config
	cfg.URL, cfg.LastEventID = "http://127.0.0.1:1/events", "a\nb"
	checkValidate(t, cfg.Validate(), "--last-event-id")
}
