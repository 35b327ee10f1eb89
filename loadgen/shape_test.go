package loadgen

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestConfig_Validate_shape(t *testing.T) {
	t.Parallel()
	url := "http://127.0.0.1:1/events"
	stages := Stages{{time.Second, 10}, {time.Second, 0}}
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error; "" = valid
	}{
		{"ramp", Config{URL: url, ShapeOptions: ShapeOptions{Ramp: time.Second}}, ""},
		{"connect rate", Config{URL: url, ShapeOptions: ShapeOptions{ConnectRate: 100}}, ""},
		{"stages", Config{URL: url, ShapeOptions: ShapeOptions{Stages: stages}}, ""},
		{"stages with equal subscribers", Config{URL: url, Subscribers: 10, ShapeOptions: ShapeOptions{Stages: stages}}, ""},
		{"negative ramp", Config{URL: url, ShapeOptions: ShapeOptions{Ramp: -time.Second}}, "--ramp"},
		{"negative rate", Config{URL: url, ShapeOptions: ShapeOptions{ConnectRate: -1}}, "--connect-rate"},
		{"ramp and rate", Config{URL: url, ShapeOptions: ShapeOptions{Ramp: time.Second, ConnectRate: 1}}, "give one"},
		{"stages and ramp", Config{URL: url, ShapeOptions: ShapeOptions{Stages: stages, Ramp: time.Second}}, "--stages sets"},
		{"stages and subscribers", Config{URL: url, Subscribers: 5, ShapeOptions: ShapeOptions{Stages: stages}}, "--subscribers 5 cannot"},
		{"stages and duration", Config{URL: url, Duration: time.Second, ShapeOptions: ShapeOptions{Stages: stages}}, "--duration cannot"},
		{"stages all zero", Config{URL: url, ShapeOptions: ShapeOptions{Stages: Stages{{time.Second, 0}}}}, "no stage has a target above 0"},
		{"stages zero length", Config{URL: url, ShapeOptions: ShapeOptions{Stages: Stages{{0, 3}}}}, "0s in total"},
		{"negative reconnect delay", Config{URL: url, ShapeOptions: ShapeOptions{ReconnectDelay: -1}}, "--reconnect-delay"},
		{"bad saturation", Config{URL: url, SelfCheckOptions: SelfCheckOptions{SaturationCPU: 2}}, "saturation_cpu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkValidate(t, tt.cfg.Validate(), tt.want)
		})
	}
}

func TestConfig_schedule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		cfg        Config
		want       Schedule
		wantSteady time.Duration
	}{
		{"at once", Config{Subscribers: 10}, Linear{To: 10}, DefaultDuration},
		{"ramp", Config{Subscribers: 10, ShapeOptions: ShapeOptions{Ramp: time.Second}}, Linear{To: 10, Over: time.Second}, DefaultDuration},
		{"rate", Config{Subscribers: 50, ShapeOptions: ShapeOptions{ConnectRate: 100}}, Linear{To: 50, Over: 500 * time.Millisecond}, DefaultDuration},
		{"stages", Config{ShapeOptions: ShapeOptions{Stages: Stages{{time.Second, 7}}}}, Stages{{time.Second, 7}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg.withDefaults()
			got, steady := cfg.schedule()
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || steady != tt.wantSteady {
				t.Errorf("schedule() = %v, %s; want %v, %s", got, steady, tt.want, tt.wantSteady)
			}
		})
	}
}

// tickingServer sends an event with the next id every period on each stream.
func tickingServer(period time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		tk := time.NewTicker(period)
		defer tk.Stop()
		for seq := 1; ; seq++ {
			select {
			case <-r.Context().Done():
				return
			case <-tk.C:
			}
			sendEvents(w, seq)
		}
	}
}

// arrivalLog wraps h to record when each request arrived and ended,
// relative to the log's creation.
type arrivalLog struct {
	t0          time.Time
	mu          sync.Mutex
	opens, ends []time.Duration
}

func (l *arrivalLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.opens = append(l.opens, time.Since(l.t0))
		l.mu.Unlock()
		h.ServeHTTP(w, r)
		l.mu.Lock()
		l.ends = append(l.ends, time.Since(l.t0))
		l.mu.Unlock()
	})
}

