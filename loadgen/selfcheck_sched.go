package loadgen

import (
	"math"
	"runtime/metrics"
	"time"
)

// schedMetric is the Go runtime's histogram of how long goroutines waited
// runnable before they ran: under overload, readers wait here while their
// events sit in socket buffers, which inflates every latency measured.
const schedMetric = "/sched/latencies:seconds"

// schedLatencies reads the scheduler latency histogram's counts into dst.
func schedLatencies(dst []uint64) []uint64 {
	s := []metrics.Sample{{Name: schedMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return dst[:0]
	}
	return append(dst[:0], s[0].Value.Float64Histogram().Counts...)
}

// schedBuckets returns the scheduler latency histogram's bucket boundaries
// (seconds; len(counts)+1 of them).
func schedBuckets() []float64 {
	s := []metrics.Sample{{Name: schedMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return nil
	}
	return append([]float64(nil), s[0].Value.Float64Histogram().Buckets...)
}

// addDiff adds b − a, element by element, to acc and returns it.
func addDiff(acc, b, a []uint64) []uint64 {
	if len(b) != len(a) {
		return acc
	}
	if len(acc) != len(b) {
		acc = make([]uint64, len(b))
	}
	for i := range b {
		acc[i] += b[i] - a[i]
	}
	return acc
}

// schedQuantile returns the q quantile (0..1) of a scheduler latency
// histogram: the upper bound of the bucket it falls in (the lower bound
// for the last, unbounded bucket), 0 when the histogram is empty.
func schedQuantile(counts []uint64, buckets []float64, q float64) time.Duration {
	if len(buckets) != len(counts)+1 {
		return 0
	}
	var total uint64
	for _, c := range counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	want := uint64(math.Ceil(q * float64(total)))
	var seen uint64
	for i, c := range counts {
		seen += c
		if seen >= want {
			b := buckets[i+1]
			if math.IsInf(b, 1) {
				b = buckets[i]
			}
			return time.Duration(b * float64(time.Second))
		}
	}
	return 0
}
