package reports

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/ssebench/ssebench/reports/result"
)

// Markdown writes r as GitHub-flavoured Markdown that reads well in
// $GITHUB_STEP_SUMMARY and in a pull-request comment: what ran, the
// counts, a latency table in milliseconds, errors and warnings. It uses
// only tables, lists and quotes, which every GFM renderer supports.
func Markdown(w io.Writer, r *result.Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### ssebench: %s\n\n", mdEscape(r.Name()))
	fmt.Fprintf(&b, "%s\n\n", mdEscape(runLine(r)))
	for _, bn := range banners(r) {
		fmt.Fprintf(&b, "> **%s** %s\n\n", bn.title, mdEscape(bn.text))
	}
	if len(r.Thresholds) > 0 {
		var t strings.Builder
		writeMDThresholds(&t, r.Thresholds)
		b.WriteString(strings.TrimPrefix(t.String(), "\n") + "\n")
	}

	s, e := r.Subscribers, r.Events
	b.WriteString("| subscribers | connected | failed | dropped | reconnects | events | events/s | MB/s | gaps | duplicates |\n")
	b.WriteString("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	gaps, dups := fmt.Sprint(e.Gaps), fmt.Sprint(e.Duplicates)
	if !lossMeasured(e.IDScheme) {
		gaps, dups = "n/a", "n/a" // the ids are not sequences
	}
	fmt.Fprintf(&b, "| %d | %d | %d | %d | %d | %d | %.0f | %.2f | %s | %s |\n\n",
		s.Requested, s.Connected, s.Failed, s.Dropped, s.Reconnects,
		e.Received, e.RatePerS, e.BytesPerS/1e6, gaps, dups)

	if p := r.Publish; p != nil {
		b.WriteString("| published | failed | publishes/s | publish p50 (ms) | publish p99 (ms) | delivery ratio |\n")
		b.WriteString("|--:|--:|--:|--:|--:|--:|\n")
		fmt.Fprintf(&b, "| %d | %d | %.1f | %s | %s | %s |\n\n", p.Sent, p.Failed, p.RatePerS,
			latencyMS(p.LatencyUS, p.LatencyUS.P50), latencyMS(p.LatencyUS, p.LatencyUS.P99), deliveryText(r))
	}
	if line := selfCheckLine(r); line != "" {
		fmt.Fprintf(&b, "**Self-check:** %s\n\n", mdEscape(line))
	}

	b.WriteString("| latency (ms) | count | min | mean | p50 | p90 | p99 | p99.9 | max |\n")
	b.WriteString("|:--|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, d := range distributions(r) {
		l := d.l
		if l.Count == 0 {
			fmt.Fprintf(&b, "| %s | 0 | – | – | – | – | – | – | – |\n", d.name)
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", d.name, l.Count,
			ms(float64(l.Min)), ms(l.Mean), ms(float64(l.P50)), ms(float64(l.P90)),
			ms(float64(l.P99)), ms(float64(l.P999)), ms(float64(l.Max)))
	}
	b.WriteString("\n")

	if len(r.Errors) == 0 {
		b.WriteString("**Errors:** none\n")
	} else {
		b.WriteString("| error class | count | example |\n|:--|--:|:--|\n")
		for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
			fmt.Fprintf(&b, "| %s | %d | %s |\n", mdEscape(k), r.Errors[k], mdCode(r.ErrorSamples[k]))
		}
	}
	writeMDWarnings(&b, r.Warnings)
	_, err := io.WriteString(w, b.String())
	return err
}

