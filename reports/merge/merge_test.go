package merge

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/reports/result"
)

var t0 = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

// latencyOf summarises the values given, µs.
func latencyOf(tb testing.TB, vals ...int64) result.Latency {
	tb.Helper()
	h := result.NewLatencyHistogram()
	for _, v := range vals {
		if err := h.RecordValue(v); err != nil {
			tb.Fatal(err)
		}
	}
	l, err := result.Summarize(h)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// shardReport returns a plausible result of shard i of n with the fan-out
// values given.
func shardReport(tb testing.TB, i, n int, fanout ...int64) *result.Report {
	tb.Helper()
	conf, _ := json.Marshal(map[string]any{"url": "http://10.0.0.1/events", "subscribers": 100 / n, "interval": int64(time.Second), "protocol": "h2c"})
	ivs := []result.Interval{
		{ElapsedS: 1, Connected: 25, Events: 10, FanoutHDR: latencyOf(tb, fanout[:len(fanout)/2]...).HDR},
		{ElapsedS: 2, Connected: 25, Events: 20, FanoutHDR: latencyOf(tb, fanout[len(fanout)/2:]...).HDR},
	}
	return &result.Report{
		Schema: result.Schema, Tool: "ssebench/test", Target: "http://10.0.0.1/events", Protocol: "h2c",
		Started: t0.Add(time.Duration(i) * 3 * time.Millisecond), DurationS: 2, Config: conf,
		LatencySource: "reference",
		Transport:     result.Transport{Negotiated: "HTTP/2.0", Connections: 1, H2MaxConcurrentStreams: uint32(1000 - i)},
		Subscribers:   result.Subscribers{Requested: 100 / n, Connected: 100 / n},
		Events:        result.Events{Received: uint64(len(fanout)), Gaps: uint64(i), RatePerS: 100},
		LatencyUS:     result.Latencies{Fanout: latencyOf(tb, fanout...), Connect: latencyOf(tb, int64(1000+i))},
		Errors:        map[string]int64{"eof": int64(i)},
		SelfCheck:     result.SelfCheck{CPUPercent: float64(10 * (i + 1)), Cores: 2, ReaderLagUS: int64(100 * i), Saturated: i == 2},
		Warnings:      []string{"w"},
		Intervals:     ivs,
		Shard:         &result.Shard{Index: i, Count: n, TotalSubscribers: 100},
	}
}

func TestMerge_exact(t *testing.T) {
	t.Parallel()
	// Shard 0 is fast, shard 1 slow: the average of the p99s would be
	// far from the p99 of all the samples.
	var fast, slow, all []int64
	for v := int64(1); v <= 990; v++ {
		fast = append(fast, 100+v)
	}
	for v := int64(1); v <= 10; v++ {
		slow = append(slow, 50000+v*1000)
	}
	all = append(append(all, fast...), slow...)
	in := []Input{
		{File: "b.json", Report: shardReport(t, 1, 2, slow...)},
		{File: "a.json", Report: shardReport(t, 0, 2, fast...)},
	}
	m, err := Merge(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := latencyOf(t, all...)
	if got := m.LatencyUS.Fanout; got != want {
		t.Errorf("fanout = %+v\nwant      %+v", got, want)
	}
	// The merged histogram is the merge of the shards', bucket for bucket.
	hm, _ := m.LatencyUS.Fanout.Histogram()
	ref := result.NewLatencyHistogram()
	for _, x := range in {
		h, _ := x.Report.LatencyUS.Fanout.Histogram()
		ref.Merge(h)
	}
	if !sameBuckets(hm, ref) {
		t.Error("merged histogram differs from the merge of the shards' histograms")
	}
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"requested", m.Subscribers.Requested, 100},
		{"received", m.Events.Received, uint64(1000)},
		{"gaps", m.Events.Gaps, uint64(1)},
		{"rate", m.Events.RatePerS, 200.0},
		{"eof", m.Errors["eof"], int64(1)},
		{"connections", m.Transport.Connections, 2},
		{"max streams", m.Transport.H2MaxConcurrentStreams, uint32(999)},
		{"cpu", m.SelfCheck.CPUPercent, 20.0},
		{"lag", m.SelfCheck.ReaderLagUS, int64(100)},
		{"started", m.Started, t0},
		{"shards", len(m.Shards), 2},
		{"first shard", m.Shards[0].File, "a.json"},
		{"connect count", m.LatencyUS.Connect.Count, int64(2)},
		{"intervals", len(m.Intervals), 2},
		{"interval events", m.Intervals[1].Events, uint64(40)},
		{"interval connected", m.Intervals[1].Connected, 50},
		{"shard", m.Shard, (*result.Shard)(nil)},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	var conf map[string]any
	_ = json.Unmarshal(m.Config, &conf)
	if conf["subscribers"] != 100.0 {
		t.Errorf("config subscribers = %v, want the whole run's 100", conf["subscribers"])
	}
	// Interval histograms merge exactly too.
	var ivCount int64
	for _, iv := range m.Intervals {
		h, err := iv.FanoutHistogram()
		if err != nil {
			t.Fatal(err)
		}
		ivCount += h.TotalCount()
	}
	if ivCount != int64(len(all)) {
		t.Errorf("interval histograms hold %d values, want %d", ivCount, len(all))
	}
	if all := strings.Join(m.Warnings, "\n"); !strings.Contains(all, "shard 0: w") || !strings.Contains(all, "shard 1: w") {
		t.Errorf("warnings = %q, want each shard's, prefixed", m.Warnings)
	}
}

// sameBuckets compares two histograms bucket for bucket.
func sameBuckets(a, b *hdrhistogram.Histogram) bool {
	da, db := a.Distribution(), b.Distribution()
	if len(da) != len(db) {
		return false
	}
	for i := range da {
		if da[i] != db[i] {
			return false
		}
	}
	return true
}

func TestMerge_saturatedShardWarns(t *testing.T) {
	t.Parallel()
	var in []Input
	for i := range 3 {
		in = append(in, Input{Report: shardReport(t, i, 3, 100, 200)})
	}
	m, err := Merge(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !m.SelfCheck.Saturated || !strings.Contains(m.Warnings[0], "bottleneck in 1 of 3 shards (shard 2)") {
		t.Errorf("saturated = %v, warnings %q; want shard 2's saturation", m.SelfCheck.Saturated, m.Warnings)
	}
	if len(m.WarningCodes) != len(m.Warnings) || m.WarningCodes[0] != result.WarnShardSaturated || m.WarningCodes[1] != result.WarnUnknown {
		t.Errorf("warning codes %q: want shard_saturated first, then the shards' own (uncoded) warnings as unknown", m.WarningCodes)
	}
	if !m.Shards[2].SelfCheck.Saturated || m.Shards[0].SelfCheck.Saturated {
		t.Errorf("shards' self-checks not kept: %+v", m.Shards)
	}
}

func TestMerge_refuses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		edit func(a, b *result.Report)
		want string
	}{
		{"url", func(a, b *result.Report) { b.Target = "http://10.0.0.2/events" }, "target URL differs"},
		{"protocol", func(a, b *result.Report) { b.Protocol = "h1" }, "protocol differs"},
		{"count", func(a, b *result.Report) { b.Shard.Count = 3 }, "shard count differs"},
		{"duplicate", func(a, b *result.Report) { b.Shard.Index = 0 }, "given twice"},
		{"total", func(a, b *result.Report) { b.Shard.TotalSubscribers = 99 }, "subscribers differs"},
		{"publish rate", func(a, b *result.Report) { b.Shard.TotalPublishRate = 5 }, "publish rate differs"},
		{"setting", func(a, b *result.Report) {
			b.Config, _ = json.Marshal(map[string]any{"url": "http://10.0.0.1/events", "interval": int64(time.Second), "protocol": "h2c", "payload": 5})
		}, `setting "payload" differs`},
		{"not a shard", func(a, b *result.Report) { b.Shard = nil }, "not a shard's result"},
		{"merged", func(a, b *result.Report) { b.Shards = []result.ShardSummary{} }, "already a merged result"},
		{"missing", func(a, b *result.Report) { a.Shard.Count, b.Shard.Count = 3, 3 }, "1 of 3 shards are missing (indexes 2)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, b := shardReport(t, 0, 2, 5), shardReport(t, 1, 2, 6)
			tt.edit(a, b)
			_, err := Merge([]Input{{File: "a", Report: a}, {File: "b", Report: b}}, Options{})
			if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Merge error = %v, want ErrMismatch saying %q", err, tt.want)
			}
		})
	}
}

