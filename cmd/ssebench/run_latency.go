package main

import (
	"flag"

	"github.com/ssebench/ssebench/loadgen"
	refserver "github.com/ssebench/ssebench/reference-server"
)

// latencyFlags are the flags that choose the fan-out latency source.
type latencyFlags struct{}

// addLatencyFlags registers the latency-source flags.
func addLatencyFlags(fs *flag.FlagSet) *latencyFlags { return &latencyFlags{} }

// apply sets cfg's latency source from the flags. It runs after parsing and
// returns usage errors for bad values.
func (l *latencyFlags) apply(cfg *loadgen.Config) error {
	cfg.Latency = loadgen.WallClockStamp{Source: "reference", Parse: refserver.ParsePublishTime}
	return nil
}
