package capacity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/reports/result"
)

// Search finds the highest load that meets every objective.
//
// Stepping: the load starts at Start and grows by Step (clamped to Max)
// until a step fails (an objective broke, or the client was the
// bottleneck) or a step at Max passes. Bisection: between the last good
// load lo and the first bad load hi, it runs the midpoint, which becomes
// the new lo when it passes and the new hi when it fails, Bisect times or
// until hi-lo is at most Resolution. The highest passing load is Best; the
// lowest failing one is FirstBad, and the verdict is the client's limit when
// FirstBad was client-limited.
//
// Cancelling ctx stops the search after the step in progress, whose figures
// are kept and marked interrupted; the result is then returned without an
// error. Search returns an error for an invalid configuration or when a
// step cannot run for a reason other than the client's limits.
func Search(ctx context.Context, cfg Config) (*result.Limits, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := cfg.withDefaults()
	s := &search{c: &c, lim: newLimits(&c)}

	var good, bad *result.LimitStep
	load := c.round(c.Start)
	for {
		st, err := s.step(ctx, load, result.PhaseStep)
		if err != nil {
			return nil, err
		}
		if st.Interrupted {
			break
		}
		if !st.Pass {
			bad = st
			break
		}
		good = st
		if load >= c.Max {
			break
		}
		load = c.round(min(c.Step.Next(load), c.Max))
	}
	// The client's limit leaves nothing to bisect: the steps between the
	// last good load and this one would measure the client too.
	if good != nil && bad != nil && !bad.ClientLimited {
		lo, hi := good.Load, bad.Load
		for range c.Bisect {
			mid, ok := c.midpoint(lo, hi)
			if !ok {
				break
			}
			st, err := s.step(ctx, mid, result.PhaseBisect)
			if err != nil {
				return nil, err
			}
			if st.Interrupted {
				break
			}
			if st.Pass {
				lo = mid
			} else {
				hi = mid
				if st.ClientLimited {
					break
				}
			}
		}
	}
	s.conclude()
	return s.lim, nil
}

// midpoint returns the load halfway between lo and hi, rounded, and false
// when lo and hi are within Resolution of each other.
func (c *Config) midpoint(lo, hi float64) (float64, bool) {
	if hi-lo <= c.Resolution {
		return 0, false
	}
	mid := c.round(lo + (hi-lo)/2)
	if mid <= lo || mid >= hi {
		return 0, false
	}
	return mid, true
}

// search is the state of one Search.
type search struct {
	c   *Config
	lim *result.Limits
}

// newLimits starts the result document.
func newLimits(c *Config) *result.Limits {
	l := &result.Limits{
		Schema:        result.Schema,
		Kind:          result.LimitsKind,
		Tool:          c.Base.Tool,
		Target:        c.Base.URL,
		Embedded:      c.Base.Embedded,
		Protocol:      c.Base.Protocol,
		Started:       time.Now(),
		Vary:          c.Vary,
		Unit:          c.unit(),
		StepDurationS: c.StepDuration.Seconds(),
		Steps:         []result.LimitStep{},
		Warnings:      []string{},
	}
	if l.Protocol == "" {
		l.Protocol = loadgen.DefaultProtocol
	}
	for _, o := range c.SLO {
		l.SLO = append(l.SLO, o.String())
	}
	return l
}

// step runs one load step after the cooldown and returns its outcome,
// which is also appended to the result. Only configuration errors and
// failures to prepare a step come back as errors.
//
// A step that looks client-limited only because ssebench was saturated
// (not out of descriptors or ports) is run once more: a stall of a shared
// machine (another process, a burst of garbage collection) should not end
// a search, while a client that cannot drive the load saturates again.
func (s *search) step(ctx context.Context, load float64, phase string) (*result.LimitStep, error) {
	var st *result.LimitStep
	for attempt := range 2 {
		if len(s.lim.Steps) > 0 || attempt > 0 {
			if err := s.pause(ctx); err != nil {
				if ctx.Err() == nil {
					return nil, err
				}
				st = &result.LimitStep{Load: load, Phase: phase, Checks: []result.SLOCheck{}, Interrupted: true}
				break
			}
		}
		var transient bool
		var err error
		st, transient, err = s.measure(ctx, load, phase)
		if err != nil {
			return nil, err
		}
		if !st.ClientLimited || !transient || st.Interrupted || attempt > 0 {
			break
		}
		s.lim.Warnings = append(s.lim.Warnings, fmt.Sprintf("the step at %s %s looked client-limited (%s) and was run again",
			result.FormatLoad(load), s.c.unit(), st.Note))
	}
	s.lim.Steps = append(s.lim.Steps, *st)
	if s.c.OnStep != nil {
		s.c.OnStep(*st)
	}
	return &s.lim.Steps[len(s.lim.Steps)-1], nil
}

