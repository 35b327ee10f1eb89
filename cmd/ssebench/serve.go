package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"

	refserver "github.com/ssebench/ssebench/reference-server"
)

// Environment variables that supply the tokens when neither a flag nor the
// config file does, so that secrets need not appear in `ps` output.
const (
	envToken          = "SSEBENCH_TOKEN"
	envSubscribeToken = "SSEBENCH_SUBSCRIBE_TOKEN"
)

// serveAbout is the help text of `ssebench serve`.
const serveAbout = `Run the reference SSE server on its own. Subscribers of
GET /events?topic=NAME (repeatable; default topic "default") get a stream over
HTTP/1.1, cleartext HTTP/2 (h2c, prior knowledge) or, with a certificate, TLS
(ALPN h2 and http/1.1), all on one listener. Built-in generators publish
events in this format:

  ` + refserver.WireFormat + `

where seq counts from 1 per topic and pub_ns is the time the event was due,
in Unix nanoseconds; the data value is exactly --payload bytes long.

Endpoints:
  GET  /events?topic=T[&topic=U...]   the stream; Last-Event-ID (or
                                      ?lastEventId=) resumes from the replay
                                      ring; a stream of several topics has ids
                                      like "T:5,U:7"
  POST /publish?topic=T[&event=TYPE]  the body is the data of one event
                                      (one data: line per line); answers {"id":N}
  POST /publish/batch[?topic=T]       a JSON array of {"topic","event","data"};
                                      answers {"ids":[...]}
  GET  /metrics  /stats  /healthz     Prometheus text, JSON counters, liveness
  GET  /                              a short index of these endpoints

A --config file holds the same settings as JSON (keys as in the README,
durations as "15s"); flags given on the command line override it.
SIGINT or SIGTERM shuts the server down gracefully.`

// generatorsFlag collects --generator values. The first one given replaces
// the generators of a config file rather than adding to them.
type generatorsFlag struct {
	list *[]refserver.GeneratorConfig
	set  bool
}

func (g *generatorsFlag) String() string {
	if g == nil || g.list == nil {
		return ""
	}
	var s []string
	for _, x := range *g.list {
		s = append(s, x.String())
	}
	return strings.Join(s, " ")
}

func (g *generatorsFlag) Set(v string) error {
	gen, err := refserver.ParseGenerator(v)
	if err != nil {
		return err
	}
	if !g.set {
		*g.list, g.set = nil, true
	}
	*g.list = append(*g.list, gen)
	return nil
}

// listFlag is a comma-separated list of strings.
type listFlag struct{ list *[]string }

func (l listFlag) String() string {
	if l.list == nil {
		return ""
	}
	return strings.Join(*l.list, ",")
}

func (l listFlag) Set(v string) error {
	*l.list = nil
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l.list = append(*l.list, p)
		}
	}
	if len(*l.list) == 0 {
		return errors.New("empty list")
	}
	return nil
}

// serveDefaults returns the Config that `ssebench serve` starts from: the
// flag defaults, which differ from Config's zero value where a standalone
// server wants something on (events, heartbeats, replay).
func serveDefaults() refserver.Config {
	return refserver.Config{
		Addr:              refserver.DefaultAddr,
		Rate:              refserver.DefaultRate,
		PayloadBytes:      refserver.DefaultPayloadBytes,
		Replay:            refserver.DefaultReplay,
		Heartbeat:         refserver.DefaultHeartbeat,
		MaxBacklogBytes:   refserver.DefaultMaxBacklogBytes,
		SlowPolicy:        refserver.SlowDisconnect,
		MaxStreams:        refserver.DefaultMaxStreams,
		MaxTopics:         refserver.DefaultMaxTopics,
		ReadHeaderTimeout: refserver.DefaultReadHeaderTimeout,
		MaxHeaderBytes:    refserver.DefaultMaxHeaderBytes,
		MaxPublishBytes:   refserver.DefaultMaxPublishBytes,
		ShutdownTimeout:   refserver.DefaultShutdownTimeout,
		H2Engine:          refserver.H2EngineFrames,
	}
}