func TestMerge_partial(t *testing.T) {
	t.Parallel()
	a := shardReport(t, 0, 4, 5)
	b := shardReport(t, 2, 4, 6)
	m, err := Merge([]Input{{Report: a}, {Report: b}}, Options{Partial: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(m.Warnings, "\n"), "2 of 4 shards are missing (shards 1, 3)") {
		t.Errorf("warnings = %q, want the missing shards named", m.Warnings)
	}
}

// TestAlignIntervals checks that intervals of shards started apart land
// at their absolute time.
func TestAlignIntervals(t *testing.T) {
	t.Parallel()
	a := shardReport(t, 0, 2, 1, 2)
	b := shardReport(t, 1, 2, 3, 4)
	b.Started = t0.Add(time.Second) // b's first interval ends at t0+2s
	m, err := Merge([]Input{{Report: a}, {Report: b}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	var conn []int
	for _, iv := range m.Intervals {
		got = append(got, iv.Events)
		conn = append(conn, iv.Connected)
	}
	if want := []uint64{10, 30, 20}; !equal(got, want) {
		t.Errorf("interval events = %v, want %v", got, want)
	}
	if want := []int{25, 50, 25}; !equal(conn, want) {
		t.Errorf("interval connected = %v, want %v", conn, want)
	}
	if m.Intervals[2].ElapsedS != 3 {
		t.Errorf("last interval ends at %gs, want 3", m.Intervals[2].ElapsedS)
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestMerge_deliveryRatioExact: the merged delivery ratio is the sum of the
// shards' unique deliveries over the sum of their expected deliveries, not
// a weighted mean of their ratios. Shard 0 expected 1,000 deliveries and got
// all of them; shard 1 expected 4,000 (its subscribers held streams for
// more of the events than its connected count suggests) and got 1,000.
// Truth: 2,000 / 5,000 = 0.4; weighting the ratios by published × connected
// (equal here) would say 0.625.
func TestMerge_deliveryRatioExact(t *testing.T) {
	t.Parallel()
	var in []Input
	for i, terms := range [][2]uint64{{1000, 1000}, {1000, 4000}} {
		r := shardReport(t, i, 2, 100, 200)
		ratio := float64(terms[0]) / float64(terms[1])
		r.DeliveryRatio = &ratio
		r.Publish = &result.Publish{Sent: 20, Deliveries: terms[0], ExpectedDeliveries: terms[1]}
		in = append(in, Input{Report: r})
	}
	m, err := Merge(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.DeliveryRatio == nil || *m.DeliveryRatio != 0.4 {
		t.Fatalf("delivery ratio = %v, want exactly 0.4", m.DeliveryRatio)
	}
	if p := m.Publish; p.Deliveries != 2000 || p.ExpectedDeliveries != 5000 || p.Sent != 40 {
		t.Errorf("publish = %+v, want 2000 of 5000 deliveries, 40 sent", p)
	}
}
