package shard

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/reports/result"
)

// MaxCount bounds a plan's shard count; it catches typos, not what a
// cluster can run.
const MaxCount = 100000

// Plan is shard Index (from 0) of Count.
type Plan struct {
	// Index is the shard's number, 0 ≤ Index < Count.
	Index int
	// Count is how many shards the run is split into, ≥ 1.
	Count int
}

// ErrBadPlan is wrapped by the errors of Parse and Validate.
var ErrBadPlan = errors.New("shard: bad shard")

// Parse reads a plan written "I/N", e.g. "0/4" for the first of four.
func Parse(s string) (Plan, error) {
	i, n, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Plan{}, fmt.Errorf("%w %q: want INDEX/COUNT, e.g. 0/4 for the first of four shards", ErrBadPlan, s)
	}
	index, err1 := strconv.Atoi(strings.TrimSpace(i))
	count, err2 := strconv.Atoi(strings.TrimSpace(n))
	if err1 != nil || err2 != nil {
		return Plan{}, fmt.Errorf("%w %q: want INDEX/COUNT as integers, e.g. 0/4", ErrBadPlan, s)
	}
	p := Plan{Index: index, Count: count}
	return p, p.Validate()
}

// String returns the plan as "I/N".
func (p Plan) String() string { return fmt.Sprintf("%d/%d", p.Index, p.Count) }

// Validate checks 0 ≤ Index < Count ≤ MaxCount.
func (p Plan) Validate() error {
	switch {
	case p.Count < 1 || p.Count > MaxCount:
		return fmt.Errorf("%w %s: the shard count must be 1 to %d", ErrBadPlan, p, MaxCount)
	case p.Index < 0 || p.Index >= p.Count:
		return fmt.Errorf("%w %s: the index must be 0 to %d (shards are numbered from 0, as Kubernetes' JOB_COMPLETION_INDEX)", ErrBadPlan, p, p.Count-1)
	}
	return nil
}

// Share returns how many of the subscriber numbers 0 … n-1 belong to this
// shard: those equal to Index modulo Count. The shares of all shards sum
// to n, and differ by at most one.
func (p Plan) Share(n int) int {
	if n <= p.Index {
		return 0
	}
	return (n - p.Index + p.Count - 1) / p.Count
}

// Apply turns cfg, which describes the whole run, into this shard's part
// of it, and returns the shard's identity for its result. cfg's
// Subscribers (or its stages' targets), ConnectRate and, in publisher
// mode, PublishRate become this shard's share, and its subscribers are
// numbered as in the whole run (SubIndexBase Index, SubIndexStep Count) for
// the URL template's {sub}; everything else, durations included, is left
// as is. The whole run must have at least one subscriber
// per shard.
func (p Plan) Apply(cfg *loadgen.Config) (result.Shard, error) {
	if err := p.Validate(); err != nil {
		return result.Shard{}, err
	}
	total := cfg.Subscribers
	if len(cfg.Stages) > 0 {
		total = cfg.Stages.Max()
	} else if total == 0 {
		total = loadgen.DefaultSubscribers
	}
	if total < p.Count {
		return result.Shard{}, fmt.Errorf("%w %s: the run has %d subscribers, fewer than its %d shards; every shard needs at least one", ErrBadPlan, p, total, p.Count)
	}
	sh := result.Shard{Index: p.Index, Count: p.Count, TotalSubscribers: total, TotalConnectRate: cfg.ConnectRate}
	if len(cfg.Stages) > 0 {
		sh.TotalStages = cfg.Stages.String()
		stages := make(loadgen.Stages, len(cfg.Stages))
		for i, st := range cfg.Stages {
			stages[i] = loadgen.Stage{Duration: st.Duration, Target: p.Share(st.Target)}
		}
		cfg.Stages = stages
		if cfg.Subscribers != 0 {
			cfg.Subscribers = p.Share(total)
		}
	} else {
		cfg.Subscribers = p.Share(total)
	}
	cfg.ConnectRate /= float64(p.Count)
	// Subscriber j of this shard is subscriber Index + j×Count of the run.
	cfg.SubIndexBase, cfg.SubIndexStep = p.Index, p.Count
	if cfg.PublishURL != "" {
		rate := cfg.PublishRate
		if rate == 0 {
			rate = loadgen.DefaultPublishRate
		}
		sh.TotalPublishRate = rate
		cfg.PublishRate = rate / float64(p.Count)
	}
	return sh, nil
}
