package main

import (
	"flag"

	"github.com/ssebench/ssebench/loadgen"
)

// addShapeFlags registers the flags of loadgen.ShapeOptions: how subscribers
// arrive over time and how they reconnect.
func addShapeFlags(fs *flag.FlagSet, o *loadgen.ShapeOptions) {}
