package bench

import (
	"fmt"
	"syscall"
	"time"

	"github.com/ssebench/ssebench/loadgen"
)

// Defaults for what a suite leaves out.
const (
	DefaultDuration     = 10 * time.Second
	DefaultWarmup       = 2 * time.Second
	DefaultRepeats      = 5
	DefaultReadyTimeout = 15 * time.Second
	DefaultStopTimeout  = 5 * time.Second
	DefaultSubscribers  = 100
	DefaultRate         = 10.0
	DefaultPayload      = 64
	DefaultProtocol     = "h1"
)

// Suite is a benchmark: the targets compared and the load matrix they are
// measured under. It is decoded from YAML by Parse.
type Suite struct {
	// Name names the suite in the report.
	Name string
	// File is the suite file's path; "" for a built-in suite.
	File string
	// Dir is the folder relative paths (workdir) resolve against: the
	// suite file's folder, or the current folder for a built-in suite.
	Dir string
	// Duration is each measured run's steady state. Default DefaultDuration.
	Duration time.Duration
	// Warmup is how long each target serves the scenario's load before it
	// is measured; the warm-up's figures are discarded. 0 = none.
	Warmup time.Duration
	// Repeats is how many times each target is measured per scenario.
	Repeats int
	// ConnectTimeout bounds request start to response headers; 0 means
	// loadgen's default. A target that holds its headers until its first
	// event needs it longer than one event interval.
	ConnectTimeout time.Duration
	// SelfCheck sets when the load generator judges itself saturated (a
	// saturated run is never ranked); zero values mean loadgen's defaults.
	SelfCheck loadgen.SelfCheckOptions
	// Matrix is the load: every combination is one scenario.
	Matrix Matrix
	// Targets are the implementations compared, in report order.
	Targets []Target
}

// Matrix lists the values of each load dimension; the scenarios are their
// cartesian product.
type Matrix struct {
	// Subscribers held open.
	Subscribers []int
	// Rate is events per second on every stream.
	Rate []float64
	// Payload is the event data size in bytes.
	Payload []int
	// Protocol is h1, h2c or h2.
	Protocol []string
}

// Target is one implementation under test.
type Target struct {
	// Name is unique in the suite.
	Name string
	// Description says what the target is, for people.
	Description string
	// Install is the command that installs what the target needs, shown
	// when the target cannot start.
	Install string
	// Start runs the target; nil when it is already running at URL.
	Start *Command
	// Ready says when a started target may be measured.
	Ready Ready
	// Stop says how a started target is stopped.
	Stop Stop
	// URL is the event stream, with placeholders (see Expand).
	URL string
	// Latency is the fan-out latency source: "reference",
	// "json:PATH[:UNIT]", "publisher" or "none".
	Latency string
	// Publish configures publisher mode (Latency "publisher").
	Publish *Publish
	// Protocols the target speaks; a scenario of another protocol skips
	// it. Default: every protocol of the matrix.
	Protocols []string
	// Line is where the target is defined in the suite file.
	Line int
}

// Command is how a target is started.
type Command struct {
	// Args is the program and its arguments, with placeholders.
	Args []string
	// Env is added to ssebench's environment, with placeholders.
	Env map[string]string
	// Workdir is the working folder, relative to the suite's folder.
	Workdir string
}

// Ready says when a started target is ready to be measured.
type Ready struct {
	// URL, when set, is polled until it answers with any status below 500.
	URL string
	// Stream, when true (and the default without URL), waits until the
	// event stream answers 200 text/event-stream.
	Stream bool
	// Timeout bounds the wait. Default DefaultReadyTimeout.
	Timeout time.Duration
}

// Stop says how a started target is stopped.
type Stop struct {
	// Signal is sent to the target's process group first. Default SIGTERM.
	Signal syscall.Signal
	// Timeout is how long to wait before SIGKILL. Default DefaultStopTimeout.
	Timeout time.Duration
}

// Publish configures publisher mode: ssebench publishes the events itself.
type Publish struct {
	// URL to publish to, with placeholders.
	URL string
	// Method of the publish request; "" means loadgen's default (POST).
	Method string
	// Headers of the publish request.
	Headers map[string]string
	// Body template; "" means loadgen's default. loadgen's own
	// placeholders ({marker}, {seq}, {ts_ns}, …) are left to it.
	Body string
}

// Scenario is one point of the matrix.
type Scenario struct {
	// Subscribers held open.
	Subscribers int
	// Rate is events per second on every stream.
	Rate float64
	// Payload is the event data size in bytes.
	Payload int
	// Protocol is h1, h2c or h2.
	Protocol string
}

// Name is how the scenario is shown: "1000 subs × 10/s × 64 B h1".
func (s Scenario) Name() string {
	return fmt.Sprintf("%d subs × %s/s × %d B %s", s.Subscribers, formatRate(s.Rate), s.Payload, s.Protocol)
}

// Scenarios expands the matrix, subscribers varying slowest.
func (s *Suite) Scenarios() []Scenario {
	var out []Scenario
	for _, n := range s.Matrix.Subscribers {
		for _, r := range s.Matrix.Rate {
			for _, p := range s.Matrix.Payload {
				for _, proto := range s.Matrix.Protocol {
					out = append(out, Scenario{Subscribers: n, Rate: r, Payload: p, Protocol: proto})
				}
			}
		}
	}
	return out
}

// Speaks tells whether t speaks protocol.
func (t *Target) Speaks(protocol string) bool {
	if len(t.Protocols) == 0 {
		return true
	}
	for _, p := range t.Protocols {
		if p == protocol {
			return true
		}
	}
	return false
}