// MarkdownCompare writes several runs side by side: one column per run,
// one row per headline figure, and for every run after the first the
// change relative to the first, so a pull-request comment shows at a
// glance what moved. Warnings follow, per run.
func MarkdownCompare(w io.Writer, rs []*result.Report) error {
	if len(rs) == 1 {
		return Markdown(w, rs[0])
	}
	var b strings.Builder
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = mdEscape(r.Name())
	}
	fmt.Fprintf(&b, "### ssebench: %s\n\n", strings.Join(names, " vs "))
	fmt.Fprintf(&b, "| | %s |\n|:--|%s\n", strings.Join(names, " | "), strings.Repeat("--:|", len(rs)))

	text := func(label string, f func(*result.Report) string) {
		cells := make([]string, len(rs))
		for i, r := range rs {
			cells[i] = mdEscape(f(r))
		}
		fmt.Fprintf(&b, "| %s | %s |\n", label, strings.Join(cells, " | "))
	}
	// num writes a row of figures; vs-first changes are shown as a
	// percentage, or as a difference when the first run's figure is 0.
	num := func(label string, f func(*result.Report) (float64, bool), format func(float64) string) {
		cells := make([]string, len(rs))
		base, baseOK := f(rs[0])
		for i, r := range rs {
			v, ok := f(r)
			if !ok {
				cells[i] = "–"
				continue
			}
			cells[i] = format(v)
			if i > 0 && baseOK {
				cells[i] += " " + change(base, v)
			}
		}
		fmt.Fprintf(&b, "| %s | %s |\n", label, strings.Join(cells, " | "))
	}
	always := func(f func(*result.Report) float64) func(*result.Report) (float64, bool) {
		return func(r *result.Report) (float64, bool) { return f(r), true }
	}
	integer := func(v float64) string { return fmt.Sprintf("%.0f", v) }

	text("target", func(r *result.Report) string {
		if r.Embedded {
			return "embedded reference server"
		}
		return r.Target
	})
	text("protocol", func(r *result.Report) string { return r.Protocol })
	text("tool", func(r *result.Report) string { return r.Tool })
	num("steady state (s)", always(func(r *result.Report) float64 { return r.DurationS }), func(v float64) string { return fmt.Sprintf("%.1f", v) })
	num("subscribers connected", always(func(r *result.Report) float64 { return float64(r.Subscribers.Connected) }), integer)
	num("subscribers failed", always(func(r *result.Report) float64 { return float64(r.Subscribers.Failed) }), integer)
	num("events/s", always(func(r *result.Report) float64 { return r.Events.RatePerS }), integer)
	num("MB/s", always(func(r *result.Report) float64 { return r.Events.BytesPerS / 1e6 }), func(v float64) string { return fmt.Sprintf("%.2f", v) })
	num("gaps", always(func(r *result.Report) float64 { return float64(r.Events.Gaps) }), integer)
	num("errors", always(func(r *result.Report) float64 { return float64(r.ErrorCount()) }), integer)
	num("reconnects", always(func(r *result.Report) float64 { return float64(r.Subscribers.Reconnects) }), integer)
	for _, row := range []struct {
		label string
		pick  func(*result.Report) result.Latency
		value func(result.Latency) float64
	}{
		{"fan-out p50 (ms)", func(r *result.Report) result.Latency { return r.LatencyUS.Fanout }, func(l result.Latency) float64 { return float64(l.P50) }},
		{"fan-out p90 (ms)", func(r *result.Report) result.Latency { return r.LatencyUS.Fanout }, func(l result.Latency) float64 { return float64(l.P90) }},
		{"fan-out p99 (ms)", func(r *result.Report) result.Latency { return r.LatencyUS.Fanout }, func(l result.Latency) float64 { return float64(l.P99) }},
		{"fan-out p99.9 (ms)", func(r *result.Report) result.Latency { return r.LatencyUS.Fanout }, func(l result.Latency) float64 { return float64(l.P999) }},
		{"fan-out max (ms)", func(r *result.Report) result.Latency { return r.LatencyUS.Fanout }, func(l result.Latency) float64 { return float64(l.Max) }},
		{"connect p50 (ms)", func(r *result.Report) result.Latency { return r.LatencyUS.Connect }, func(l result.Latency) float64 { return float64(l.P50) }},
		{"connect p99 (ms)", func(r *result.Report) result.Latency { return r.LatencyUS.Connect }, func(l result.Latency) float64 { return float64(l.P99) }},
		{"first event p50 (ms)", func(r *result.Report) result.Latency { return r.LatencyUS.FirstEvent }, func(l result.Latency) float64 { return float64(l.P50) }},
		{"first event p99 (ms)", func(r *result.Report) result.Latency { return r.LatencyUS.FirstEvent }, func(l result.Latency) float64 { return float64(l.P99) }},
	} {
		num(row.label, func(r *result.Report) (float64, bool) {
			l := row.pick(r)
			return row.value(l), l.Count > 0
		}, ms)
	}
	num("warnings", always(func(r *result.Report) float64 { return float64(len(r.Warnings)) }), integer)

	for i, r := range rs {
		if len(r.Warnings) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n**%s**\n", names[i])
		writeMDWarnings(&b, r.Warnings)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// change formats v relative to base: "(+12.5%)", or "(+3)" when base is 0
// so that a change from nothing is not an infinite percentage.
func change(base, v float64) string {
	if base == 0 {
		if v == 0 {
			return "(±0)"
		}
		return fmt.Sprintf("(%+.4g)", v)
	}
	return fmt.Sprintf("(%+.1f%%)", (v-base)/base*100)
}

// writeMDWarnings writes warnings as a quoted list, which GitHub renders
// set apart from the figures.
func writeMDWarnings(b *strings.Builder, warnings []string) {
	if len(warnings) == 0 {
		return
	}
	b.WriteString("\n> **Warnings**\n")
	for _, w := range warnings {
		fmt.Fprintf(b, "> - %s\n", mdEscape(w))
	}
}

// runLine describes what ran in one line: tool, protocol, target, window.
func runLine(r *result.Report) string {
	target := r.Target
	if r.Embedded {
		target += " (embedded reference server)"
	}
	line := fmt.Sprintf("%s · %s · %s · %.1f s steady state · started %s", r.Tool, r.Protocol, target,
		r.DurationS, r.Started.UTC().Format("2006-01-02 15:04:05 UTC"))
	if r.Interrupted {
		line += " · interrupted"
	}
	return line
}

// mdEscape keeps text from breaking a table cell or turning into markup.
var mdReplacer = strings.NewReplacer("|", `\|`, "\n", " ", "*", `\*`, "_", `\_`, "`", "\\`", "<", "&lt;", ">", "&gt;", "[", `\[`)

func mdEscape(s string) string { return mdReplacer.Replace(s) }

// mdCode shows s as inline code, which needs no escaping but the pipe.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	s = strings.NewReplacer("`", "'", "|", `\|`, "\n", " ").Replace(s)
	return "`" + s + "`"
}

// distribution is one named latency distribution of a report.
type distribution struct {
	id, name string // id: file and element names ("first-event"); name: for people
	l        result.Latency
}

// distributions lists the distributions every format shows, in order.
func distributions(r *result.Report) []distribution {
	return []distribution{
		{"fanout", "fan-out", r.LatencyUS.Fanout},
		{"connect", "connect", r.LatencyUS.Connect},
		{"first-event", "first event", r.LatencyUS.FirstEvent},
	}
}
