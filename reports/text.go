package reports

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/ssebench/ssebench/reports/result"
)

// Text writes the human summary: what ran, counts, rates, a latency table in
// milliseconds, errors by class and warnings. Columns are aligned with
// text/tabwriter. Rows whose data the run did not produce are left out, so a
// plain run reads short and a publisher run with reconnects shows it all.
func Text(w io.Writer, r *result.Report) error {
	var b strings.Builder
	target := r.Target
	if r.Embedded {
		target += " (embedded reference server)"
	}
	proto := r.Protocol
	if n := r.Transport.Negotiated; n != "" {
		proto += " → " + n
	}
	fmt.Fprintf(&b, "%s  %s  %s\n", r.Tool, proto, target)
	line := fmt.Sprintf("steady state %.1fs", r.DurationS)
	if r.Ramp != nil && r.Ramp.DurationS > 0 {
		line += fmt.Sprintf(" (ramp and ramp-down %.1fs, %d events, not in the figures below)", r.Ramp.DurationS, r.Ramp.Events)
	}
	if r.Interrupted {
		line += "  INTERRUPTED"
	}
	b.WriteString(line + "\n")
	src := r.LatencySource
	if src == "" {
		src = "none (fan-out latency not measured)"
	}
	fmt.Fprintf(&b, "latency source %s\n\n", src)

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	s := r.Subscribers
	fmt.Fprintf(tw, "subscribers\t%d requested\t%d connected\t%d failed\t%d dropped\t%d reconnects\n",
		s.Requested, s.Connected, s.Failed, s.Dropped, s.Reconnects)
	e := r.Events
	fmt.Fprintf(tw, "events\t%d received\t%.0f/s\t%.2f MB/s\t%d gaps\t%d duplicates\t%d comments\n",
		e.Received, e.RatePerS, e.BytesPerS/1e6, e.Gaps, e.Duplicates, e.Comments)
	if e.LostOnReconnect > 0 {
		fmt.Fprintf(tw, "\t%d lost on reconnect\n", e.LostOnReconnect)
	}
	if p := r.PerSubscriberEvents; p.Count > 0 {
		fmt.Fprintf(tw, "per subscriber\t%d min\t%d p50\t%d max\tevents each\n", p.Min, p.P50, p.Max)
	}
	if p := r.Publish; p != nil {
		fmt.Fprintf(tw, "published\t%d sent\t%d failed\t%.1f/s\n", p.Sent, p.Failed, p.RatePerS)
	}
	if r.DeliveryRatio != nil {
		fmt.Fprintf(tw, "delivery ratio\t%.4f%%\n", *r.DeliveryRatio*100)
	}
	if t := r.Transport; t.Connections > 0 {
		conn := fmt.Sprintf("%d TCP connections", t.Connections)
		if t.TLS != "" {
			conn += ", " + t.TLS
		}
		if t.H2MaxConcurrentStreams > 0 {
			conn += fmt.Sprintf(", server allows %d streams per connection", t.H2MaxConcurrentStreams)
		}
		fmt.Fprintf(tw, "transport\t%s\n", conn)
	}
	if sc := r.SelfCheck; sc.Cores > 0 {
		verdict := "ok"
		switch {
		case sc.Saturated && sc.Cause == "host":
			verdict = "SATURATED (" + sc.Signal + ", the host was busy): the figures describe the host's load, see warnings"
		case sc.Saturated && sc.Signal != "":
			verdict = "SATURATED (" + sc.Signal + "): the figures describe the load generator, see warnings"
		case sc.Saturated:
			verdict = "SATURATED: the figures describe the load generator, see warnings"
		}
		lag := fmt.Sprintf("scheduler lag p99 %s ms", ms(float64(sc.ReaderLagUS)))
		if sc.SchedLatencyP99US > 0 || sc.Signal != "" {
			// Results that carry the Go scheduler's own latency histogram.
			lag = fmt.Sprintf("scheduler latency p99 %s ms\tprocessing lag p99 %s ms",
				ms(float64(sc.SchedLatencyP99US)), ms(float64(sc.ProcessingLagP99US)))
		}
		fmt.Fprintf(tw, "self-check\tCPU %.0f%% of one core (%d usable)\t%s\t%s\n",
			sc.CPUPercent, sc.Cores, lag, verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString("\n")

	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "latency (ms)\tcount\tmin\tmean\tp50\tp90\tp99\tp99.9\tmax\t\n")
	rows := []struct {
		name   string
		l      result.Latency
		always bool
	}{
		{"fan-out", r.LatencyUS.Fanout, true},
		{"connect", r.LatencyUS.Connect, true},
		{"headers", r.LatencyUS.Headers, false},
		{"first event", r.LatencyUS.FirstEvent, true},
		{"inter-event", r.LatencyUS.InterEvent, false},
		{"reconnect", r.LatencyUS.Reconnect, false},
	}
	if r.Publish != nil {
		rows = append(rows, struct {
			name   string
			l      result.Latency
			always bool
		}{"publish", r.Publish.LatencyUS, true})
	}
	for _, row := range rows {
		l := row.l
		if l.Count == 0 {
			if row.always {
				fmt.Fprintf(tw, "%s\t0\t-\t-\t-\t-\t-\t-\t-\t\n", row.name)
			}
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
			fmt.Fprintf(&b, "  %-17s %d", k, r.Errors[k])
			if msg := r.ErrorSamples[k]; msg != "" {
				fmt.Fprintf(&b, "  (e.g. %s)", msg)
			}
			b.WriteString("\n")
		}
	}
	writeTextThresholds(&b, r.Thresholds)
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