func TestRun_rampSpreadsConnects(t *testing.T) {
	tests := []struct {
		name  string
		shape ShapeOptions
		subs  int
		span  time.Duration // time from the first open to the last, ideally
	}{
		{"ramp", ShapeOptions{Ramp: 500 * time.Millisecond}, 5, 400 * time.Millisecond},
		{"connect-rate", ShapeOptions{ConnectRate: 8}, 4, 375 * time.Millisecond},
	}
	for _, tt := range tests {
		for _, proto := range protocols {
			t.Run(tt.name+"/"+proto, func(t *testing.T) {
				t.Parallel()
				log := &arrivalLog{}
				url := startServer(t, log.wrap(tickingServer(20*time.Millisecond)))
				log.t0 = time.Now()
				rep, err := run(t, t.Context(), Config{URL: url, Protocol: proto, Subscribers: tt.subs, Duration: 300 * time.Millisecond, ShapeOptions: tt.shape})
				if err != nil {
					t.Fatal(err)
				}
				log.mu.Lock()
				opens := slices.Sorted(slices.Values(log.opens))
				log.mu.Unlock()
				if len(opens) != tt.subs {
					t.Fatalf("server saw %d requests, want %d", len(opens), tt.subs)
				}
				// Subscriber i (from 0) starts (i+1)·step after the run
				// began, so the k-th request to arrive cannot arrive
				// sooner: all at once would arrive at ~0. (Upper bounds
				// would only measure how busy the box is.)
				step := tt.span / time.Duration(tt.subs-1)
				for k, at := range opens {
					if want := time.Duration(k+1) * step; at < want {
						t.Errorf("request %d arrived %s after the start, want >= %s (arrivals at %v)", k, at, want, opens)
					}
				}
				if rep.Ramp == nil || rep.Ramp.DurationS < (tt.span*3/4).Seconds() {
					t.Errorf("ramp = %+v, want a duration of about %s", rep.Ramp, tt.span)
				}
				if rep.Ramp.Events == 0 {
					t.Error("ramp.events = 0, want the events received while connecting")
				}
				if d := rep.DurationS; d < 0.29 || d > 0.8 {
					t.Errorf("duration_s = %.3f, want the 0.3 s steady state only", d)
				}
				if rep.Subscribers.Connected != tt.subs || len(rep.Errors) != 0 {
					t.Errorf("connected = %d, errors = %v", rep.Subscribers.Connected, rep.Errors)
				}
			})
		}
	}
}

func TestRun_stagesRampUpHoldAndDown(t *testing.T) {
	ms := time.Millisecond
	stages := Stages{{200 * ms, 4}, {600 * ms, 4}, {300 * ms, 0}}
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			log := &arrivalLog{}
			url := startServer(t, log.wrap(tickingServer(20*ms)))
			var progress []Progress
			var mu sync.Mutex
			log.t0 = time.Now()
			rep, err := run(t, t.Context(), Config{URL: url, Protocol: proto, ShapeOptions: ShapeOptions{Stages: stages},
				Progress: func(p Progress) { mu.Lock(); progress = append(progress, p); mu.Unlock() }})
			if err != nil {
				t.Fatal(err)
			}
			if el := time.Since(log.t0); el < stages.Duration() || el > stages.Duration()+2*time.Second {
				t.Errorf("run took %s, want about %s", el, stages.Duration())
			}
			if rep.Subscribers.Requested != 4 || rep.Subscribers.Connected != 4 {
				t.Errorf("requested = %d, connected = %d, want 4, 4", rep.Subscribers.Requested, rep.Subscribers.Connected)
			}
			if len(rep.Errors) != 0 || rep.Subscribers.Dropped != 0 {
				t.Errorf("errors = %v, dropped = %d: closing on a ramp-down is not a failure", rep.Errors, rep.Subscribers.Dropped)
			}
			// Steady state: the 600 ms hold, from when all 4 answered.
			if d := rep.DurationS; d < 0.45 || d > 0.61 {
				t.Errorf("duration_s = %.3f, want the hold (0.6 s, less the last handshake)", d)
			}
			if rep.Ramp == nil || rep.Ramp.DurationS < 0.45 {
				t.Errorf("ramp = %+v, want the 0.2 s up and 0.3 s down", rep.Ramp)
			}
			log.mu.Lock()
			ends := slices.Sorted(slices.Values(log.ends))
			log.mu.Unlock()
			// The ramp-down closes one stream every 75 ms from 875 ms.
			if len(ends) != 4 || ends[0] < 800*ms || ends[3]-ends[0] < 150*ms {
				t.Errorf("streams ended at %v, want 4 spread over the last 300 ms", ends)
			}
			if got := rep.PerSubscriberEvents.Count; got != 4 {
				t.Errorf("per_subscriber_events.count = %d, want 4", got)
			}
			mu.Lock()
			defer mu.Unlock()
			var sawStage2, sawSteady bool
			for _, p := range progress {
				sawStage2 = sawStage2 || (p.Stage == 2 && p.Stages == 3 && p.Target == 4)
				sawSteady = sawSteady || p.Steady
			}
			if !sawStage2 || !sawSteady {
				t.Errorf("progress never showed stage 2 of 3 with target 4 (%v) or steady (%v)", sawStage2, sawSteady)
			}
		})
	}
}