// serveFlags registers every flag of `ssebench serve` on fs, bound to cfg,
// with cfg's values as defaults. maxStreams stands in for cfg.MaxStreams,
// since flag has no uint32. It returns where --config goes.
func serveFlags(fs *flag.FlagSet, cfg *refserver.Config, maxStreams *uint) *string {
	configFile := fs.String("config", "", "read settings from a JSON `file` (the Config keys); flags override it")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen `address` (host:port; port 0 picks a free one)")

	fs.Float64Var(&cfg.Rate, "rate", cfg.Rate, "generated `events/s` on the default topic, constant schedule (fractions allowed; 0 = none)")
	fs.IntVar(&cfg.PayloadBytes, "payload", cfg.PayloadBytes, "length of each generated event's data value in `bytes`")
	fs.Var(&generatorsFlag{list: &cfg.Generators}, "generator", "another built-in publisher, repeatable: a `spec` of key=value pairs,\n"+
		"e.g. topic=news,rate=200,payload=64,pattern=poisson or topic=b,pattern=burst,burst=100,every=1s\n"+
		"(pattern constant|poisson|burst, rate events/s, payload bytes (default 64), burst events, every duration, seed)")
	fs.DurationVar(&cfg.Delay, "delay", cfg.Delay, "hold every event for this `duration` after stamping it, before sending it (ground truth: clients measure about this much more latency)")

	fs.IntVar(&cfg.Replay, "replay", cfg.Replay, "`events` kept per topic to replay to a subscriber resuming with Last-Event-ID (0 = none: it is only told what it lost)")
	fs.DurationVar(&cfg.Retry, "retry", cfg.Retry, "reconnection `duration` advertised in a retry: field at the start of every stream, in whole ms (0 = none)")
	fs.DurationVar(&cfg.Heartbeat, "heartbeat", cfg.Heartbeat, "heartbeat period: a stream sent nothing for a whole period of this `duration` gets a \": heartbeat\" comment line (0 = off)")
	fs.DurationVar(&cfg.FlushInterval, "flush-interval", cfg.FlushInterval, "coalesce: hold events up to this `duration` and write each window at once (0 = flush every event)")
	fs.IntVar(&cfg.FlushMaxEvents, "flush-max-events", cfg.FlushMaxEvents, "coalesce: end a window once it holds this many `events` (0 = no cap; needs --flush-interval)")

	fs.IntVar(&cfg.MaxBacklogBytes, "max-backlog", cfg.MaxBacklogBytes, "`bytes` queued on the server for one slow subscriber before --slow-policy applies")
	fs.StringVar(&cfg.SlowPolicy, "slow-policy", cfg.SlowPolicy, "what a full backlog does: `policy` disconnect (close the stream) or drop (skip events; the client sees the gap in ids)")
	fs.IntVar(&cfg.MaxSubscribers, "max-subscribers", cfg.MaxSubscribers, "most open `streams`; more get 503 with Retry-After (0 = no limit)")
	fs.UintVar(maxStreams, "max-streams", *maxStreams, "most concurrent `streams` per HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS)")
	fs.IntVar(&cfg.MaxTopics, "max-topics", cfg.MaxTopics, "most `topics`; topics are created on first use, and a new one beyond this gets 404")
	fs.DurationVar(&cfg.ReadHeaderTimeout, "read-header-timeout", cfg.ReadHeaderTimeout, "`duration` allowed to send request headers (and finish a TLS handshake)")
	fs.IntVar(&cfg.MaxHeaderBytes, "max-header-bytes", cfg.MaxHeaderBytes, "largest request headers in `bytes`; larger get 431")
	fs.IntVar(&cfg.MaxPublishBytes, "max-publish-bytes", cfg.MaxPublishBytes, "largest POST /publish body in `bytes`; larger get 413 and publish nothing")

	fs.StringVar(&cfg.Token, "token", cfg.Token, "bearer `token` POST /publish requires (else 401, nothing published); default $"+envToken)
	fs.StringVar(&cfg.SubscribeToken, "subscribe-token", cfg.SubscribeToken, "bearer `token` GET /events requires, as a header or ?access_token=; default $"+envSubscribeToken)
	fs.StringVar(&cfg.TLSCertFile, "tls-cert", cfg.TLSCertFile, "PEM certificate chain `file`: serve TLS too (needs --tls-key)")
	fs.StringVar(&cfg.TLSKeyFile, "tls-key", cfg.TLSKeyFile, "PEM private key `file` of --tls-cert")
	fs.BoolVar(&cfg.TLSSelfSigned, "tls-self-signed", cfg.TLSSelfSigned, "serve TLS too, with a certificate for localhost, 127.0.0.1 and ::1 generated in memory")
	fs.Var(listFlag{&cfg.Protocols}, "protocols", "comma-separated `list` of "+strings.Join(refserver.Protocols, ", ")+
		" (default h1,h2c, plus h1-tls,h2 with TLS); e.g. h1 for an HTTP/1.1-only server")
	fs.StringVar(&cfg.H2Engine, "h2-engine", cfg.H2Engine, "what serves HTTP/2 (h2c and h2): `engine` frames (no goroutine per stream, under 1 KiB per idle stream)\n"+
		"or stdlib (net/http's server: a goroutine and 9-13 KiB per idle stream); both apply the same limits and --slow-policy")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "on SIGINT/SIGTERM, close connections still open after this `duration`")
	return configFile
}

