package merge

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/ssebench/ssebench/reports/result"
)

// Input is one shard's result and where it came from.
type Input struct {
	// File names the result in messages and in the merged "shards" list;
	// "" names it by its shard index.
	File string
	// Report is the shard's result.
	Report *result.Report
}

// name is how messages refer to the input.
func (x Input) name() string {
	if x.File != "" {
		return x.File
	}
	if x.Report.Shard != nil {
		return fmt.Sprintf("shard %d/%d", x.Report.Shard.Index, x.Report.Shard.Count)
	}
	return "a result"
}

// Options change how Merge treats its inputs.
type Options struct {
	// Partial allows shards to be missing (a pod that failed): the merged
	// result then covers the shards given and says which are missing.
	// Off, a missing shard refuses the merge.
	Partial bool
}

// Merge combines the shards of one run into one result. It refuses, with an
// error wrapping ErrMismatch, inputs that are not shards of the same load;
// any other error means a histogram could not be read. The inputs are not
// modified.
func Merge(in []Input, opt Options) (*result.Report, error) {
	if len(in) == 0 {
		return nil, errors.New("merge: no results to merge")
	}
	for i, x := range in {
		if x.Report == nil {
			return nil, fmt.Errorf("merge: input %d has no result", i)
		}
	}
	if err := check(in, opt.Partial); err != nil {
		return nil, err
	}
	in = append([]Input(nil), in...)
	sort.SliceStable(in, func(i, j int) bool { return in[i].Report.Shard.Index < in[j].Report.Shard.Index })

	first := in[0].Report
	m := &result.Report{
		Schema:        result.Schema,
		Tool:          first.Tool,
		Target:        first.Target,
		Protocol:      first.Protocol,
		Started:       first.Started,
		LatencySource: first.LatencySource,
		Errors:        map[string]int64{},
		Warnings:      []string{},
	}
	for _, x := range in {
		addCounts(m, x.Report)
	}
	if err := mergeDistributions(m, in); err != nil {
		return nil, err
	}
	m.Transport = mergeTransport(in)
	m.SelfCheck = worstSelfCheck(in)
	m.DeliveryRatio = deliveryRatio(in)
	conf, err := wholeRunConfig(first)
	if err != nil {
		return nil, err
	}
	m.Config = conf
	if m.Intervals, err = alignIntervals(in, m.Started, interval(first)); err != nil {
		return nil, err
	}
	m.Shards = summaries(in)
	mergeWarnings(m, in)
	return m, nil
}

// addCounts adds r's counters to m, and its time span: m.Started becomes
// the earliest start, m.DurationS the longest steady state.
func addCounts(m, r *result.Report) {
	if r.Started.Before(m.Started) {
		m.Started = r.Started
	}
	m.DurationS = max(m.DurationS, r.DurationS)
	m.Interrupted = m.Interrupted || r.Interrupted

	m.Subscribers.Requested += r.Subscribers.Requested
	m.Subscribers.Connected += r.Subscribers.Connected
	m.Subscribers.Failed += r.Subscribers.Failed
	m.Subscribers.Dropped += r.Subscribers.Dropped
	m.Subscribers.Reconnects += r.Subscribers.Reconnects

	e, re := &m.Events, r.Events
	e.Received += re.Received
	e.Bytes += re.Bytes
	e.Gaps += re.Gaps
	e.Duplicates += re.Duplicates
	e.Comments += re.Comments
	e.LostOnReconnect += re.LostOnReconnect
	// The shards ran side by side: the whole run's rate is their sum.
	e.RatePerS += re.RatePerS
	e.BytesPerS += re.BytesPerS

	for class, n := range r.Errors {
		m.Errors[class] += n
	}
	for class, msg := range r.ErrorSamples {
		if m.ErrorSamples == nil {
			m.ErrorSamples = map[string]string{}
		}
		if _, ok := m.ErrorSamples[class]; !ok {
			m.ErrorSamples[class] = msg
		}
	}
	if r.Publish != nil {
		if m.Publish == nil {
			m.Publish = &result.Publish{}
		}
		m.Publish.Sent += r.Publish.Sent
		m.Publish.Failed += r.Publish.Failed
		m.Publish.RatePerS += r.Publish.RatePerS
		m.Publish.Duplicates += r.Publish.Duplicates
		m.Publish.Replayed += r.Publish.Replayed
		m.Publish.Deliveries += r.Publish.Deliveries
		m.Publish.ExpectedDeliveries += r.Publish.ExpectedDeliveries
	}
	if r.Ramp != nil {
		if m.Ramp == nil {
			m.Ramp = &result.Phase{}
		}
		m.Ramp.DurationS = max(m.Ramp.DurationS, r.Ramp.DurationS)
		m.Ramp.Events += r.Ramp.Events
	}
}

