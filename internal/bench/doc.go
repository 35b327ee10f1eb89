// Package bench runs a fair, side-by-side benchmark of several Server-Sent
// Events implementations from a suite: it starts each target fresh for
// every run, warms it up, measures it with the same engine as `ssebench
// run` (loadgen.Run), samples the cost of its process tree from /proc, and
// collects every run into one result.Bench document.
//
//	Suite ─► Plan (matrix × repeats, interleaved A B C A B C)
//	      ─► per run: StartProcess ─► WaitReady ─► warm-up ─► loadgen.Run (+ costMeter on /proc) ─► Stop
//	      ─► result.Bench (the renderers in package reports rank it)
//
// Runs are interleaved so that drift on a shared machine hits every target
// alike. A run in which the load generator judged itself saturated is kept
// but marked invalid, and never ranked.
package bench
