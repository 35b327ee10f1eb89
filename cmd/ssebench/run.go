package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ssebench/ssebench/loadgen"
	refserver "github.com/ssebench/ssebench/reference-server"
	"github.com/ssebench/ssebench/reports"
)

const runAbout = `Opens --subscribers Server-Sent Events streams to URL over --protocol, holds them for
--duration of steady state (after every subscriber has connected or failed), and reports
fan-out latency (publish to receive), connect time, time to first event, events, bytes,
gaps, duplicates and failures by class.

Load shape: subscribers start all at once, over --ramp, at --connect-rate, or follow
--stages (k6-style; the holds are the steady state). Only the steady state makes the
headline figures; the ramp is reported apart. A stream that ends is reconnected as
EventSource does (server's retry: or --reconnect-delay, Last-Event-ID; 204 stops);
a subscriber whose first attempt fails is not retried, so it counts as failed.

With no URL, the reference server starts in this process on a free loopback port
(--rate events/s of --payload bytes) and the run targets it.

The summary goes to stdout (--format), progress to stderr, the canonical JSON result
to --out. A --scenario file holds any of these flags; --threshold sets pass/fail criteria.
Exit status: 0 ok, 1 nothing could be measured, 2 bad usage, 3 a threshold failed.`

// runFlags are the flags of `ssebench run` that are not loadgen.Config fields.
type runFlags struct {
	out, dump, format string
	quiet             bool
	rate              float64
	payload           int
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", "ssebench run [flags] [URL]", runAbout, stderr)
	cfg := loadgen.Config{
		Subscribers:    loadgen.DefaultSubscribers,
		Duration:       loadgen.DefaultDuration,
		Protocol:       loadgen.DefaultProtocol,
		Connections:    loadgen.DefaultConnections,
		MaxDials:       loadgen.DefaultMaxDials,
		ConnectTimeout: loadgen.DefaultConnectTimeout,
		MaxEventBytes:  loadgen.DefaultMaxEventBytes,
		Interval:       loadgen.DefaultInterval,
	}
	var rf runFlags
	fs.IntVar(&cfg.Subscribers, "subscribers", cfg.Subscribers, "number of SSE `subscribers` to hold open")
	fs.DurationVar(&cfg.Duration, "duration", cfg.Duration, "steady-state `duration` to hold the subscribers, after all have connected (not with --stages)")
	addConnFlags(fs, &cfg)
	fs.DurationVar(&cfg.Interval, "interval", cfg.Interval, "time-series `interval` of the result and the progress display")
	addTargetFlags(fs, &cfg.TargetOptions)
	shape := addShapeFlags(fs, &cfg.ShapeOptions)
	lat := addLatencyFlags(fs)
	ro := addReportFlags(fs)
	sc := addScenarioFlags(fs)  // run_scenario.go
	th := addThresholdFlags(fs) // run_threshold.go
	repeat := addRepeatFlag(fs) // run_repeat.go
	fs.StringVar(&rf.out, "out", "", "write the JSON result to `file`")
	fs.StringVar(&rf.dump, "dump", "", "write every event and comment the first subscriber receives to `file` as JSON Lines, each as it arrives")
	fs.StringVar(&rf.format, "format", "text", "summary `format` on stdout: "+strings.Join(reports.Names(), ", "))
	fs.BoolVar(&rf.quiet, "quiet", false, "no progress display on stderr")
	fs.Float64Var(&rf.rate, "rate", refserver.DefaultRate, "embedded reference server only: `events` per second")
	fs.IntVar(&rf.payload, "payload", refserver.DefaultPayloadBytes, "embedded reference server only: data field size in `bytes`")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if pos, err = sc.apply(pos); err != nil {
		return err
	}
	if err := th.parse(); err != nil {
		return err
	}
	if err := repeat.check(); err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageErrorf("run takes at most one URL, got %d arguments: %q", len(pos), pos)
	}
	encode, err := lookupStdout(rf.format, stdout)
	if err != nil {
		return err
	}
	cfg.Tool = "ssebench/" + version
	shape.apply(&cfg, setFlags(fs))
	if err := lat.apply(&cfg); err != nil {
		return err
	}
	if len(pos) == 1 {
		cfg.URL = pos[0]
		if set := setFlags(fs); set["rate"] || set["payload"] {
			return usageErrorf("--rate and --payload configure the embedded reference server; they cannot be used with a URL")
		}
	} else {
		cfg.URL = "http://embedded/events" // placeholder so Validate checks the rest first
	}
	if err := cfg.Validate(); err != nil {
		return usageErrorf("%v", sc.annotate(err))
	}
	if sc.dryRun {
		return sc.printDryRun(stdout, &cfg, th)
	}
	if repeat.n > 1 {
		return repeat.run(ctx, args, stdout, stderr)
	}

	if len(pos) == 0 {
		es, err := startEmbeddedServer(ctx, refserver.Config{Rate: rf.rate, PayloadBytes: rf.payload})
		if err != nil {
			return err
		}
		defer es.stop()
		cfg.URL, cfg.Embedded = es.url, true
	}
	if err := lat.resolve(&cfg); err != nil {
		return err
	}

	if rf.dump != "" {
		f, err := os.Create(rf.dump)
		if err != nil {
			return fmt.Errorf("--dump: %w", err)
		}
		defer f.Close()
		cfg.Dump = f
	}
	if rf.out != "" {
		// Fail before the run, not after it, when the result cannot be saved.
		f, err := os.OpenFile(rf.out, os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		f.Close()
	}
	if err := ro.open(); err != nil {
		return err
	}
	defer ro.close()

	prog := newProgress(stderr, rf.quiet, &cfg)
	cfg.Progress = ro.chain(prog.update)
	rep, runErr := loadgen.Run(ctx, cfg)
	prog.done()
	if errors.Is(runErr, loadgen.ErrTooManyForLimits) {
		return &codeError{code: exitUsage, err: runErr} // fails before starting: a usage problem
	}
	if rep == nil {
		return runErr
	}
	th.evaluate(rep)
	if rf.out != "" {
		if err := reports.WriteFile(rf.out, rep); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	if err := ro.finish(rep, stderr, rf.quiet); err != nil {
		return err
	}
	if err := encode(stdout, rep); err != nil {
		return err
	}
	if err := th.writeJUnit(rep); err != nil {
		return err
	}
	if errors.Is(runErr, loadgen.ErrNothingMeasured) {
		return &codeError{code: exitError, err: runErr}
	}
	return th.verdict(rep, runErr)
}

// addConnFlags registers the flags of cfg's protocol and connection
// fields, with cfg's values as defaults; `ssebench limits` shares them.
func addConnFlags(fs *flag.FlagSet, cfg *loadgen.Config) {
	fs.StringVar(&cfg.Protocol, "protocol", cfg.Protocol, "`protocol`: h1 (HTTP/1.1, one TCP connection per subscriber; http:// or https://), h2 (HTTP/2 over TLS, https://) or h2c (cleartext HTTP/2, http://); HTTP/2 streams go over --connections")
	fs.IntVar(&cfg.Connections, "connections", cfg.Connections, "TCP `connections` to spread HTTP/2 streams over (h2, h2c); more open when the server's stream limit is reached")
	fs.IntVar(&cfg.MaxDials, "max-dials", cfg.MaxDials, "connection attempts in `flight` at once")
	fs.DurationVar(&cfg.ConnectTimeout, "connect-timeout", cfg.ConnectTimeout, "`time` allowed from request start to response headers; slower subscribers fail as \"timeout\"")
	fs.IntVar(&cfg.MaxEventBytes, "max-event-bytes", cfg.MaxEventBytes, "largest event accepted, in `bytes`; a larger one fails its stream as \"too_large\"")
}

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}