// dist is one distribution of a result: what it is, where the merged one
// goes, and how to pick it from a shard's result.
type dist struct {
	what string
	dst  *result.Latency
	pick func(*result.Report) result.Latency
}

// mergeDistributions merges every distribution of the inputs into m.
func mergeDistributions(m *result.Report, in []Input) error {
	dists := []dist{
		{"fan-out latency", &m.LatencyUS.Fanout, func(r *result.Report) result.Latency { return r.LatencyUS.Fanout }},
		{"connect time", &m.LatencyUS.Connect, func(r *result.Report) result.Latency { return r.LatencyUS.Connect }},
		{"time to first event", &m.LatencyUS.FirstEvent, func(r *result.Report) result.Latency { return r.LatencyUS.FirstEvent }},
		{"headers time", &m.LatencyUS.Headers, func(r *result.Report) result.Latency { return r.LatencyUS.Headers }},
		{"inter-event time", &m.LatencyUS.InterEvent, func(r *result.Report) result.Latency { return r.LatencyUS.InterEvent }},
		{"reconnect time", &m.LatencyUS.Reconnect, func(r *result.Report) result.Latency { return r.LatencyUS.Reconnect }},
		{"events per subscriber", &m.PerSubscriberEvents, func(r *result.Report) result.Latency { return r.PerSubscriberEvents }},
	}
	if m.Publish != nil {
		dists = append(dists, dist{"publish latency", &m.Publish.LatencyUS, func(r *result.Report) result.Latency {
			if r.Publish == nil {
				return result.Latency{}
			}
			return r.Publish.LatencyUS
		}})
	}
	if m.Ramp != nil {
		dists = append(dists, dist{"ramp fan-out latency", &m.Ramp.FanoutUS, func(r *result.Report) result.Latency {
			if r.Ramp == nil {
				return result.Latency{}
			}
			return r.Ramp.FanoutUS
		}})
	}
	for _, d := range dists {
		l, err := mergeLatency(in, d.what, d.pick)
		if err != nil {
			return err
		}
		*d.dst = l
	}
	return nil
}

// mergeTransport sums connections and keeps what the shards agree on; the
// lowest advertised HTTP/2 stream limit wins, as in one run.
func mergeTransport(in []Input) result.Transport {
	t := in[0].Report.Transport
	t.Connections = 0
	protos := map[string]bool{}
	for _, x := range in {
		rt := x.Report.Transport
		t.Connections += rt.Connections
		if rt.Negotiated != "" {
			protos[rt.Negotiated] = true
		}
		if rt.H2MaxConcurrentStreams != 0 && (t.H2MaxConcurrentStreams == 0 || rt.H2MaxConcurrentStreams < t.H2MaxConcurrentStreams) {
			t.H2MaxConcurrentStreams = rt.H2MaxConcurrentStreams
		}
		if rt.TLS != t.TLS {
			t.TLS = "mixed"
		}
	}
	if len(protos) > 1 {
		names := make([]string, 0, len(protos))
		for p := range protos {
			names = append(names, p)
		}
		sort.Strings(names)
		t.Negotiated = "mixed: " + strings.Join(names, ", ")
	}
	return t
}

// worstSelfCheck is the busiest shard's self-check: the highest CPU use
// (with that shard's cores), the longest reader lag, and saturated when any
// shard was.
func worstSelfCheck(in []Input) result.SelfCheck {
	var sc result.SelfCheck
	for _, x := range in {
		s := x.Report.SelfCheck
		if s.CPUPercent >= sc.CPUPercent {
			sc.CPUPercent, sc.Cores = s.CPUPercent, s.Cores
		}
		sc.ReaderLagUS = max(sc.ReaderLagUS, s.ReaderLagUS)
		sc.Saturated = sc.Saturated || s.Saturated
	}
	return sc
}

// deliveryRatio combines the shards' delivery ratios. Each shard counts
// only its own published events on its own subscribers, so the merged ratio
// is the sum of the shards' unique deliveries over the sum of their
// expected deliveries: exact when every shard recorded both terms. A shard
// from an older ssebench, which kept only the ratio, is weighted by its
// events published times its subscribers connected, an estimate. nil when
// no shard measured one.
func deliveryRatio(in []Input) *float64 {
	var num, den float64
	for _, x := range in {
		r := x.Report
		if r.DeliveryRatio == nil || r.Publish == nil {
			continue
		}
		if p := r.Publish; p.ExpectedDeliveries > 0 {
			num += float64(p.Deliveries)
			den += float64(p.ExpectedDeliveries)
			continue
		}
		w := float64(r.Publish.Sent) * float64(r.Subscribers.Connected)
		num += *r.DeliveryRatio * w
		den += w
	}
	if den == 0 {
		return nil
	}
	v := num / den
	return &v
}