func TestRun_interEventGapGroundTruth(t *testing.T) {
	// The server sends every 20 ms and notes the gaps it really left
	// between sends (a busy box stretches some): the client's median gap
	// must match the server's.
	const period = 20 * time.Millisecond
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			var (
				mu   sync.Mutex
				sent []time.Duration // gaps between sends, all streams
			)
			url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sseHeaders(w)
				tk := time.NewTicker(period)
				defer tk.Stop()
				var prev time.Time
				for seq := 1; ; seq++ {
					select {
					case <-r.Context().Done():
						return
					case <-tk.C:
					}
					now := time.Now()
					sendEvents(w, seq)
					if !prev.IsZero() {
						mu.Lock()
						sent = append(sent, now.Sub(prev))
						mu.Unlock()
					}
					prev = now
				}
			}))
			rep, err := run(t, t.Context(), Config{URL: url, Protocol: proto, Subscribers: 3, Duration: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			slices.Sort(sent)
			truth := sent[len(sent)/2]
			mu.Unlock()
			ie := rep.LatencyUS.InterEvent
			tol := max(time.Millisecond, truth/10)
			if got := time.Duration(ie.P50) * time.Microsecond; got < truth-tol || got > truth+tol {
				t.Errorf("inter_event p50 = %s, want the server's median gap %s ± %s", got, truth, tol)
			}
			if got := time.Duration(ie.P50) * time.Microsecond; got < period*3/4 || got > period*5/4 {
				t.Errorf("inter_event p50 = %s, want about the %s period", got, period)
			}
			if ie.Count < 3*30 {
				t.Errorf("inter_event count = %d, want about %d", ie.Count, 3*50)
			}
			if h := rep.LatencyUS.Headers; h.Count != 3 || h.Min <= 0 {
				t.Errorf("headers = %+v, want 3 positive times", h)
			}
		})
	}
}

func TestRun_perSubscriberEventsExact(t *testing.T) {
	// The k-th stream to arrive gets 10·k events once all have arrived:
	// 10, 20, 30, 40 events per subscriber.
	const subs = 4
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			g := newGate(subs, 300*time.Millisecond)
			var arrivals atomic.Int64
			url := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sseHeaders(w)
				k := int(arrivals.Add(1))
				g.arrive()
				if !g.wait(r) {
					return
				}
				for id := 1; id <= 10*k; id++ {
					sendEvents(w, id)
				}
				<-r.Context().Done()
			}))
			rep, err := run(t, t.Context(), Config{URL: url, Protocol: proto, Subscribers: subs, Duration: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			ps := rep.PerSubscriberEvents
			got := []int64{ps.Count, ps.Min, ps.P50, ps.Max}
			if want := []int64{subs, 10, 20, 40}; !slices.Equal(got, want) {
				t.Errorf("per_subscriber_events count, min, p50, max = %v, want %v", got, want)
			}
			if ps.Mean != 25 {
				t.Errorf("per_subscriber_events mean = %g, want 25", ps.Mean)
			}
			h, err := ps.Histogram()
			if err != nil || h.TotalCount() != subs {
				t.Errorf("per_subscriber_events hdr: %v, %v", h, err)
			}
		})
	}
}
