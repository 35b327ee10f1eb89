package main

import (
	"flag"

	"github.com/ssebench/ssebench/loadgen"
)

// addTargetFlags registers the flags of loadgen.TargetOptions: what the
// requests look like and how connections are made.
func addTargetFlags(fs *flag.FlagSet, o *loadgen.TargetOptions) {}
