package reports

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/ssebench/ssebench/reports/result"
)

// textWidth is the width the text summary keeps to, a terminal's
// traditional 80 columns: long messages wrap under their first line.
const textWidth = 80

// Text writes the human summary: what ran, counts, rates, a latency table in
// milliseconds, errors by class and warnings. Columns are aligned with
// text/tabwriter, and every line fits 80 columns (a URL longer than that
// excepted). Rows whose data the run did not produce are left out, so a
// plain run reads short and a publisher run with reconnects shows it all.
func Text(w io.Writer, r *result.Report) error {
	var b strings.Builder
	proto := r.Protocol
	if n := r.Transport.Negotiated; n != "" {
		proto += " → " + n
	}
	fmt.Fprintf(&b, "%s  %s  %s\n", r.Tool, proto, r.Target)
	if r.Embedded {
		line := "target: the embedded reference server, in this process"
		if es := r.EmbeddedServer; es != nil {
			line = fmt.Sprintf("target: the embedded reference server (%g events/s of %d bytes)", es.RatePerS, es.PayloadBytes)
		}
		b.WriteString(line + "\n")
	}
	for _, bn := range banners(r) {
		writeWrapped(&b, "!! ", "   ", bn.title+" "+bn.text)
	}
	line := fmt.Sprintf("steady state %.1fs", r.DurationS)
	if r.Ramp != nil && r.Ramp.DurationS > 0 {
		line += fmt.Sprintf("; ramp and ramp-down %.1fs (%d events, not counted below)", r.Ramp.DurationS, r.Ramp.Events)
	}
	b.WriteString(line + "\n")
	b.WriteString(shardLine(r)) // text_shard.go
	src := r.LatencySource
	if src == "" {
		src = "none (fan-out latency not measured)"
	}
	fmt.Fprintf(&b, "latency source %s\n\n", src)

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	s := r.Subscribers
	fmt.Fprintf(tw, "subscribers\t%d requested\t%d connected\t%d failed\t%d dropped", s.Requested, s.Connected, s.Failed, s.Dropped)
	if s.Redirects > 0 {
		fmt.Fprintf(tw, "\t%d redirects", s.Redirects)
	}
	fmt.Fprintln(tw)
	e := r.Events
	fmt.Fprintf(tw, "events\t%d received\t%.0f/s\t%.2f MB/s\t%d comments\n", e.Received, e.RatePerS, e.BytesPerS/1e6, e.Comments)
	gaps, dups := fmt.Sprintf("%d gaps", e.Gaps), fmt.Sprintf("%d duplicates", e.Duplicates)
	if !lossMeasured(e.IDScheme) {
		gaps, dups = "gaps n/a", "duplicates n/a"
	}
	fmt.Fprintf(tw, "sequence\t%s\t%s\t%d reconnects\n", gaps, dups, s.Reconnects)
	if e.LostOnReconnect > 0 {
		fmt.Fprintf(tw, "\t%d lost on reconnect\n", e.LostOnReconnect)
	}
	if e.IDScheme != "" {
		fmt.Fprintf(tw, "event ids\t%s", e.IDScheme)
		if e.IDResets > 0 {
			fmt.Fprintf(tw, "\t%d resets", e.IDResets)
		}
		if !lossMeasured(e.IDScheme) {
			fmt.Fprint(tw, "\tloss not measured")
		}
		fmt.Fprintln(tw)
	}
	if p := r.PerSubscriberEvents; p.Count > 0 {
		fmt.Fprintf(tw, "per subscriber\t%d min\t%d p50\t%d max\tevents each\n", p.Min, p.P50, p.Max)
	}
	if p := r.Publish; p != nil {
		fmt.Fprintf(tw, "published\t%d sent\t%d failed\t%.1f/s", p.Sent, p.Failed, p.RatePerS)
		if p.Duplicates > 0 || p.Replayed > 0 {
			fmt.Fprintf(tw, "\t%d duplicate deliveries\t%d replayed", p.Duplicates, p.Replayed)
		}
		fmt.Fprintln(tw)
	}
	if r.DeliveryRatio != nil {
		fmt.Fprintf(tw, "delivery ratio\t%.4f%%\n", *r.DeliveryRatio*100)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if t := r.Transport; t.Connections > 0 {
		conn := fmt.Sprintf("%d TCP connections", t.Connections)
		if t.TLS != "" {
			conn += ", " + t.TLS
		}
		if t.H2MaxConcurrentStreams > 0 {
			conn += fmt.Sprintf(", server allows %d streams per connection", t.H2MaxConcurrentStreams)
		}
		writeWrapped(&b, "transport       ", "                ", conn)
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
			lag = fmt.Sprintf("scheduler latency p99 %s ms, processing lag p99 %s ms",
				ms(float64(sc.SchedLatencyP99US)), ms(float64(sc.ProcessingLagP99US)))
		}
		writeWrapped(&b, "self-check      ", "                ", fmt.Sprintf("CPU %.0f%% of one core (%d usable), %s: %s",
			sc.CPUPercent, sc.Cores, lag, verdict))
	}
	b.WriteString("\n")

	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "latency (ms)\tcount\tmin\tmean\tp50\tp90\tp99\tp99.9\tmax\t\n")
	type row struct {
		name   string
		l      result.Latency
		always bool
	}
	rows := []row{
		{"fan-out", r.LatencyUS.Fanout, true},
		{"connect", r.LatencyUS.Connect, true},
	}
	// Response headers are timed apart from a successful connect only
	// when some attempt got headers it then refused (a status, a
	// content type): show them only when they tell something new.
	if h, c := r.LatencyUS.Headers, r.LatencyUS.Connect; h.Count != c.Count || h.P50 != c.P50 || h.P99 != c.P99 || h.Max != c.Max {
		rows = append(rows, row{"headers", h, false})
	}
	rows = append(rows,
		row{"first event", r.LatencyUS.FirstEvent, true},
		row{"inter-event", r.LatencyUS.InterEvent, false},
		row{"reconnect", r.LatencyUS.Reconnect, false},
		row{"replayed", r.LatencyUS.Replayed, false})
	if r.Publish != nil {
		rows = append(rows, row{"publish", r.Publish.LatencyUS, true})
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
			fmt.Fprintf(&b, "  %-17s %d\n", k, r.Errors[k])
			if msg := r.ErrorSamples[k]; msg != "" {
				writeWrapped(&b, "    e.g. ", "         ", msg)
			}
		}
	}
	writeTextThresholds(&b, r.Thresholds)
	if len(r.Warnings) > 0 {
		b.WriteString("\nwarnings\n")
		for _, wmsg := range r.Warnings {
			writeWrapped(&b, "  ! ", "    ", wmsg)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeWrapped writes text after first, wrapped at word boundaries to
// textWidth, continuing lines with indent. A word longer than a line (a
// URL) gets a line of its own.
func writeWrapped(b *strings.Builder, first, indent, text string) {
	line := first
	empty := true
	for _, word := range strings.Fields(text) {
		if !empty && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > textWidth {
			b.WriteString(line + "\n")
			line, empty = indent, true
		}
		if !empty {
			line += " "
		}
		line += word
		empty = false
	}
	b.WriteString(line + "\n")
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

// lossMeasured tells whether gaps and duplicates were measured under the
// id scheme (see result.Events.IDScheme); results without one were.
func lossMeasured(scheme string) bool {
	switch scheme {
	case "increasing", "opaque", "none":
		return false
	}
	return true
}
