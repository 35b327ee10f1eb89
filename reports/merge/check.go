package merge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// ErrMismatch is wrapped by the errors that refuse a merge: the inputs are
// not shards of one run (different loads, shard counts, a shard given
// twice or missing).
var ErrMismatch = errors.New("merge: the results are not the shards of one run")

// perShardKeys are the config echo's keys whose values may differ between
// shards: each shard runs its share of the first four, and the others
// describe the machine a shard ran on (its source addresses, where its
// certificate files lie), not the load.
var perShardKeys = []string{"subscribers", "connect_rate", "stages", "publish_rate",
	"source_ips", "ca_file", "cert_file", "key_file"}

// mismatch returns an ErrMismatch error naming the two inputs that differ.
func mismatch(a, b Input, what string, va, vb any) error {
	return fmt.Errorf("%w: %s differs: %s has %v, %s has %v", ErrMismatch, what, a.name(), va, b.name(), vb)
}

// check refuses inputs that are not shards of one load: each must be a
// shard, not a merge, and all must agree on the target, protocol, latency
// source, shard count, whole-run load and every other setting. Indexes must
// be distinct, and, unless partial, cover 0 … N-1.
func check(in []Input, partial bool) error {
	for _, x := range in {
		switch {
		case x.Report.Shards != nil:
			return fmt.Errorf("%w: %s is already a merged result", ErrMismatch, x.name())
		case x.Report.Shard == nil:
			return fmt.Errorf("%w: %s is not a shard's result (run with --shard I/N or --shards N)", ErrMismatch, x.name())
		case x.Report.Embedded:
			return fmt.Errorf("%w: %s ran against the embedded reference server, one per process", ErrMismatch, x.name())
		}
	}
	a := in[0]
	for _, b := range in[1:] {
		ra, rb := a.Report, b.Report
		sa, sb := *ra.Shard, *rb.Shard
		for _, f := range []struct {
			what   string
			va, vb any
		}{
			{"the target URL", ra.Target, rb.Target},
			{"the protocol", ra.Protocol, rb.Protocol},
			{"the latency source", ra.LatencySource, rb.LatencySource},
			{"the shard count", sa.Count, sb.Count},
			{"the whole run's subscribers", sa.TotalSubscribers, sb.TotalSubscribers},
			{"the whole run's connect rate", sa.TotalConnectRate, sb.TotalConnectRate},
			{"the whole run's stages", sa.TotalStages, sb.TotalStages},
			{"the whole run's publish rate", sa.TotalPublishRate, sb.TotalPublishRate},
		} {
			if f.va != f.vb {
				return mismatch(a, b, f.what, f.va, f.vb)
			}
		}
		if key, va, vb, err := configDiff(ra.Config, rb.Config); err != nil {
			return fmt.Errorf("%w: %s or %s: config: %v", ErrMismatch, a.name(), b.name(), err)
		} else if key != "" {
			return mismatch(a, b, "the setting "+strconv.Quote(key), va, vb)
		}
	}
	seen := map[int]Input{}
	for _, x := range in {
		i := x.Report.Shard.Index
		if prev, ok := seen[i]; ok {
			return fmt.Errorf("%w: shard %d/%d is given twice: %s and %s", ErrMismatch, i, a.Report.Shard.Count, prev.name(), x.name())
		}
		seen[i] = x
	}
	if missing := missingShards(in); len(missing) > 0 && !partial {
		return fmt.Errorf("%w: %d of %d shards are missing (indexes %s); merge what there is with --partial", ErrMismatch,
			len(missing), a.Report.Shard.Count, joinInts(missing))
	}
	return nil
}

// missingShards lists the indexes 0 … N-1 that no input has.
func missingShards(in []Input) []int {
	have := map[int]bool{}
	for _, x := range in {
		have[x.Report.Shard.Index] = true
	}
	var out []int
	for i := range in[0].Report.Shard.Count {
		if !have[i] {
			out = append(out, i)
		}
	}
	return out
}

// joinInts writes ints as "1, 3, 5", eliding past twenty.
func joinInts(xs []int) string {
	var parts []string
	for i, x := range xs {
		if i == 20 {
			parts = append(parts, fmt.Sprintf("… %d more", len(xs)-i))
			break
		}
		parts = append(parts, strconv.Itoa(x))
	}
	return strings.Join(parts, ", ")
}

// configDiff compares two config echoes key by key, leaving out the
// per-shard keys, and returns the first key (in sorted order) whose values
// differ.
func configDiff(a, b json.RawMessage) (key, va, vb string, err error) {
	ma, err := configKeys(a)
	if err != nil {
		return "", "", "", err
	}
	mb, err := configKeys(b)
	if err != nil {
		return "", "", "", err
	}
	keys := map[string]bool{}
	for k := range ma {
		keys[k] = true
	}
	for k := range mb {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if !bytes.Equal(ma[k], mb[k]) {
			return k, show(ma[k]), show(mb[k]), nil
		}
	}
	return "", "", "", nil
}

// configKeys decodes a config echo into compact values by key, without
// the per-shard keys.
func configKeys(raw json.RawMessage) (map[string][]byte, error) {
	out := map[string][]byte{}
	if len(raw) == 0 {
		return out, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	for k, v := range m {
		if slices.Contains(perShardKeys, k) {
			continue
		}
		var b bytes.Buffer
		if err := json.Compact(&b, v); err != nil {
			return nil, err
		}
		out[k] = b.Bytes()
	}
	return out, nil
}

// show renders a config value for an error message.
func show(v []byte) string {
	if v == nil {
		return "(not set)"
	}
	return string(v)
}
