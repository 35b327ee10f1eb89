package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"

	refserver "github.com/ssebench/ssebench/reference-server"
)

// serveAbout is the help text of `ssebench serve`.
const serveAbout = `Run the reference SSE server: every subscriber of GET /events gets the same
generated stream, over HTTP/1.1 or cleartext HTTP/2 (h2c, prior knowledge) on
one listener. Each event is one frame:

  ` + refserver.WireFormat + `

where seq counts from 1 and pub_ns is the publish time in Unix nanoseconds;
the data value is exactly --payload bytes long. SIGINT or SIGTERM shuts the
server down gracefully.`

// cmdServe runs `ssebench serve`: it serves until ctx is cancelled, then shuts
// down and returns nil.
func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "ssebench serve [flags]", serveAbout, stderr)
	cfg := refserver.Config{
		Addr:            refserver.DefaultAddr,
		Rate:            refserver.DefaultRate,
		PayloadBytes:    refserver.DefaultPayloadBytes,
		MaxBacklogBytes: refserver.DefaultMaxBacklogBytes,
		ShutdownTimeout: refserver.DefaultShutdownTimeout,
	}
	// flag has no uint32; a uint flag is range-checked below.
	maxStreams := uint(refserver.DefaultMaxStreams)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen `address` (host:port; port 0 picks a free one)")
	fs.Float64Var(&cfg.Rate, "rate", cfg.Rate, "generated `events/s` (fractions allowed; 0 = none)")
	fs.IntVar(&cfg.PayloadBytes, "payload", cfg.PayloadBytes, "length of each event's data value in `bytes`")
	fs.DurationVar(&cfg.Delay, "delay", 0, "hold every event for this `duration` after stamping it, before sending it (ground truth: clients measure about this much more latency)")
	fs.UintVar(&maxStreams, "max-streams", maxStreams, "most concurrent `streams` per HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS)")
	fs.IntVar(&cfg.MaxBacklogBytes, "max-backlog", cfg.MaxBacklogBytes, "`bytes` queued for a slow subscriber before it is disconnected")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "on SIGINT/SIGTERM, close connections still open after this `duration`")
	positional, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return usageErrorf("serve: unexpected argument %q (serve takes only flags)", positional[0])
	}
	if maxStreams == 0 || maxStreams > math.MaxUint32 {
		return usageErrorf("--max-streams must be between 1 and %d, got %d", uint32(math.MaxUint32), maxStreams)
	}
	cfg.MaxStreams = uint32(maxStreams)
	// 0 means "the default" in Config but would surprise on the command
	// line, so reject it rather than silently substitute.
	if cfg.MaxBacklogBytes == 0 {
		return usageErrorf("--max-backlog must be > 0, got 0")
	}
	if cfg.ShutdownTimeout == 0 {
		return usageErrorf("--shutdown-timeout must be > 0, got 0s")
	}
	if err := cfg.Validate(); err != nil {
		return usageErrorf("%w", err)
	}
	srv, err := refserver.New(cfg)
	if err != nil {
		return usageErrorf("%w", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintf(stderr, "ssebench serve: listening on http://%s/events (HTTP/1.1 + h2c), %g events/s, %d-byte data, delay %v; frames: %s\n",
		ln.Addr(), cfg.Rate, cfg.PayloadBytes, cfg.Delay, refserver.WireFormat)
	if err := srv.Serve(ctx, ln); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