// serveConfig turns the arguments of `ssebench serve` into a valid Config.
// A --config file is read over the flag defaults, and the command line is
// then parsed again on top of it, so that explicit flags win.
func serveConfig(args []string, stderr io.Writer) (refserver.Config, error) {
	cfg := serveDefaults()
	maxStreams := uint(cfg.MaxStreams)
	fs := newFlagSet("serve", "ssebench serve [flags]", serveAbout, stderr)
	configFile := serveFlags(fs, &cfg, &maxStreams)
	positional, err := parseFlags(fs, args)
	if err != nil {
		return cfg, err
	}
	if len(positional) > 0 {
		return cfg, usageErrorf("serve: unexpected argument %q (serve takes only flags)", positional[0])
	}
	if *configFile != "" {
		b, err := os.ReadFile(*configFile)
		if err != nil {
			return cfg, usageErrorf("--config: %w", err)
		}
		cfg = serveDefaults()
		if err := json.Unmarshal(b, &cfg); err != nil {
			return cfg, usageErrorf("--config %s: %w", *configFile, err)
		}
		maxStreams = uint(cfg.MaxStreams)
		again := flag.NewFlagSet("ssebench serve", flag.ContinueOnError)
		again.SetOutput(io.Discard)
		serveFlags(again, &cfg, &maxStreams)
		if err := again.Parse(args); err != nil { // parsed once already: cannot fail
			return cfg, usageErrorf("%w", err)
		}
	}
	if cfg.Token == "" {
		cfg.Token = os.Getenv(envToken)
	}
	if cfg.SubscribeToken == "" {
		cfg.SubscribeToken = os.Getenv(envSubscribeToken)
	}
	if maxStreams == 0 || maxStreams > 1<<32-1 {
		return cfg, usageErrorf("--max-streams must be between 1 and %d, got %d", uint32(1<<32-1), maxStreams)
	}
	cfg.MaxStreams = uint32(maxStreams)
	if err := checkListenAddr(cfg.Addr); err != nil {
		return cfg, usageErrorf("--addr: %v", err)
	}
	// 0 means "the default" in Config but would surprise on the command
	// line, so reject it rather than silently substitute.
	for _, z := range []struct {
		flag string
		zero bool
	}{
		{"--max-backlog", cfg.MaxBacklogBytes == 0}, {"--shutdown-timeout", cfg.ShutdownTimeout == 0},
		{"--max-topics", cfg.MaxTopics == 0}, {"--read-header-timeout", cfg.ReadHeaderTimeout == 0},
		{"--max-header-bytes", cfg.MaxHeaderBytes == 0}, {"--max-publish-bytes", cfg.MaxPublishBytes == 0},
	} {
		if z.zero {
			return cfg, usageErrorf("%s must be > 0", z.flag)
		}
	}
	if err := cfg.Validate(); err != nil {
		return cfg, usageErrorf("%w", err)
	}
	return cfg, nil
}

