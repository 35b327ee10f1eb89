package reports

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/ssebench/ssebench/reports/result"
)

// csvHeader names the CSV columns: the run's Name, then Interval's JSON keys
// (without the histogram, which is no use in a spreadsheet).
var csvHeader = []string{"run", "elapsed_s", "connected", "events", "bytes", "events_per_s",
	"bytes_per_s", "fanout_p50_us", "fanout_p99_us", "errors", "reconnects"}

// CSV writes the time series of every run as one table, one row per
// interval, with the run's Name in the first column. The columns are the
// same for one run or several, so a script can read either.
func CSV(w io.Writer, rs []*result.Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	f := func(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	for _, r := range rs {
		name := r.Name()
		for _, iv := range r.Intervals {
			rec := []string{name, f(iv.ElapsedS, 3), i(int64(iv.Connected)), u(iv.Events), u(iv.Bytes),
				f(iv.EventsPerS, 1), f(iv.BytesPerS, 1), i(iv.FanoutP50US), i(iv.FanoutP99US),
				i(iv.Errors), i(iv.Reconnects)}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
