package capacity

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/reports/result"
)

// Defaults for ProbeConfig's zero values.
const (
	// DefaultProbeMax is how many streams the probe opens at once.
	DefaultProbeMax = DefaultMaxSubscribers
	// DefaultProbeHold is how long the probe holds them: long enough for
	// the follow-up request that reads a refusal's Retry-After.
	DefaultProbeHold = 2 * time.Second
	// DefaultProbeBurst caps the connections of the rate measurement.
	DefaultProbeBurst = 1000
	// DefaultH2Ceiling caps the streams the HTTP/2 probe opens on one
	// connection: a server advertising more is not tested for
	// enforcement, since opening that many streams on one connection
	// measures the probe more than the server.
	DefaultH2Ceiling = 1000
)

// probeInterval is the time-series resolution of the probe's runs: the most
// streams held at once is read from it.
const probeInterval = 100 * time.Millisecond

// ProbeConfig configures ProbeConnections.
type ProbeConfig struct {
	// Base is the target, protocol and connection settings; its
	// Subscribers, Duration, load shape and publisher settings are
	// replaced.
	Base loadgen.Config
	// Max is how many streams to open at once. 0 means DefaultProbeMax.
	Max int
	// Hold is how long to hold them. 0 means DefaultProbeHold.
	Hold time.Duration
	// Burst caps the connections opened to time the establishment rate;
	// the probe opens min(accepted, Burst). 0 means DefaultProbeBurst.
	Burst int
	// H2Ceiling caps the streams the HTTP/2 probe opens on one connection.
	// 0 means DefaultH2Ceiling.
	H2Ceiling int
	// Cooldown is the pause between the parts of the probe, so the server
	// can free what the previous part held. 0 means none.
	Cooldown time.Duration
	// Settle, when set, is called after each Cooldown (see Config.Settle).
	Settle func(ctx context.Context) error
	// Run runs the probe's loads. nil means loadgen.Run.
	Run Runner
}

// ProbeConnections finds how many concurrent streams the server accepts and
// what it does beyond: it opens Max streams at once (no reconnection) and
// holds them; the most held at once is the limit, and the failure classes of
// the rest say what happens beyond (dial: refused; status: an error answer
// such as 503, whose Retry-After a follow-up request reads while the streams
// are held; timeout: stalled; protocol, read, eof: reset or closed). Client
// classes (fd_limit, local_ports) mark the result client-limited. It then
// times a burst of min(accepted, Burst) connections opened at once, and
// probes the HTTP/2 stream limit on one raw connection (probeH2).
func ProbeConnections(ctx context.Context, pc ProbeConfig) (*result.ConnProbe, error) {
	pc = pc.withDefaults()
	base := pc.Base
	p := &result.ConnProbe{Protocol: cmp.Or(base.Protocol, loadgen.DefaultProtocol), Tried: pc.Max}

	held, err := pc.hold(ctx, p)
	if err != nil {
		return nil, err
	}
	if held && p.Accepted > 0 && ctx.Err() == nil {
		if err := pc.pause(ctx); err != nil {
			return p, nil //nolint:nilerr // interrupted: return what was found
		}
		if err := pc.burst(ctx, p); err != nil {
			return nil, err
		}
	}
	if ctx.Err() == nil {
		p.H2 = probeH2(ctx, &base, pc.H2Ceiling)
	}
	return p, nil
}

func (pc ProbeConfig) withDefaults() ProbeConfig {
	pc.Max = cmp.Or(pc.Max, DefaultProbeMax)
	pc.Hold = cmp.Or(pc.Hold, DefaultProbeHold)
	pc.Burst = cmp.Or(pc.Burst, DefaultProbeBurst)
	pc.H2Ceiling = cmp.Or(pc.H2Ceiling, DefaultH2Ceiling)
	if pc.Run == nil {
		pc.Run = loadgen.Run
	}
	return pc
}

// probeRun returns the configuration of one of the probe's loads: n
// streams opened at once, held for hold, never reconnected, nothing
// published.
func (pc *ProbeConfig) probeRun(n int, hold time.Duration) loadgen.Config {
	rc := pc.Base
	rc.Subscribers, rc.Duration = n, hold
	rc.ShapeOptions = loadgen.ShapeOptions{NoReconnect: true}
	rc.LatencyOptions = loadgen.LatencyOptions{Latency: pc.Base.Latency}
	rc.Interval = probeInterval
	rc.Progress, rc.Dump = nil, nil
	return rc
}

// hold opens Max streams and fills Accepted, Beyond and Behaviour. It
// returns false when the run could not start (the client's limits).
func (pc *ProbeConfig) hold(ctx context.Context, p *result.ConnProbe) (bool, error) {
	rc := pc.probeRun(pc.Max, pc.Hold)
	var (
		mu       sync.Mutex
		maxHeld  int
		started  bool
		followUp = make(chan refusal, 1)
	)
	rc.Progress = func(pr loadgen.Progress) {
		mu.Lock()
		defer mu.Unlock()
		maxHeld = max(maxHeld, pr.Connected)
		// Once every stream has its answer and some were not accepted,
		// ask once more while the others are still held: the answer's
		// headers (Retry-After) are not in the report.
		if pr.Steady && !started && pr.Connected < pr.Requested {
			started = true
			go func() {
				fctx, cancel := context.WithTimeout(ctx, min(connectTimeout(&pc.Base), pc.Hold/2))
				defer cancel()
				followUp <- oneMore(fctx, &pc.Base)
			}()
		}
	}
	rep, err := pc.Run(ctx, rc)
	switch {
	case errors.Is(err, loadgen.ErrTooManyForLimits):
		p.ClientLimited = true
		p.Behaviour = "ssebench cannot open this many connections in one process: " + err.Error() +
			"; the limit is the client's: lower --max, or " + ShardAdvice
		return false, nil
	case rep == nil:
		return false, err
	}
	mu.Lock()
	p.Accepted = maxHeld
	wasStarted := started
	mu.Unlock()
	for _, iv := range rep.Intervals {
		p.Accepted = max(p.Accepted, iv.Connected)
	}
	p.Accepted = min(p.Accepted, rep.Subscribers.Connected)
	p.AllAccepted = rep.Subscribers.Failed == 0 && rep.Subscribers.Connected == pc.Max
	p.Beyond = refusals(rep)
	var more refusal
	if wasStarted {
		select {
		case more = <-followUp:
		case <-time.After(connectTimeout(&pc.Base)):
		}
	}
	if more.refused {
		p.RetryAfter = more.retryAfter
	}
	p.Behaviour = behaviour(p, rep, more)
	return true, nil
}

