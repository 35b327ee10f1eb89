package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/ssebench/ssebench/internal/atomicfile"
	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/reports"
	"github.com/ssebench/ssebench/reports/result"
)

// reportOutputs are the flags of `ssebench run` that write report files:
// --report-dir (every format, at the end) and --hlog (the interval log,
// live).
type reportOutputs struct {
	dir  string
	hlog string

	mu      sync.Mutex // guards the live log: Progress may come from two goroutines
	logFile *os.File
	log     *reports.HLogWriter
	logErr  error // the first error writing the live log; logging stops there
}

// extraHGRM are the .hgrm files --report-dir writes beside the fan-out one:
// HdrHistogram's plotter reads one distribution per file.
var extraHGRM = []struct {
	file, what string
	pick       func(*result.Report) result.Latency
}{
	{"connect.hgrm", "connect time", func(r *result.Report) result.Latency { return r.LatencyUS.Connect }},
	{"first-event.hgrm", "time to first event", func(r *result.Report) result.Latency { return r.LatencyUS.FirstEvent }},
}

// reportDirFiles lists the files --report-dir writes, for the help text.
func reportDirFiles() string {
	var names []string
	for _, f := range reports.Formats() {
		names = append(names, f.File)
	}
	for _, x := range extraHGRM {
		names = append(names, x.file)
	}
	return strings.Join(names, ", ")
}

// addReportFlags registers --report-dir and --hlog into ro.
func addReportFlags(fs *flag.FlagSet, ro *reportOutputs) {
	fs.StringVar(&ro.dir, "report-dir", "", "at the end, write every report format to `directory` (created if missing): "+reportDirFiles())
	fs.StringVar(&ro.hlog, "hlog", "", "write the fan-out latency HdrHistogram interval log to `file` live, one line per --interval (values in µs); completed at the end")
}

// open starts the live log. Its folder is created; the file is readable
// by others, as every output (atomicfile).
func (ro *reportOutputs) open() error {
	if ro.hlog != "" {
		f, err := atomicfile.Live(ro.hlog)
		if err != nil {
			return fmt.Errorf("--hlog: %w", err)
		}
		ro.logFile = f
	}
	return nil
}

// close closes the live log if the run ended before finish.
func (ro *reportOutputs) close() {
	ro.mu.Lock()
	defer ro.mu.Unlock()
	if ro.logFile != nil {
		ro.logFile.Close()
		ro.logFile = nil
	}
}

// chain returns a Progress callback that calls next and appends the
// interval to the live log. Each line is one small write to a file, which
// the page cache absorbs, so the callback still does not block the
// aggregator in any way that matters.
func (ro *reportOutputs) chain(next func(loadgen.Progress)) func(loadgen.Progress) {
	if ro.logFile == nil {
		return next
	}
	return func(p loadgen.Progress) {
		if next != nil {
			next(p)
		}
		ro.logInterval(p.Interval)
	}
}

// logInterval appends one interval to the live log. The log's start is the
// run's, found from the first interval's elapsed time: loadgen starts its
// clock inside Run.
func (ro *reportOutputs) logInterval(iv result.Interval) {
	ro.mu.Lock()
	defer ro.mu.Unlock()
	if ro.logFile == nil || ro.logErr != nil {
		return
	}
	if ro.log == nil {
		started := time.Now().Add(-time.Duration(iv.ElapsedS * float64(time.Second)))
		if ro.log, ro.logErr = reports.NewHLogWriter(ro.logFile, started); ro.logErr != nil {
			return
		}
	}
	ro.logErr = ro.log.Write(iv)
}

// finish writes the report files. The live log is replaced by the log of
// the complete result: Progress misses the short intervals cut at phase
// changes (ramp end, after the steady state), and the result has them all,
// so the final file is exactly `ssebench report --format hlog`. The rename
// is atomic, so a reader never sees a half-written log.
func (ro *reportOutputs) finish(rep *result.Report, stderr io.Writer, quiet bool) error {
	var errs []error
	if ro.hlog != "" {
		ro.close()
		ro.mu.Lock()
		logErr := ro.logErr
		ro.mu.Unlock()
		if logErr != nil {
			errs = append(errs, fmt.Errorf("--hlog: writing the live log: %w", logErr))
		}
		if err := atomicfile.Write(ro.hlog, func(w io.Writer) error { return reports.HLog(w, rep) }); err != nil {
			errs = append(errs, fmt.Errorf("--hlog: %w", err))
		}
	}
	if ro.dir != "" {
		wrote, err := ro.writeDir(rep, stderr)
		if err != nil {
			errs = append(errs, fmt.Errorf("--report-dir: %w", err))
		}
		if !quiet && len(wrote) > 0 {
			fmt.Fprintf(stderr, "reports in %s: %s\n", ro.dir, strings.Join(wrote, " "))
		}
	}
	return errors.Join(errs...)
}

// writeDir writes every format into the report directory and returns the
// files written. A format whose data the result lacks (no fan-out latency
// for the hgrm) is skipped with a note, not an error: the others are still
// worth having.
func (ro *reportOutputs) writeDir(rep *result.Report, stderr io.Writer) ([]string, error) {
	type file struct {
		name   string
		encode func(io.Writer) error
	}
	var files []file
	for _, f := range reports.Formats() {
		files = append(files, file{f.File, func(w io.Writer) error { return f.Encode(w, rep) }})
	}
	for _, x := range extraHGRM {
		if l := x.pick(rep); l.HDR != "" && l.Count > 0 {
			files = append(files, file{x.file, func(w io.Writer) error { return reports.PercentileDistribution(w, l, x.what) }})
		}
	}
	var wrote []string
	var errs []error
	for _, f := range files {
		err := atomicfile.Write(filepath.Join(ro.dir, f.name), f.encode)
		switch {
		case errors.Is(err, reports.ErrNoData):
			fmt.Fprintf(stderr, "ssebench: --report-dir: skipped %s: %v\n", f.name, err)
		case err != nil:
			errs = append(errs, fmt.Errorf("%s: %w", f.name, err))
		default:
			wrote = append(wrote, f.name)
		}
	}
	return wrote, errors.Join(errs...)
}