// measure runs one step. transient is true when the step is client-limited
// only by saturation, which may pass.
func (s *search) measure(ctx context.Context, load float64, phase string) (st *result.LimitStep, transient bool, err error) {
	st = &result.LimitStep{Load: load, Phase: phase, Checks: []result.SLOCheck{}}
	if ctx.Err() != nil {
		st.Interrupted = true
		return st, false, nil
	}
	rc := s.c.Base
	rc.Duration = s.c.StepDuration
	rc.Progress = nil
	if s.c.Vary == result.VarySubscribers {
		rc.Subscribers = int(load)
	} else if rc.PublishURL != "" {
		rc.PublishRate = load
	}
	if s.c.Prepare != nil {
		release, err := s.c.Prepare(ctx, load, &rc)
		if err != nil {
			return nil, false, fmt.Errorf("step at %s %s: %w", result.FormatLoad(load), s.c.unit(), err)
		}
		if release != nil {
			defer release()
		}
	}
	if s.lim.Target == "" {
		s.lim.Target = rc.URL
	}
	if s.lim.Fixed == "" {
		s.lim.Fixed = fixed(s.c, &rc)
	}

	rep, err := s.c.Run(ctx, rc)
	switch {
	case errors.Is(err, loadgen.ErrTooManyForLimits):
		// The run could not even start: this process cannot hold the
		// step's connections. That is the client's limit by definition.
		st.ClientLimited = true
		st.Note = "ssebench cannot hold this load in one process: " + err.Error()
	case rep == nil:
		return nil, false, fmt.Errorf("step at %s %s: %w", result.FormatLoad(load), s.c.unit(), err)
	default:
		fill(st, rep)
		st.Interrupted = rep.Interrupted || ctx.Err() != nil
		failed := []string{}
		for _, o := range s.c.SLO {
			chk := o.Check(rep)
			st.Checks = append(st.Checks, chk)
			switch {
			case chk.NoData:
				failed = append(failed, chk.Objective+" (not measured)")
			case !chk.Pass:
				failed = append(failed, fmt.Sprintf("%s (measured %s)", chk.Objective, chk.Measured))
			}
		}
		if why, limited, sat := clientLimit(rep); limited {
			st.ClientLimited, st.Note, transient = true, why, sat
		} else if len(failed) > 0 {
			st.Note = "broke " + joinAnd(failed)
		}
		st.Pass = len(failed) == 0 && !st.ClientLimited
	}
	if st.Interrupted {
		st.Pass = false
	}
	return st, transient, nil
}

// pause waits Cooldown, then Settle.
func (s *search) pause(ctx context.Context) error {
	if d := s.c.Cooldown; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	if s.c.Settle != nil {
		return s.c.Settle(ctx)
	}
	return nil
}

// fixed describes what stays the same while the load varies.
func fixed(c *Config, rc *loadgen.Config) string {
	if c.Vary == result.VaryRate {
		n := rc.Subscribers
		if n == 0 {
			n = loadgen.DefaultSubscribers
		}
		return fmt.Sprintf("%d subscribers", n)
	}
	if rc.PublishURL != "" {
		r := rc.PublishRate
		if r == 0 {
			r = loadgen.DefaultPublishRate
		}
		return fmt.Sprintf("%g events/s published", r)
	}
	return ""
}

// fill copies a step's headline figures from its report.
func fill(st *result.LimitStep, r *result.Report) {
	st.DurationS = r.DurationS
	st.Requested = r.Subscribers.Requested
	st.Connected = r.Subscribers.Connected
	st.EventsPerS = r.Events.RatePerS
	st.BytesPerS = r.Events.BytesPerS
	f := r.LatencyUS.Fanout
	st.FanoutCount, st.FanoutP50US, st.FanoutP99US, st.FanoutP999US = f.Count, f.P50, f.P99, f.P999
	st.ConnectP99US = r.LatencyUS.Connect.P99
	st.ErrorRate, _ = value("errors.rate", r)
	if len(r.Errors) > 0 {
		st.Errors = r.Errors
	}
	if d, ok := deliveryRatio(r); ok {
		st.DeliveryRatio = &d
	}
	st.CPUPercent = r.SelfCheck.CPUPercent
}

// joinAnd joins "a", "b", "c" as "a, b and c".
func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	out := parts[0]
	for _, p := range parts[1 : len(parts)-1] {
		out += ", " + p
	}
	return out + " and " + parts[len(parts)-1]
}
