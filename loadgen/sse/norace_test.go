//go:build !race

package sse

// raceEnabled reports whether the race detector, which allocates, is on.
const raceEnabled = false
