package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/ssebench/ssebench/reports/result"
)

// LimitsHTML writes a capacity search as one self-contained page: the
// verdict, charts of latency, throughput and errors against load (inline
// SVG drawn with gonum/plot), the table of steps, and the probes. Like HTML
// it runs no script and fetches nothing.
func LimitsHTML(w io.Writer, l *result.Limits) error {
	pg, err := newLimitsPage(l)
	if err != nil {
		return err
	}
	return limitsTemplate.Execute(w, pg)
}

//go:embed limits.tmpl
var limitsSource string

var limitsTemplate = template.Must(template.New("limits").Parse(limitsSource))

// limitsPage is what limits.tmpl renders.
type limitsPage struct {
	Title, Plan, Summary string
	Cards                []htmlCard
	Charts               []htmlChart
	Unit                 string
	Steps                []limitsRow
	Probe                []htmlRow // key, one cell
	Browser              []limitsBrowserRow
	BrowserNote          string
	BrowserHead          string
	ProbeHead            string
	Warnings             []string
}

// limitsRow is one step of the table.
type limitsRow struct {
	N                                                              int
	Phase, Load, Result, Connected, Events, P50, P99, P999, Errors string
	Delivery, CPU, Note                                            string
	Bad                                                            bool
}

// limitsBrowserRow is one protocol of the browser view.
type limitsBrowserRow struct {
	Name                                 string
	Served, Waiting, Failed, Connections int
	Detail                               string
}

func newLimitsPage(l *result.Limits) (*limitsPage, error) {
	pg := &limitsPage{
		Title:   "ssebench limits: " + limitsTarget(l),
		Plan:    strings.TrimSpace(l.Tool + " · " + l.Protocol + " · " + limitsPlan(l)),
		Summary: l.Summary,
		Unit:    l.Unit,
	}
	if l.Verdict != result.VerdictProbeOnly {
		v := htmlValue{Text: verdictText(l), Bad: l.ClientLimited || l.Verdict == result.VerdictBelowStart}
		pg.Cards = append(pg.Cards, htmlCard{Label: "Verdict", Values: []htmlValue{v}})
		if b := l.Best; b != nil {
			pg.Cards = append(pg.Cards, htmlCard{Label: "Highest sustainable load", Values: []htmlValue{{
				Text: result.FormatLoad(b.Load) + " " + l.Unit, Sub: stepSub(b)}}})
		}
		if f := l.FirstBad; f != nil {
			pg.Cards = append(pg.Cards, htmlCard{Label: "First bad load", Values: []htmlValue{{
				Text: result.FormatLoad(f.Load) + " " + l.Unit, Sub: f.Note, Bad: true}}})
		}
		if k := l.Knee; k != nil {
			pg.Cards = append(pg.Cards, htmlCard{Label: "Knee", Values: []htmlValue{{
				Text: result.FormatLoad(k.Before) + "–" + result.FormatLoad(k.Load),
				Sub:  fmt.Sprintf("p99 %s ms, %g× the %s ms at %s", ms(float64(k.FanoutP99US)), k.Factor, ms(float64(k.BaselineP99US)), result.FormatLoad(k.BaselineLoad))}}})
		}
	}
	if len(l.Steps) > 0 {
		for _, c := range limitsCharts(l) {
			svg, err := chartSVG(c)
			if err != nil {
				return nil, err
			}
			pg.Charts = append(pg.Charts, htmlChart{ID: c.id, Title: c.title, Caption: c.caption, SVG: template.HTML(svg), Points: c.points})
		}
	}
	for _, i := range stepOrder(l.Steps) {
		st := l.Steps[i]
		c := newStepRow(&st)
		note := st.Note
		if len(st.Errors) > 0 {
			note = strings.TrimSpace(note + " [" + errorClasses(st.Errors) + "]")
		}
		pg.Steps = append(pg.Steps, limitsRow{N: i + 1, Phase: st.Phase, Load: result.FormatLoad(st.Load), Result: c.result, Connected: c.connected,
			Events: c.events, P50: c.p50, P99: c.p99, P999: c.p999, Errors: c.errors, Delivery: c.delivery, CPU: c.cpu, Note: note, Bad: !st.Pass})
	}
	if p := l.Probe; p != nil {
		pg.ProbeHead = fmt.Sprintf("%s, %s streams opened at once", p.Protocol, result.FormatCount(int64(p.Tried)))
		accepted := result.FormatCount(int64(p.Accepted)) + " concurrent streams"
		switch {
		case p.ClientLimited:
			accepted += " (CLIENT limit, not the server's)"
		case p.AllAccepted:
			accepted += " (every stream tried; the server's limit, if any, is higher)"
		}
		pg.Probe = append(pg.Probe, htmlRow{Key: "accepted", Cells: []string{accepted}})
		for _, r := range p.Beyond {
			cell := fmt.Sprintf("%s × %s: %s", result.FormatCount(r.Count), r.Class, r.Meaning)
			if r.Sample != "" {
				cell += " (e.g. " + r.Sample + ")"
			}
			pg.Probe = append(pg.Probe, htmlRow{Key: "beyond", Cells: []string{cell}})
		}
		if p.Behaviour != "" {
			pg.Probe = append(pg.Probe, htmlRow{Key: "behaviour", Cells: []string{p.Behaviour}})
		}
		if p.ConnectBurst > 0 {
			pg.Probe = append(pg.Probe, htmlRow{Key: "connect rate", Cells: []string{fmt.Sprintf("%s connections/s (burst of %s; p50 %s ms, p99 %s ms)",
				result.FormatCount(int64(p.ConnectRatePerS+0.5)), result.FormatCount(int64(p.ConnectBurst)), ms(float64(p.ConnectP50US)), ms(float64(p.ConnectP99US)))}})
		}
		if h := p.H2; h != nil {
			line := h2Text(h)
			if h.Note != "" {
				line += " — " + h.Note
			}
			pg.Probe = append(pg.Probe, htmlRow{Key: "HTTP/2 (" + h.Protocol + ")", Cells: []string{line}})
		}
	}
	if v := l.Browser; v != nil {
		pg.BrowserHead = fmt.Sprintf("%d tabs, each waiting up to %.1f s for its stream", v.Tabs, v.WaitS)
		pg.BrowserNote = v.Note
		for _, p := range []struct {
			name string
			bp   result.BrowserProtocol
		}{{"HTTP/1.1", v.H1}, {"HTTP/2", v.H2}} {
			pg.Browser = append(pg.Browser, limitsBrowserRow{Name: p.name + " (" + p.bp.Protocol + ")", Served: p.bp.Served, Waiting: p.bp.Waiting,
				Failed: p.bp.Failed, Connections: p.bp.Connections, Detail: strings.TrimSpace(p.bp.Error + " " + p.bp.Sample)})
		}
	}
	pg.Warnings = l.Warnings
	return pg, nil
}

// stepSub is a step's figures under a card.
func stepSub(st *result.LimitStep) string {
	var parts []string
	if st.FanoutCount > 0 {
		parts = append(parts, "p99 "+ms(float64(st.FanoutP99US))+" ms")
	}
	parts = append(parts, "errors "+pct(st.ErrorRate), result.FormatCount(int64(st.EventsPerS+0.5))+" events/s")
	return strings.Join(parts, " · ")
}
