package bench

import (
	"strconv"
	"strings"
)

// Vars are the values of a run's placeholders. Suite strings (start
// command, environment, URLs) name them in braces: {addr}, {port}, …;
// any other brace text, such as publisher mode's {marker}, is left alone.
type Vars struct {
	// Host and Port are where the target listens: 127.0.0.1 and a port
	// that was free a moment before the target started.
	Host string
	// Port is the target's TCP port.
	Port int
	// Scenario is the load of the run.
	Scenario Scenario
	// Self is the path of the ssebench program, for targets that run
	// `ssebench serve`.
	Self string
	// SuiteDir is the suite file's folder, absolute.
	SuiteDir string
	// Tmp is a fresh folder for this run, removed after it.
	Tmp string
}

// Expand replaces the placeholders in s: {addr} (host:port), {host},
// {port}, {subscribers}, {rate}, {payload}, {protocol}, {ssebench},
// {suite_dir} and {tmp}.
func (v Vars) Expand(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	return strings.NewReplacer(
		"{addr}", v.Host+":"+strconv.Itoa(v.Port),
		"{host}", v.Host,
		"{port}", strconv.Itoa(v.Port),
		"{subscribers}", strconv.Itoa(v.Scenario.Subscribers),
		"{rate}", formatRate(v.Scenario.Rate),
		"{payload}", strconv.Itoa(v.Scenario.Payload),
		"{protocol}", v.Scenario.Protocol,
		"{ssebench}", v.Self,
		"{suite_dir}", v.SuiteDir,
		"{tmp}", v.Tmp,
	).Replace(s)
}
