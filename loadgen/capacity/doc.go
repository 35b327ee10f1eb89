// Package capacity finds where a Server-Sent Events server stops meeting
// its service-level objectives, and probes its connection limits.
//
//	Search:  Start ─► Step ─► Step ─► … first bad ─► bisect(last good, first bad) ─► *reports.Limits
//	            each step: loadgen.Run(StepDuration) ─► Objectives ─► pass / fail / client-limited
//
// Search raises the load step by step (subscribers, or the publish rate),
// holds each step for Config.StepDuration with loadgen.Run, and checks the
// step's report against the objectives (ParseSLO). At the first step that
// breaks one it bisects between the last good and the first bad load, then
// reports the highest load that met every objective, the knee where fan-out
// latency starts to climb (knee.go), and a verdict.
//
// A step at which ssebench itself was the bottleneck (its self-check says
// saturated, or connections failed with the client-side classes fd_limit or
// local_ports, or the run could not fit the process's limits at all) is
// client-limited: its figures describe the client, so the search stops and
// says the limit found is the client's (client.go). Such a step never counts
// as the server's failure.
//
// ProbeConnections opens many streams at once to see how many the server
// accepts and what it does beyond (refuse, reset, answer 503, stall), times
// a burst of connections, and speaks raw HTTP/2 frames on one connection to
// read SETTINGS_MAX_CONCURRENT_STREAMS and test whether the server enforces
// it. Browser emulates browser tabs over HTTP/1.1 (six connections per
// origin) and HTTP/2 (one connection).
// Their requests, stream check and TLS come from package transport, so
// they send what a run sends.
//
// The package does no terminal or file I/O: it returns values and calls
// Config.OnStep; the command decides what to print.
package capacity
