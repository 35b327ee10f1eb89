package reports

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// Text writes the human summary: what ran, counts, rates, a latency table in
// milliseconds, errors by class and warnings. Columns are aligned with
// text/tabwriter.
func Text(w io.Writer, r *Report) error {
	var b strings.Builder
	target := r.Target
	if r.Embedded {
		target += " (embedded reference server)"
	}
	fmt.Fprintf(&b, "%s  %s  %s\n", r.Tool, r.Protocol, target)
	status := ""
	if r.Interrupted {
		status = "  (interrupted)"
	}
	fmt.Fprintf(&b, "duration %.1fs%s\n\n", r.DurationS, status)

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	s := r.Subscribers
	fmt.Fprintf(tw, "subscribers\trequested\tconnected\tfailed\tdropped\t\n")
	fmt.Fprintf(tw, "\t%d\t%d\t%d\t%d\t\n", s.Requested, s.Connected, s.Failed, s.Dropped)
	e := r.Events
	fmt.Fprintf(tw, "events\treceived\tper second\tMB/s\tgaps\tduplicates\tcomments\t\n")
	fmt.Fprintf(tw, "\t%d\t%.0f\t%.2f\t%d\t%d\t%d\t\n", e.Received, e.RatePerS, e.BytesPerS/1e6, e.Gaps, e.Duplicates, e.Comments)
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString("\n")

	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "latency (ms)\tcount\tmin\tmean\tp50\tp90\tp99\tp99.9\tmax\t\n")
	for _, row := range []struct {
		name string
		l    Latency
	}{
		{"fan-out", r.LatencyUS.Fanout},
		{"connect", r.LatencyUS.Connect},
		{"first event", r.LatencyUS.FirstEvent},
	} {
		l := row.l
		if l.Count == 0 {
			fmt.Fprintf(tw, "%s\t0\t-\t-\t-\t-\t-\t-\t-\t\n", row.name)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", row.name, l.Count,
			ms(float64(l.Min)), ms(l.Mean), ms(float64(l.P50)), ms(float64(l.P90)),
			ms(float64(l.P99)), ms(float64(l.P999)), ms(float64(l.Max)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	b.WriteString("\nerrors")
	if len(r.Errors) == 0 {
		b.WriteString("  none\n")
	} else {
		b.WriteString("\n")
		for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
			fmt.Fprintf(&b, "  %-14s %d", k, r.Errors[k])
			if msg := r.ErrorSamples[k]; msg != "" {
				fmt.Fprintf(&b, "  (e.g. %s)", msg)
			}
			b.WriteString("\n")
		}
	}
	if len(r.Warnings) > 0 {
		b.WriteString("\nwarnings\n")
		for _, wmsg := range r.Warnings {
			fmt.Fprintf(&b, "  ! %s\n", wmsg)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ms formats microseconds as milliseconds with precision that suits the size.
func ms(us float64) string {
	v := us / 1000
	switch {
	case v < 10:
		return fmt.Sprintf("%.3f", v)
	case v < 100:
		return fmt.Sprintf("%.2f", v)
	case v < 1000:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}
