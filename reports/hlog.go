package reports

import (
	"fmt"
	"io"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/ssebench/ssebench/reports/result"
)

// HLogWriter writes an HdrHistogram interval log (.hlog, format 1.3) of
// fan-out latency, one line per Interval, as intervals arrive: a run can
// write it live and a saved result can be turned into the same log.
//
// Values are microseconds, exactly the histograms of the result (no
// rescaling, so nothing is lost). Timestamps are seconds since the run
// started; the log's StartTime and BaseTime are the run's start. The
// Interval_Max column is in seconds: hdrhistogram-go divides it by a fixed
// 10⁶ (its ns→ms convention), and readers recompute it from the histogram
// anyway. In HistogramLogAnalyzer or HistogramLogProcessor, read values as
// µs (e.g. HistogramLogProcessor -outputValueUnitRatio 1000 for ms).
type HLogWriter struct {
	lw      *hdrhistogram.HistogramLogWriter
	startMS int64   // run start, ms since the epoch
	lastS   float64 // end of the previous interval, s since start
}

// NewHLogWriter writes the log's header to w for a run that started at
// started and returns a writer for its intervals.
func NewHLogWriter(w io.Writer, started time.Time) (*HLogWriter, error) {
	hw := &HLogWriter{lw: hdrhistogram.NewHistogramLogWriter(w), startMS: started.UnixMilli()}
	hw.lw.SetBaseTime(hw.startMS)
	for _, err := range []error{
		hw.lw.OutputComment("[Logged with ssebench: fan-out latency, values in microseconds]"),
		hw.lw.OutputLogFormatVersion(),
		hw.lw.OutputStartTime(hw.startMS),
		hw.lw.OutputBaseTime(hw.startMS),
		hw.lw.OutputLegend(),
	} {
		if err != nil {
			return nil, err
		}
	}
	return hw, nil
}

// Write logs one interval, which covers the time from the previous
// interval's end (or the run's start) to iv.ElapsedS. An interval without
// a histogram is logged empty, so the timeline has no holes.
func (hw *HLogWriter) Write(iv result.Interval) error {
	h := result.NewLatencyHistogram()
	if iv.FanoutHDR != "" {
		var err error
		if h, err = iv.FanoutHistogram(); err != nil {
			return fmt.Errorf("reports: interval at %.3fs: %w", iv.ElapsedS, err)
		}
	}
	h.SetStartTimeMs(hw.startMS + int64(hw.lastS*1000))
	h.SetEndTimeMs(hw.startMS + int64(iv.ElapsedS*1000))
	hw.lastS = iv.ElapsedS
	return hw.lw.OutputIntervalHistogram(h)
}

// HLog writes the interval log of a saved result: the same log `ssebench
// run --hlog` writes live. It needs the per-interval histograms
// (Interval.FanoutHDR) that results carry since the key was added.
func HLog(w io.Writer, r *result.Report) error {
	if len(r.Intervals) == 0 {
		return fmt.Errorf("%w: hlog: no intervals", ErrNoData)
	}
	for _, iv := range r.Intervals {
		if iv.FanoutHDR == "" {
			return fmt.Errorf("%w: hlog: no per-interval histograms (fanout_hdr); the result was written by an older ssebench", ErrNoData)
		}
	}
	hw, err := NewHLogWriter(w, r.Started)
	if err != nil {
		return err
	}
	for _, iv := range r.Intervals {
		if err := hw.Write(iv); err != nil {
			return err
		}
	}
	return nil
}
