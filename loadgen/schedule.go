package loadgen

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A Schedule says how many subscribers should hold a stream at each moment
// of a run, like vegeta's Pacer or a k6 executor. The runner asks it every
// scheduleStep: it opens subscribers while fewer are open than Target's N
// and closes the newest ones while more are (closing is not a failure).
// Target is called from one goroutine and must not block.
type Schedule interface {
	// Target returns what the schedule asks for elapsed after the run
	// began. elapsed never decreases from one call to the next.
	Target(elapsed time.Duration) Step
}

// Step is what a Schedule asks for at one moment of a run.
type Step struct {
	// N is how many subscribers should hold a stream.
	N int
	// Hold is true on a plateau: N stays constant around this moment. The
	// steady state is measured only in a hold with N > 0, from when every
	// subscriber it asks for has connected or failed (see doc.go).
	Hold bool
	// Done is true once the schedule is over; the run then ends.
	Done bool
}

// ScheduleFunc adapts a function to the Schedule interface.
type ScheduleFunc func(elapsed time.Duration) Step

// Target implements Schedule.
func (f ScheduleFunc) Target(elapsed time.Duration) Step { return f(elapsed) }

// Linear ramps from From to To subscribers over Over, then holds To for
// ever; it is never Done, so a run on it ends when the steady state has
// lasted Config.Duration. It is the schedule of --ramp and --connect-rate,
// and with Over = 0 of opening everyone at once.
type Linear struct {
	From, To int
	Over     time.Duration
}

// Target implements Schedule. Between From and To the count moves by whole
// subscribers, truncated toward From: ramping up from 0 to N over D opens
// subscriber i (from 0) at (i+1)·D/N, so the last one opens at D.
func (l Linear) Target(elapsed time.Duration) Step {
	if elapsed >= l.Over || l.From == l.To {
		return Step{N: l.To, Hold: true}
	}
	if elapsed < 0 {
		elapsed = 0
	}
	// float64 keeps (To-From)·elapsed from overflowing for long ramps; the
	// conversion to int truncates toward zero, that is toward From.
	return Step{N: l.From + int(float64(l.To-l.From)*float64(elapsed)/float64(l.Over))}
}

// Stage is one part of a Stages schedule: the target moves linearly from the
// previous stage's target (0 before the first stage) to Target over
// Duration. A stage whose target equals the previous one is a hold.
type Stage struct {
	// Duration is how long the stage lasts. 0 jumps to Target at once.
	Duration time.Duration `json:"duration"`
	// Target is the number of subscribers at the end of the stage.
	Target int `json:"target"`
}

// Stages is a k6-style schedule: "30s:1000,60s:1000,10s:0" ramps up to 1000
// subscribers over 30 s, holds them 60 s, and closes them over 10 s. It is
// Done after the last stage; the run then ends. Its steady state is made of
// its holds with a target above 0 (here the 60 s).
type Stages []Stage

// Target implements Schedule.
func (s Stages) Target(elapsed time.Duration) Step {
	from := 0
	var at time.Duration // start of stage i
	for _, st := range s {
		if elapsed < at+st.Duration {
			if st.Target == from {
				return Step{N: from, Hold: from > 0}
			}
			l := Linear{From: from, To: st.Target, Over: st.Duration}
			return Step{N: l.Target(elapsed - at).N}
		}
		from, at = st.Target, at+st.Duration
	}
	return Step{N: from, Done: true}
}

// Duration returns the total length of the stages.
func (s Stages) Duration() time.Duration {
	var d time.Duration
	for _, st := range s {
		d += st.Duration
	}
	return d
}

// Max returns the highest target of the stages: how many subscribers the
// run needs at most.
func (s Stages) Max() int {
	m := 0
	for _, st := range s {
		m = max(m, st.Target)
	}
	return m
}

// Compile-time checks that the schedules implement Schedule.
var (
	_ Schedule = Linear{}
	_ Schedule = Stages{}
	_ Schedule = ScheduleFunc(nil)
)

// ParseStages parses k6-style stages, "DURATION:TARGET[,DURATION:TARGET…]",
// e.g. "30s:1000,60s:1000,10s:0". Durations use time.ParseDuration syntax.
// Errors name the offending token.
func ParseStages(s string) (Stages, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("no stages: want DURATION:TARGET[,DURATION:TARGET…], e.g. 30s:1000,60s:1000,10s:0")
	}
	var out Stages
	for i, tok := range strings.Split(s, ",") {
		tok = strings.TrimSpace(tok)
		ds, ns, ok := strings.Cut(tok, ":")
		if !ok {
			return nil, fmt.Errorf("stage %d %q: want DURATION:TARGET, e.g. 30s:1000", i+1, tok)
		}
		d, err := time.ParseDuration(strings.TrimSpace(ds))
		if err != nil || d < 0 {
			return nil, fmt.Errorf("stage %d %q: duration %q: want a duration >= 0 such as 30s or 1m30s", i+1, tok, ds)
		}
		n, err := strconv.Atoi(strings.TrimSpace(ns))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("stage %d %q: target %q: want a whole number of subscribers >= 0", i+1, tok, ns)
		}
		out = append(out, Stage{Duration: d, Target: n})
	}
	return out, nil
}

// String formats s the way ParseStages reads it.
func (s Stages) String() string {
	parts := make([]string, len(s))
	for i, st := range s {
		parts[i] = st.Duration.String() + ":" + strconv.Itoa(st.Target)
	}
	return strings.Join(parts, ",")
}

// validate lists the problems with s, naming the offending stage.
func (s Stages) validate() []error {
	var errs []error
	for i, st := range s {
		if st.Duration < 0 || st.Target < 0 {
			errs = append(errs, fmt.Errorf("--stages: stage %d %q: duration and target must be >= 0", i+1, Stages{st}.String()))
		}
	}
	if len(s) > 0 && s.Max() == 0 {
		errs = append(errs, fmt.Errorf("--stages %q: no stage has a target above 0", s.String()))
	}
	if len(s) > 0 && s.Duration() == 0 {
		errs = append(errs, fmt.Errorf("--stages %q: the stages last 0s in total", s.String()))
	}
	return errs
}
