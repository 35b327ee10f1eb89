package reports

import (
	"fmt"
	"io"

	"github.com/ssebench/ssebench/reports/result"
)

// HGRMValueScale divides the histograms' microsecond values to give the
// milliseconds an .hgrm file holds, the unit HdrHistogram's plotter
// (https://hdrhistogram.github.io/HdrHistogram/plotFiles.html) labels its
// axis with.
const HGRMValueScale = 1000

// hgrmTicksPerHalfDistance is how many percentile rows the table has per
// halving of the distance to 100%, HdrHistogram's usual 5.
const hgrmTicksPerHalfDistance = 5

// HGRM writes the fan-out latency distribution in HdrHistogram's
// percentile-distribution format (.hgrm), values in milliseconds. The
// plotter reads one distribution per file, so this is one run's fan-out
// only; see PercentileDistribution for the others.
func HGRM(w io.Writer, r *result.Report) error {
	if l := r.LatencyUS.Fanout; l.HDR == "" || l.Count == 0 {
		return fmt.Errorf("%w: hgrm: no fan-out latencies (fan-out latency was not measured)", ErrNoData)
	}
	return PercentileDistribution(w, r.LatencyUS.Fanout, "fan-out latency")
}

// PercentileDistribution writes l in HdrHistogram's percentile-distribution
// format, values in milliseconds (µs ÷ HGRMValueScale), as hdrhistogram-go's
// PercentilesPrint does, followed by a comment line that names what was
// measured and the unit. The plotter skips lines starting with '#'.
func PercentileDistribution(w io.Writer, l result.Latency, what string) error {
	h, err := l.Histogram()
	if err != nil {
		return err
	}
	if _, err := h.PercentilesPrint(w, hgrmTicksPerHalfDistance, HGRMValueScale); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "#[ssebench %s, values in milliseconds]\n", what)
	return err
}