// checkListenAddr refuses an address that would listen somewhere the user
// probably did not mean: an empty one or one without a host (Go would
// listen on every interface), or one that is not host:port. Every
// interface must be asked for by name: 0.0.0.0:8080 or [::]:8080.
func checkListenAddr(addr string) error {
	if addr == "" {
		return errors.New("empty address; give host:port, e.g. 127.0.0.1:8080 (this machine only) or 0.0.0.0:8080 (every interface)")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port, e.g. 127.0.0.1:8080", addr)
	}
	if host == "" {
		return fmt.Errorf("%q has no host; give 127.0.0.1%s for this machine only, or 0.0.0.0%s for every interface", addr, addr, addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q: port %q is not a number from 0 to 65535", addr, port)
	}
	return nil
}

// cmdServe runs `ssebench serve`: it serves until ctx is cancelled, then shuts
// down and returns nil.
func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := serveConfig(args, stderr)
	if err != nil {
		return err
	}
	srv, err := refserver.New(cfg)
	if err != nil {
		return usageErrorf("%w", err) // a certificate that cannot be read
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	printServing(stderr, srv, ln.Addr().String())
	if err := srv.Serve(ctx, ln); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// printServing tells the user, on stderr, where the server is and what it
// does. Tests read the address from its first line.
func printServing(w io.Writer, srv *refserver.Server, addr string) {
	cfg := srv.Config()
	fmt.Fprintf(w, "ssebench serve: listening on %s\n", addr)
	var plain, secure []string
	for _, p := range cfg.Protocols {
		if p == refserver.ProtoH1TLS || p == refserver.ProtoH2 {
			secure = append(secure, p)
		} else {
			plain = append(plain, p)
		}
	}
	if len(plain) > 0 {
		fmt.Fprintf(w, "  http://%s/events   (%s)\n", addr, strings.Join(plain, ", "))
	}
	if len(secure) > 0 {
		cert := srv.Certificate()
		sum := sha256.Sum256(cert.Raw)
		kind := "certificate " + cfg.TLSCertFile
		if cfg.TLSSelfSigned {
			kind = "self-signed certificate (curl -k, or trust it by fingerprint)"
		}
		fmt.Fprintf(w, "  https://%s/events  (%s; %s, SHA-256 %X)\n", addr, strings.Join(secure, ", "), kind, sum)
	}
	var gens []string
	if cfg.Rate > 0 {
		gens = append(gens, refserver.GeneratorConfig{Rate: cfg.Rate, PayloadBytes: cfg.PayloadBytes}.String())
	}
	for _, g := range cfg.Generators {
		gens = append(gens, g.String())
	}
	if len(gens) == 0 {
		gens = []string{"none (publish with POST /publish)"}
	}
	fmt.Fprintf(w, "  generators: %s\n", strings.Join(gens, "; "))
	auth := func(t string) string {
		if t == "" {
			return "open"
		}
		return "token required"
	}
	beat := "off"
	if cfg.Heartbeat > 0 {
		beat = "every " + cfg.Heartbeat.String()
	}
	fmt.Fprintf(w, "  publish: POST /publish (%s); subscribe: %s; replay %d events/topic; heartbeat %s; also /metrics /stats /healthz\n",
		auth(cfg.Token), auth(cfg.SubscribeToken), cfg.Replay, beat)
	if slices.Contains(cfg.Protocols, refserver.ProtoH2C) || slices.Contains(cfg.Protocols, refserver.ProtoH2) {
		fmt.Fprintf(w, "  HTTP/2 engine: %s (--h2-engine)\n", cfg.H2Engine)
	}
}