// burst opens min(Accepted, Burst) connections at once and times them.
func (pc *ProbeConfig) burst(ctx context.Context, p *result.ConnProbe) error {
	n := min(p.Accepted, pc.Burst)
	rep, err := pc.Run(ctx, pc.probeRun(n, probeInterval))
	if rep == nil {
		if errors.Is(err, loadgen.ErrTooManyForLimits) {
			return nil
		}
		return err
	}
	p.ConnectBurst = n
	// With every connection started at once, the ramp lasts until the
	// last one has its answer: the connections per second the server
	// established, handshakes included.
	if rep.Ramp != nil && rep.Ramp.DurationS > 0 {
		p.ConnectRatePerS = float64(rep.Subscribers.Connected) / rep.Ramp.DurationS
	}
	p.ConnectP50US, p.ConnectP99US = rep.LatencyUS.Connect.P50, rep.LatencyUS.Connect.P99
	return nil
}

// pause waits Cooldown, then Settle.
func (pc *ProbeConfig) pause(ctx context.Context) error {
	if pc.Cooldown > 0 {
		t := time.NewTimer(pc.Cooldown)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	if pc.Settle != nil {
		return pc.Settle(ctx)
	}
	return nil
}

// meanings say what each failure class means beyond a connection limit.
var meanings = map[string]string{
	loadgen.ClassDial:             "refused: the TCP connection was not accepted",
	loadgen.ClassStatus:           "answered with an error status instead of a stream",
	loadgen.ClassTimeout:          "stalled: no response headers until the connect timeout",
	loadgen.ClassProtocol:         "reset or closed before the response headers",
	loadgen.ClassRead:             "reset after the stream started",
	loadgen.ClassEOF:              "closed by the server after the stream started",
	loadgen.ClassContentType:      "answered without an event stream",
	loadgen.ClassTLS:              "the TLS handshake failed",
	loadgen.ClassNoContent:        "answered 204 No Content (stop reconnecting)",
	loadgen.ClassProtocolMismatch: "the server would not speak the protocol asked for",
	loadgen.ClassTooLarge:         "an event exceeded --max-event-bytes",
	loadgen.ClassFDLimit:          "CLIENT limit: ssebench ran out of file descriptors",
	loadgen.ClassLocalPorts:       "CLIENT limit: ssebench ran out of local ports",
}

// refusals lists a run's failures by class, most frequent first.
func refusals(rep *result.Report) []result.Refusal {
	var out []result.Refusal
	for _, class := range slices.Sorted(maps.Keys(rep.Errors)) {
		m := meanings[class]
		if m == "" {
			m = "failed"
		}
		out = append(out, result.Refusal{Class: class, Count: rep.Errors[class], Sample: rep.ErrorSamples[class], Meaning: m})
	}
	slices.SortStableFunc(out, func(a, b result.Refusal) int { return cmp.Compare(b.Count, a.Count) })
	return out
}

// behaviour says in words what the server does beyond its limit.
func behaviour(p *result.ConnProbe, rep *result.Report, more refusal) string {
	if why, limited, onlySaturated := clientLimit(rep); limited && !onlySaturated {
		p.ClientLimited = true
		return fmt.Sprintf("the probe hit ssebench's own limits at %d streams (%s): this is the client's limit, not the server's; %s", p.Accepted, why, ShardAdvice)
	}
	if p.AllAccepted {
		return fmt.Sprintf("accepted all %d streams tried: no limit up to --max", p.Tried)
	}
	if len(p.Beyond) == 0 {
		return ""
	}
	top := p.Beyond[0]
	at := fmt.Sprintf("beyond %d concurrent streams", p.Accepted)
	var s string
	switch top.Class {
	case loadgen.ClassStatus:
		s = fmt.Sprintf("%s the server answers %s", at, strings.TrimPrefix(cmp.Or(more.status, top.Sample), "HTTP "))
		if more.retryAfter != "" {
			s += " with Retry-After: " + more.retryAfter
		} else if more.refused {
			s += " without Retry-After"
		}
	case loadgen.ClassDial:
		s = at + " the server refuses TCP connections (its accept queue or descriptors are full)"
	case loadgen.ClassTimeout:
		s = at + " connections stall: no response headers within the connect timeout"
	case loadgen.ClassProtocol:
		s = at + " the server resets or closes connections before answering"
	case loadgen.ClassRead, loadgen.ClassEOF:
		s = at + " the server accepts streams, then resets or closes them"
	default:
		s = fmt.Sprintf("%s streams fail: %s", at, top.Meaning)
	}
	return s
}
