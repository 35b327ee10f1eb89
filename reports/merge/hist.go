package merge

import (
	"fmt"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/reports/result"
)

// histMerger merges one distribution of several shards into one
// histogram, exactly: every recorded value lands in the same bucket it had.
type histMerger struct {
	what string
	h    *hdrhistogram.Histogram
	err  error
}

// add merges l's histogram in. A Latency without samples and without a
// histogram adds nothing; one with samples but no histogram (a result from
// before histograms were kept) cannot be merged exactly and is an error.
func (m *histMerger) add(from string, l result.Latency) {
	if m.err != nil || (l.HDR == "" && l.Count == 0) {
		return
	}
	if l.HDR == "" {
		m.err = fmt.Errorf("merge: %s: %s has %d samples but no histogram (\"hdr\"), so it cannot be merged exactly", from, m.what, l.Count)
		return
	}
	h, err := l.Histogram()
	if err != nil {
		m.err = fmt.Errorf("merge: %s: %s: %w", from, m.what, err)
		return
	}
	if m.h == nil {
		// The bounds of the first histogram hold every other one's:
		// every shard records with the same bounds.
		m.h = hdrhistogram.New(h.LowestTrackableValue(), h.HighestTrackableValue(), int(h.SignificantFigures()))
	}
	if dropped := m.h.Merge(h); dropped > 0 {
		m.err = fmt.Errorf("merge: %s: %s: %d values out of the first shard's histogram range", from, m.what, dropped)
	}
}

// latency returns the merged summary, rebuilt from the merged histogram.
// With nothing merged it is the zero Latency, as in a shard that measured
// nothing.
func (m *histMerger) latency() (result.Latency, error) {
	if m.err != nil {
		return result.Latency{}, m.err
	}
	if m.h == nil {
		return result.Latency{}, nil
	}
	return result.Summarize(m.h)
}

// mergeLatency merges one distribution picked from every input.
func mergeLatency(in []Input, what string, pick func(*result.Report) result.Latency) (result.Latency, error) {
	m := histMerger{what: what}
	for _, x := range in {
		m.add(x.name(), pick(x.Report))
	}
	return m.latency()
}
