package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ssebench/ssebench/internal/k8s"
	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/loadgen/shard"
	"github.com/ssebench/ssebench/reports/result"
)

// envJobIndex is the variable a Kubernetes Indexed Job gives each pod: its
// completion index, 0 … completions-1.
const envJobIndex = "JOB_COMPLETION_INDEX"

// lateTolerance is how late a shard may start after --start-at before its
// result says so: timers wake within a millisecond or two, a pod pulled
// late or scheduled late does not.
const lateTolerance = 100 * time.Millisecond

// shardFlags are the flags of `ssebench run` that make it one shard of a
// run split over several load generators: --shard, --shards, --start-at
// and --log-result.
type shardFlags struct {
	spec      string // --shard I/N
	count     int    // --shards N, the index from JOB_COMPLETION_INDEX
	startAt   string // --start-at, RFC 3339
	logResult bool

	plan  *shard.Plan
	whole loadgen.Config // the whole run, before apply took this shard's share
	at    time.Time      // parsed --start-at; zero without
	info  result.Shard
	lateD time.Duration
}

// addShardFlags registers the shard flags on run's flag set.
func addShardFlags(fs *flag.FlagSet) *shardFlags {
	sf := &shardFlags{}
	fs.StringVar(&sf.spec, "shard", "", "run shard `I/N` of a load split over N load generators (from 0): its share of --subscribers\n"+
		"(subscriber numbers I, I+N, …), of --connect-rate and --stages, and of --publish-rate; merge the\n"+
		"shards' results with `ssebench merge`")
	fs.IntVar(&sf.count, "shards", 0, "split the load over `N` shards and run the one numbered by $"+envJobIndex+"\n(set by a Kubernetes Indexed Job); instead of --shard")
	fs.StringVar(&sf.startAt, "start-at", "", "wait until this wall-clock `time` (RFC 3339, e.g. 2026-01-02T15:04:05Z) before starting, so that every\nshard ramps together; a shard that starts later says so in its result")
	fs.BoolVar(&sf.logResult, "log-result", false, "also print the JSON result on stdout between marker lines, so that `kubectl logs` carries it\n(`ssebench k8s collect` reads them)")
	return sf
}

// apply checks the shard flags and turns cfg, the whole run, into this
// shard's part. hasURL is false for the embedded reference server, which a
// sharded run cannot use: every shard must load the same server.
func (sf *shardFlags) apply(cfg *loadgen.Config, hasURL bool) error {
	if sf.startAt != "" {
		at, err := time.Parse(time.RFC3339, sf.startAt)
		if err != nil {
			return usageErrorf("--start-at %q: want an RFC 3339 time such as 2026-01-02T15:04:05Z", sf.startAt)
		}
		sf.at = at
	}
	switch {
	case sf.spec != "" && sf.count != 0:
		return usageErrorf("--shard and --shards both choose the shard; give one")
	case sf.spec != "":
		p, err := shard.Parse(sf.spec)
		if err != nil {
			return usageErrorf("--shard: %v", err)
		}
		sf.plan = &p
	case sf.count != 0:
		env, ok := os.LookupEnv(envJobIndex)
		if !ok {
			return usageErrorf("--shards %d takes the shard's index from $%s (set by a Kubernetes Indexed Job), which is not set; give --shard I/%d instead", sf.count, envJobIndex, sf.count)
		}
		i, err := strconv.Atoi(env)
		if err != nil {
			return usageErrorf("$%s=%q is not a shard index", envJobIndex, env)
		}
		p := shard.Plan{Index: i, Count: sf.count}
		if err := p.Validate(); err != nil {
			return usageErrorf("--shards with $%s=%s: %v", envJobIndex, env, err)
		}
		sf.plan = &p
	default:
		return nil
	}
	if !hasURL {
		return usageErrorf("a sharded run needs a URL: every shard must load the same server, and the embedded reference server is one per process")
	}
	sf.whole = *cfg
	info, err := sf.plan.Apply(cfg)
	if err != nil {
		return usageErrorf("--shard: %v", err)
	}
	sf.info = info
	return nil
}

// wait blocks until --start-at, if given, and notes how late this shard
// is. An interrupt while waiting ends the run before it started.
func (sf *shardFlags) wait(ctx context.Context, stderr io.Writer, quiet bool) error {
	if sf.at.IsZero() {
		return nil
	}
	if d := time.Until(sf.at); d > 0 {
		if !quiet {
			fmt.Fprintf(stderr, "waiting %s for --start-at %s\n", d.Round(time.Second), sf.at.Format(time.RFC3339))
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return fmt.Errorf("interrupted while waiting for --start-at %s: nothing was run", sf.startAt)
		case <-t.C:
		}
	}
	sf.lateD = time.Since(sf.at)
	return nil
}

// record writes the shard into rep (and a warning when it started late)
// and, with --log-result, prints the result between markers on stdout.
func (sf *shardFlags) record(rep *result.Report, stdout io.Writer) error {
	if sf.plan != nil {
		info := sf.info
		if !sf.at.IsZero() {
			at := sf.at
			info.StartAt = &at
			info.LateMS = float64(max(0, sf.lateD).Microseconds()) / 1000
		}
		rep.Shard = &info
	}
	if !sf.at.IsZero() && sf.lateD > lateTolerance {
		rep.Warn(result.WarnStartedLate, fmt.Sprintf("this run started %s after --start-at %s: its ramp was out of step with runs that started on time (other shards')",
			sf.lateD.Round(time.Millisecond), sf.at.Format(time.RFC3339)))
	}
	if sf.logResult {
		return k8s.WriteMarked(stdout, rep)
	}
	return nil
}

// share describes what this shard runs of the whole, for --dry-run: the
// scenario it prints is the whole run's, so it can be given to every shard.
func (sf *shardFlags) share(cfg *loadgen.Config) string {
	if sf.plan == nil {
		return ""
	}
	parts := []string{fmt.Sprintf("subscribers %d", cfg.Subscribers)}
	if cfg.ConnectRate > 0 {
		parts = append(parts, fmt.Sprintf("connect-rate %g/s", cfg.ConnectRate))
	}
	if len(cfg.Stages) > 0 {
		parts = append(parts, "stages "+cfg.Stages.String())
	}
	if cfg.PublishURL != "" {
		parts = append(parts, fmt.Sprintf("publish-rate %g/s", cfg.PublishRate))
	}
	return fmt.Sprintf("this is shard %d of %d; it runs %s", sf.plan.Index, sf.plan.Count, strings.Join(parts, ", "))
}
