package loadgen

import (
	"context"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func TestLinear_Target(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	tests := []struct {
		name    string
		l       Linear
		elapsed time.Duration
		want    Step
	}{
		{"at once", Linear{To: 5}, 0, Step{N: 5, Hold: true}},
		{"start", Linear{To: 10, Over: 100 * ms}, 0, Step{N: 0}},
		{"just before first", Linear{To: 10, Over: 100 * ms}, 9 * ms, Step{N: 0}},
		{"first", Linear{To: 10, Over: 100 * ms}, 10 * ms, Step{N: 1}},
		{"middle", Linear{To: 10, Over: 100 * ms}, 55 * ms, Step{N: 5}},
		{"end holds", Linear{To: 10, Over: 100 * ms}, 100 * ms, Step{N: 10, Hold: true}},
		{"after holds", Linear{To: 10, Over: 100 * ms}, time.Hour, Step{N: 10, Hold: true}},
		{"down truncates toward From", Linear{From: 10, To: 0, Over: 100 * ms}, 15 * ms, Step{N: 9}},
		{"flat", Linear{From: 3, To: 3, Over: time.Second}, 0, Step{N: 3, Hold: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.l.Target(tt.elapsed); got != tt.want {
				t.Errorf("%+v.Target(%s) = %+v, want %+v", tt.l, tt.elapsed, got, tt.want)
			}
		})
	}
}

func TestStages_Target(t *testing.T) {
	t.Parallel()
	s := Stages{{30 * time.Second, 1000}, {60 * time.Second, 1000}, {0, 500}, {10 * time.Second, 500}, {10 * time.Second, 0}}
	tests := []struct {
		elapsed time.Duration
		want    Step
	}{
		{0, Step{N: 0}},
		{15 * time.Second, Step{N: 500}},
		{30 * time.Second, Step{N: 1000, Hold: true}},
		{89 * time.Second, Step{N: 1000, Hold: true}},
		{90 * time.Second, Step{N: 500, Hold: true}}, // the 0s stage jumps
		{100 * time.Second, Step{N: 500}},
		{105 * time.Second, Step{N: 250}},
		{110 * time.Second, Step{N: 0, Done: true}},
		{time.Hour, Step{N: 0, Done: true}},
	}
	for _, tt := range tests {
		if got := s.Target(tt.elapsed); got != tt.want {
			t.Errorf("Target(%s) = %+v, want %+v", tt.elapsed, got, tt.want)
		}
	}
	if got, want := s.Duration(), 110*time.Second; got != want {
		t.Errorf("Duration() = %s, want %s", got, want)
	}
	if got, want := s.Max(), 1000; got != want {
		t.Errorf("Max() = %d, want %d", got, want)
	}
	if got := (Stages{{time.Second, 5}}).Target(2 * time.Second); got != (Step{N: 5, Done: true}) {
		t.Errorf("after a last stage with target 5: %+v, want N 5, Done", got)
	}
}

func TestParseStages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Stages
		wantErr string // substring; "" = valid
	}{
		{in: "30s:1000,60s:1000,10s:0", want: Stages{{30 * time.Second, 1000}, {time.Minute, 1000}, {10 * time.Second, 0}}},
		{in: " 1m30s : 5 , 0s:0", want: Stages{{90 * time.Second, 5}, {0, 0}}},
		{in: "", wantErr: "no stages"},
		{in: "30s", wantErr: `stage 1 "30s": want DURATION:TARGET`},
		{in: "30s:10,60x:10", wantErr: `stage 2 "60x:10": duration "60x"`},
		{in: "30s:10,1s:-3", wantErr: `stage 2 "1s:-3": target "-3"`},
		{in: "30s:ten", wantErr: `target "ten"`},
		{in: "-1s:10", wantErr: `duration "-1s"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseStages(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParseStages(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseStages(%q) = %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseStages(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if again, err := ParseStages(got.String()); err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("round trip of %q = %v, %v", got.String(), again, err)
			}
		})
	}
}

// driveLog records what a driver did, in synctest's fake time.
type driveLog struct {
	t0      time.Time
	started []time.Duration // start time of each start call, in order
	stopped []int           // slots stopped, in order
	steady  []time.Duration // steady on/off toggles, alternating from on
}

func newDriveLog(d *driver, t0 time.Time) *driveLog {
	l := &driveLog{t0: t0}
	d.start = func(int) { l.started = append(l.started, time.Since(t0)) }
	d.stop = func(i int) { l.stopped = append(l.stopped, i) }
	d.steady = func(on bool, now time.Time) { l.steady = append(l.steady, now.Sub(t0)) }
	if d.pending == nil {
		d.pending = func() int64 { return 0 }
	}
	return l
}

func TestDriver_rampSpreadsStartsAndHoldsDuration(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		d := &driver{sched: Linear{To: 10, Over: 100 * time.Millisecond}, maxSteady: time.Second}
		t0 := time.Now()
		l := newDriveLog(d, t0)
		res := d.run(t.Context(), t0)
		if got, want := len(l.started), 10; got != want {
			t.Fatalf("started %d slots, want %d", got, want)
		}
		for i, at := range l.started {
			if want := time.Duration(i+1) * 10 * time.Millisecond; at != want {
				t.Errorf("slot %d started at %s, want %s", i, at, want)
			}
		}
		if want := []time.Duration{100 * time.Millisecond}; !reflect.DeepEqual(l.steady, want) {
			t.Errorf("steady toggles at %v, want %v", l.steady, want)
		}
		if got, want := time.Since(t0), 1100*time.Millisecond; got != want {
			t.Errorf("drive ended after %s, want %s", got, want)
		}
		if res != (driveResult{Steady: time.Second, Open: true, End: t0.Add(1100 * time.Millisecond)}) {
			t.Errorf("result = %+v, want 1s steady, left open, not interrupted", res)
		}
		if len(l.stopped) != 0 {
			t.Errorf("stopped %v; the runner closes the rest", l.stopped)
		}
	})
}

func TestDriver_stagesRampDownAndSteadyWindows(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ms := time.Millisecond
		// Up to 4 over 40ms, hold 100ms, down to 2 over 20ms, hold 50ms, down to 0.
		s := Stages{{40 * ms, 4}, {100 * ms, 4}, {20 * ms, 2}, {50 * ms, 2}, {10 * ms, 0}}
		d := &driver{sched: s}
		t0 := time.Now()
		l := newDriveLog(d, t0)
		res := d.run(t.Context(), t0)
		if got, want := l.started, []time.Duration{10 * ms, 20 * ms, 30 * ms, 40 * ms}; !reflect.DeepEqual(got, want) {
			t.Errorf("starts at %v, want %v", got, want)
		}
		if got, want := l.stopped, []int{3, 2, 1, 0}; !reflect.DeepEqual(got, want) {
			t.Errorf("stopped %v, want newest first %v", got, want)
		}
		want := []time.Duration{40 * ms, 140 * ms, 160 * ms, 210 * ms}
		if !reflect.DeepEqual(l.steady, want) {
			t.Errorf("steady toggles at %v, want %v", l.steady, want)
		}
		if got, want := res.Steady, 150*ms; got != want {
			t.Errorf("steady total = %s, want %s", got, want)
		}
		if got, want := time.Since(t0), s.Duration(); got != want {
			t.Errorf("drive ended after %s, want %s (the stages' length)", got, want)
		}
	})
}

func TestDriver_steadyWaitsForFirstAnswers(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var pending atomic.Int64
		pending.Store(1)
		// Answered between two steps, so the order of simultaneous timers
		// does not matter.
		time.AfterFunc(250*time.Millisecond-time.Millisecond/2, func() { pending.Store(0) })
		d := &driver{sched: Linear{To: 3}, maxSteady: 100 * time.Millisecond, pending: pending.Load}
		t0 := time.Now()
		l := newDriveLog(d, t0)
		res := d.run(t.Context(), t0)
		if want := []time.Duration{250 * time.Millisecond}; !reflect.DeepEqual(l.steady, want) {
			t.Errorf("steady toggles at %v, want %v", l.steady, want)
		}
		if got, want := time.Since(t0), 350*time.Millisecond; got != want || res.Steady != 100*time.Millisecond {
			t.Errorf("drive ended after %s with %s steady, want %s with 100ms", got, res.Steady, want)
		}
	})
}

func TestDriver_cancelInterrupts(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
		defer cancel()
		d := &driver{sched: Linear{To: 2}, maxSteady: time.Hour}
		t0 := time.Now()
		l := newDriveLog(d, t0)
		res := d.run(ctx, t0)
		if res != (driveResult{Steady: 500 * time.Millisecond, Interrupted: true, Open: true, End: t0.Add(500 * time.Millisecond)}) {
			t.Errorf("result = %+v, want interrupted after 500ms of steady state", res)
		}
		if want := []time.Duration{0}; !reflect.DeepEqual(l.steady, want) {
			t.Errorf("steady toggles at %v, want %v", l.steady, want)
		}
	})
}

// TestDriver_lastStartsGetAnswered checks that a schedule ending on a
// ramp ("100ms:3") waits for the answers of its last starts instead of
// cutting them off when the schedule is done.
func TestDriver_lastStartsGetAnswered(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var (
			pending  atomic.Int64
			answered atomic.Int64 // ns after t0 of the latest answer
		)
		s := Stages{{100 * time.Millisecond, 3}}
		t0 := time.Now()
		d := &driver{sched: s, pending: pending.Load,
			answeredAt: func() time.Time { return t0.Add(time.Duration(answered.Load())) }}
		l := newDriveLog(d, t0)
		d.start = func(int) {
			l.started = append(l.started, time.Since(t0))
			pending.Add(1)
			time.AfterFunc(50*time.Millisecond+time.Millisecond/2, func() {
				answered.Store(int64(time.Since(t0)))
				pending.Add(-1)
			})
		}
		res := d.run(t.Context(), t0)
		if got, want := len(l.started), 3; got != want {
			t.Fatalf("started %d, want %d", got, want)
		}
		if got, want := time.Since(t0), 151*time.Millisecond; got != want {
			t.Errorf("drive ended after %s, want %s: when the last start was answered", got, want)
		}
		if got, want := res.End.Sub(t0), 150*time.Millisecond+time.Millisecond/2; got != want {
			t.Errorf("drive's end dated %s, want %s: the last answer", got, want)
		}
		if len(l.steady) != 0 || res.Steady != 0 {
			t.Errorf("steady windows %v (%s), want none: a ramp is not a hold", l.steady, res.Steady)
		}
	})
}

// TestDriver_lateStepsKeepExactInstants runs a driver whose steps come
// late, as in a saturated process: the steady state still begins at the
// last first answer and ends when it has lasted maxSteady, not when a late
// step notices.
func TestDriver_lateStepsKeepExactInstants(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var (
			pending  atomic.Int64
			answered time.Time
		)
		pending.Store(1)
		t0 := time.Now()
		time.AfterFunc(250*time.Millisecond-time.Millisecond/2, func() {
			answered = time.Now()
			pending.Store(0)
		})
		d := &driver{sched: Linear{To: 3}, maxSteady: 100 * time.Millisecond, pending: pending.Load,
			answeredAt: func() time.Time { return answered }}
		l := newDriveLog(d, t0)
		// Every step from 200 ms on takes 70 ms: the driver notices the
		// answer at 270 ms and the end at 340 ms or later.
		d.mark = func(now time.Time) {
			if now.Sub(t0) >= 200*time.Millisecond {
				time.Sleep(70 * time.Millisecond)
			}
		}
		res := d.run(t.Context(), t0)
		if want := []time.Duration{250*time.Millisecond - time.Millisecond/2}; !reflect.DeepEqual(l.steady, want) {
			t.Errorf("steady began at %v, want %v (the answer), not when a late step saw it", l.steady, want)
		}
		if got, want := res.End.Sub(t0), 350*time.Millisecond-time.Millisecond/2; got != want || res.Steady != 100*time.Millisecond {
			t.Errorf("drive ended at %s with %s steady, want %s with 100ms", got, res.Steady, want)
		}
		if late := time.Since(t0); late <= 350*time.Millisecond {
			t.Errorf("the drive returned at %s: the test did not make its steps late", late)
		}
		if h := d.lateness(); h.Max() < 60_000 {
			t.Errorf("clock lateness max = %d µs, want the 70 ms steps seen", h.Max())
		}
	})
}

// TestDriver_lateStepsDateStageChanges: with steps 7 ms late, the steady
// windows of a Stages schedule still open and close at the stage
// boundaries, and the drive ends at the stages' end.
func TestDriver_lateStepsDateStageChanges(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ms := time.Millisecond
		s := Stages{{40 * ms, 4}, {100 * ms, 4}, {20 * ms, 2}, {50 * ms, 2}, {10 * ms, 0}}
		d := &driver{sched: s, answeredAt: func() time.Time { return time.Time{} }}
		t0 := time.Now()
		l := newDriveLog(d, t0)
		d.mark = func(time.Time) { time.Sleep(7 * ms) }
		res := d.run(t.Context(), t0)
		if want := []time.Duration{40 * ms, 140 * ms, 160 * ms, 210 * ms}; !reflect.DeepEqual(l.steady, want) {
			t.Errorf("steady toggles at %v, want the stage boundaries %v", l.steady, want)
		}
		if res.Steady != 150*ms || res.End != t0.Add(s.Duration()) {
			t.Errorf("steady %s, end %s; want 150ms, %s", res.Steady, res.End.Sub(t0), s.Duration())
		}
	})
}

// TestDriver_holdGraceStartsSteadyAtRelease: in publisher mode, a server
// that holds its response headers leaves first answers pending; once every
// request is out and no answer came for holdGrace, the steady state begins
// at that moment (when publishing starts), not at an earlier answer, and
// lasts maxSteady from there.
func TestDriver_holdGraceStartsSteadyAtRelease(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var pending, unsent atomic.Int64
		t0 := time.Now()
		d := &driver{sched: Linear{To: 3}, maxSteady: 100 * time.Millisecond, pending: pending.Load,
			unsent: unsent.Load, holdGrace: 200 * time.Millisecond,
			answeredAt: func() time.Time { return t0.Add(10 * time.Millisecond) }}
		l := newDriveLog(d, t0)
		d.start = func(i int) {
			pending.Add(1)
			unsent.Add(1)
			// Requests are out after 50.5 ms (the step at 50 ms still
			// sees one unsent); one slot is answered at 10 ms.
			time.AfterFunc(50*time.Millisecond+time.Millisecond/2, func() { unsent.Add(-1) })
			if i == 0 {
				time.AfterFunc(10*time.Millisecond, func() { pending.Add(-1) })
			}
		}
		res := d.run(t.Context(), t0)
		if want := []time.Duration{250 * time.Millisecond}; !reflect.DeepEqual(l.steady, want) {
			t.Errorf("steady toggles at %v, want %v: holdGrace after the last request was out", l.steady, want)
		}
		if res.HeldHeaders != 2 {
			t.Errorf("HeldHeaders = %d, want 2", res.HeldHeaders)
		}
		if got, want := res.End.Sub(t0), 350*time.Millisecond; got != want || res.Steady != 100*time.Millisecond || !res.Open {
			t.Errorf("drive ended at %s with %s steady (open %v), want %s with 100ms, open", got, res.Steady, res.Open, want)
		}
	})
}
