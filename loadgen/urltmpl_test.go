package loadgen

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// pathCounter is a test server that counts the requests of each path and
// query, and holds every stream open until the client leaves.
type pathCounter struct {
	mu   sync.Mutex
	seen map[string]int
	// first, when set, answers a URI's first request instead of streaming.
	first func(w http.ResponseWriter, r *http.Request)
}

func (p *pathCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	if p.seen == nil {
		p.seen = map[string]int{}
	}
	p.seen[r.URL.RequestURI()]++
	n := p.seen[r.URL.RequestURI()]
	p.mu.Unlock()
	if n == 1 && p.first != nil {
		p.first(w, r)
		return
	}
	sseHeaders(w)
	<-r.Context().Done()
}

func (p *pathCounter) counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.seen)
}

// wantURIs lists "/s/i" for each index given, each seen n times.
func wantURIs(n int, idx ...int) map[string]int {
	m := map[string]int{}
	for _, i := range idx {
		m[fmt.Sprintf("/s/%d", i)] = n
	}
	return m
}

func TestRun_urlTemplateGivesEachSubscriberItsURL(t *testing.T) {
	t.Parallel()
	const subs = 30
	topics := map[string]int{"/events?topic=t0": 10, "/events?topic=t1": 10, "/events?topic=t2": 10}
	for _, proto := range protocols {
		for _, tc := range []struct {
			name, path string
			cfg        func(*Config)
			want       map[string]int
		}{
			{"modulo", "/events?topic=t{sub%3}", nil, topics},
			{"bare", "/s/{sub}", nil, wantURIs(1, seqInts(0, subs-1)...)},
			// A shard's subscribers carry the whole run's indexes.
			{"shard 1 of 3", "/s/{sub}", func(c *Config) { c.SubIndexBase, c.SubIndexStep = 1, 3 },
				wantURIs(1, 1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 34, 37, 40, 43, 46, 49, 52, 55, 58, 61, 64, 67, 70, 73, 76, 79, 82, 85, 88)},
		} {
			t.Run(proto+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				pc := &pathCounter{}
				ts := newTestServer(pc)
				defer ts.Close()
				cfg := Config{URL: ts.URL + tc.path, Protocol: proto, Subscribers: subs, Duration: 100 * time.Millisecond}
				if tc.cfg != nil {
					tc.cfg(&cfg)
				}
				rep, err := run(t, t.Context(), cfg)
				if err != nil {
					t.Fatalf("Run: %v (errors %v)", err, rep.ErrorSamples)
				}
				if rep.Subscribers.Connected != subs {
					t.Errorf("connected = %d, want %d (errors %v)", rep.Subscribers.Connected, subs, rep.ErrorSamples)
				}
				if got := pc.counts(); !maps.Equal(got, tc.want) {
					t.Errorf("requests by URI = %v, want %v", got, tc.want)
				}
				if rep.Target != cfg.URL {
					t.Errorf("target = %q, want the template %q", rep.Target, cfg.URL)
				}
			})
		}
	}
}

// TestRun_urlTemplateReconnectsAndRedirects checks that a subscriber
// reconnects to its own URL, and that a redirect is followed from it.
func TestRun_urlTemplateReconnectsAndRedirects(t *testing.T) {
	t.Parallel()
	const subs = 6
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			pc := &pathCounter{first: func(w http.ResponseWriter, r *http.Request) {
				if rest, ok := strings.CutPrefix(r.URL.Path, "/r/"); ok {
					http.Redirect(w, r, "/s/"+rest, http.StatusTemporaryRedirect)
					return
				}
				sseHeaders(w) // a stream that ends at once, after its retry
				fmt.Fprint(w, "retry: 10\n\n")
			}}
			ts := newTestServer(pc)
			defer ts.Close()
			rep, err := run(t, t.Context(), Config{URL: ts.URL + "/r/{sub}", Protocol: proto, Subscribers: subs, Duration: 500 * time.Millisecond})
			if err != nil {
				t.Fatalf("Run: %v (errors %v)", err, rep.ErrorSamples)
			}
			// /r/i redirects to /s/i, whose first stream ends; the
			// reconnection asks /r/i again (every reconnection starts from
			// the URL given), which now streams.
			want := wantURIs(1, seqInts(0, subs-1)...)
			for i := range subs {
				want[fmt.Sprintf("/r/%d", i)] = 2
			}
			if got := pc.counts(); !maps.Equal(got, want) {
				t.Errorf("requests by URI = %v, want %v", got, want)
			}
		})
	}
}

func TestConfig_Validate_urlTemplate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ url, want string }{
		{"http://127.0.0.1:1/events?topic=t{sub%100}", ""},
		{"http://127.0.0.1:1/s/{sub}/{sub%7}", ""},
		{"http://127.0.0.1:1/events?topic={user}", `URL template "http://127.0.0.1:1/events?topic={user}": unknown placeholder {user}`},
		{"http://127.0.0.1:1/events?topic={sub%0}", "N in {sub%N} must be a positive integer"},
		{"http://127.0.0.1:1/events?topic={sub", `unbalanced "{"`},
		{"http://127.0.0.1:1/events?topic=sub}", `unbalanced "}"`},
		{"http://127.0.0.{sub%4}:1/events", "not in the scheme, host or port"},
		{"http://127.0.0.1:80{sub%4}/events", "not in the scheme, host or port"},
		{"ht{sub%2}tp://127.0.0.1:1/events", "not in the scheme, host or port"},
		{"http://127.0.0.1:1/%zz{sub%2}", "the URL of subscriber 0 is not valid"},
	} {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			cfg := Config{URL: tt.url}
			checkValidate(t, cfg.Validate(), tt.want)
		})
	}
}

// TestH2Engine_sharesModuloRequests checks that with only {sub%N} the
// HTTP/2 engine builds N requests and shares them, so an idle subscriber
// costs no more than with a plain URL.
func TestH2Engine_sharesModuloRequests(t *testing.T) {
	t.Parallel()
	cfg := Config{URL: "http://127.0.0.1:1/events?topic=t{sub%3}", Protocol: ProtocolH2C, Subscribers: 9, SubIndexBase: 1, SubIndexStep: 2}
	cfg = cfg.withDefaults()
	e, err := newH2Engine(&cfg, &dialer{stats: &transportStats{}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	if len(e.reqs) != 3 {
		t.Fatalf("built %d requests, want 3", len(e.reqs))
	}
	// Subscriber 0 is index 1 of the run, subscriber 3 index 7: both t1.
	if a, b := e.request(0), e.request(3); a != b || a.Path != "/events?topic=t1" {
		t.Errorf("subscribers 0 and 3 got requests %p %q and %p %q, want one shared /events?topic=t1", a, a.Path, b, b.Path)
	}
	cfg.URL = "http://127.0.0.1:1/s/{sub}"
	cfg.tmpl = nil
	e2, err := newH2Engine(&cfg, &dialer{stats: &transportStats{}})
	if err != nil {
		t.Fatal(err)
	}
	defer e2.close()
	if e2.reqs != nil || e2.request(4).Path != "/s/9" {
		t.Errorf("bare {sub}: shared %d requests, subscriber 4's path %q; want none shared and /s/9", len(e2.reqs), e2.request(4).Path)
	}
}
