package main

import (
	"flag"

	"github.com/ssebench/ssebench/loadgen"
)

// shapeFlags are the flags of loadgen.ShapeOptions that need work after
// parsing: --stages replaces the --subscribers and --duration defaults.
type shapeFlags struct {
	o *loadgen.ShapeOptions
}

// addShapeFlags registers the flags of loadgen.ShapeOptions: how subscribers
// arrive over time and how they reconnect.
func addShapeFlags(fs *flag.FlagSet, o *loadgen.ShapeOptions) *shapeFlags {
	if o.ReconnectDelay == 0 {
		o.ReconnectDelay = loadgen.DefaultReconnectDelay
	}
	fs.DurationVar(&o.Ramp, "ramp", o.Ramp, "spread the subscribers' first connections evenly over this `duration`;\nthe steady state (--duration) starts once all have connected or failed [0 = all at once]")
	fs.Var(newRateFlag(&o.ConnectRate, true), "connect-rate", "start subscribers at this `rate`: N or N/s per second, N/m per minute (instead of --ramp)")
	fs.Var((*stagesFlag)(&o.Stages), "stages", "k6-style `stages` DURATION:TARGET,...: move linearly to each target in turn, e.g.\n30s:1000,60s:1000,10s:0; ramping down closes subscribers (not a failure). The highest\ntarget is --subscribers and the stages' total is the run's length; the steady state is\nevery hold above 0 (a stage whose target equals the previous one)")
	fs.DurationVar(&o.ReconnectDelay, "reconnect-delay", o.ReconnectDelay, "`time` to wait before reconnecting after a stream ends, when the server sent no retry:\n(the server's value wins); reconnections send Last-Event-ID, a 204 answer stops them")
	fs.BoolVar(&o.NoReconnect, "no-reconnect", o.NoReconnect, "never reconnect: a subscriber whose stream ends stays without one (counted as dropped)")
	return &shapeFlags{o: o}
}

// apply runs after parsing. With --stages, the stages set how many
// subscribers and how long, so the --subscribers and --duration defaults
// are dropped; given explicitly, they reach loadgen's validation, which
// explains the conflict.
func (sf *shapeFlags) apply(cfg *loadgen.Config, set map[string]bool) {
	if len(sf.o.Stages) == 0 {
		return
	}
	if !set["subscribers"] {
		cfg.Subscribers = 0
	}
	if !set["duration"] {
		cfg.Duration = 0
	}
}

// stagesFlag parses --stages with loadgen.ParseStages.
type stagesFlag loadgen.Stages

func (sf *stagesFlag) String() string {
	if sf == nil {
		return ""
	}
	return loadgen.Stages(*sf).String()
}

func (sf *stagesFlag) Set(s string) error {
	st, err := loadgen.ParseStages(s)
	if err != nil {
		return err
	}
	*sf = stagesFlag(st)
	return nil
}
