package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/ssebench/ssebench/reports/result"
)

// HTML writes one self-contained page: summary cards, the latency
// percentile spectra, the time series, errors, warnings and the
// configuration. Charts are inline SVG and the style sheet is inline, so
// the page works offline, runs no script and fetches nothing. Given
// several runs it overlays them, one colour per run throughout.
func HTML(w io.Writer, rs []*result.Report) error {
	page, err := newHTMLPage(rs)
	if err != nil {
		return err
	}
	return htmlTemplate.Execute(w, page)
}

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// htmlPage is what html.tmpl renders.
type htmlPage struct {
	Title      string
	Runs       []htmlRun
	Banners    []htmlBanner
	Thresholds []htmlThreshold
	NoCharts   bool // no run measured anything: the charts would be empty
	Cards      []htmlCard
	Latency    []htmlChart // the spectra and latency over time
	Series     []htmlChart // throughput, connections and errors over time
	Settings   []htmlRow   // what ran: run facts, then the config echo
	Errors     []htmlRow   // one row per error class
	Multi      bool
}

// htmlRun is one run's name, colour and description.
type htmlRun struct {
	Name, Color, Line string
	Interrupted       bool
	Warnings          []string
}

// htmlBanner is a notice at the top of the page (banners): a run that
// measured nothing, with why, or one that was interrupted.
type htmlBanner struct {
	Run, Color, Title, Text string
	Bad                     bool
}

// htmlThreshold is one threshold expression with its verdict per run.
type htmlThreshold struct {
	Expr  string
	Cells []htmlVerdict
}

// htmlVerdict is one run's result for a threshold; Missing when the run
// did not have that threshold.
type htmlVerdict struct {
	Pass, Missing bool
	Text          string
}

// htmlCard is one headline figure, with one value per run.
type htmlCard struct {
	Label  string
	Values []htmlValue
}

// htmlValue is one run's figure on a card.
type htmlValue struct {
	Color, Run, Text, Sub string
	Bad                   bool // drawn in red: errors, gaps, failures
}

// htmlChart is one inline SVG chart.
type htmlChart struct {
	ID, Title, Caption string
	SVG                template.HTML // rendered by gonum's SVG canvas, which escapes text
	Points             int
}

// htmlRow is a table row with one cell per run; Differs marks rows whose
// cells are not all equal, so a comparison shows what changed.
type htmlRow struct {
	Key     string
	Cells   []string
	Differs bool
}

func newHTMLPage(rs []*result.Report) (*htmlPage, error) {
	if len(rs) == 0 {
		return nil, fmt.Errorf("reports: html: no result to render")
	}
	pg := &htmlPage{Multi: len(rs) > 1}
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.Name()
		pg.Runs = append(pg.Runs, htmlRun{Name: names[i], Color: hexColor(runColor(i)), Line: runLine(r),
			Interrupted: r.Interrupted, Warnings: r.Warnings})
	}
	pg.Title = "ssebench: " + strings.Join(names, " vs ")
	pg.NoCharts = true
	for i, r := range rs {
		for _, b := range banners(r) {
			pg.Banners = append(pg.Banners, htmlBanner{Run: names[i], Color: pg.Runs[i].Color, Title: b.title, Text: b.text, Bad: b.bad})
		}
		if r.Subscribers.Connected > 0 {
			pg.NoCharts = false
		}
	}
	pg.Thresholds = htmlThresholds(rs)
	pg.Cards = htmlCards(rs, pg.Runs)

	for i, c := range charts(rs) {
		if pg.NoCharts {
			break
		}
		svg, err := chartSVG(c)
		if err != nil {
			return nil, err
		}
		hc := htmlChart{ID: c.id, Title: c.title, Caption: c.caption, SVG: template.HTML(svg), Points: c.points}
		if i < 4 {
			pg.Latency = append(pg.Latency, hc)
		} else {
			pg.Series = append(pg.Series, hc)
		}
	}

	var err error
	if pg.Settings, err = htmlSettings(rs); err != nil {
		return nil, err
	}
	pg.Errors = htmlErrors(rs)
	return pg, nil
}

// htmlCards builds the summary cards.
func htmlCards(rs []*result.Report, runs []htmlRun) []htmlCard {
	card := func(label string, f func(r *result.Report) htmlValue) htmlCard {
		c := htmlCard{Label: label}
		for i, r := range rs {
			v := f(r)
			v.Color, v.Run = runs[i].Color, runs[i].Name
			c.Values = append(c.Values, v)
		}
		return c
	}
	lat := func(l result.Latency, v func(result.Latency) int64) string {
		if l.Count == 0 {
			return "–"
		}
		return ms(float64(v(l))) + " ms"
	}
	cards := []htmlCard{
		card("Subscribers connected", func(r *result.Report) htmlValue {
			s := r.Subscribers
			return htmlValue{Text: fmt.Sprintf("%s / %s", result.FormatCount(int64(s.Connected)), result.FormatCount(int64(s.Requested))),
				Sub: fmt.Sprintf("%d failed · %d dropped", s.Failed, s.Dropped), Bad: s.Failed > 0 || s.Dropped > 0}
		}),
		card("Events per second", func(r *result.Report) htmlValue {
			return htmlValue{Text: result.FormatCount(int64(r.Events.RatePerS + 0.5)),
				Sub: fmt.Sprintf("%s events in %.1f s", result.FormatCount(int64(r.Events.Received)), r.DurationS)}
		}),
		card("Throughput", func(r *result.Report) htmlValue {
			return htmlValue{Text: fmt.Sprintf("%.2f MB/s", r.Events.BytesPerS/1e6),
				Sub: fmt.Sprintf("%.1f MB received", float64(r.Events.Bytes)/1e6)}
		}),
		card("Fan-out p50", func(r *result.Report) htmlValue {
			l := r.LatencyUS.Fanout
			return htmlValue{Text: lat(l, func(l result.Latency) int64 { return l.P50 }), Sub: "p90 " + lat(l, func(l result.Latency) int64 { return l.P90 })}
		}),
		card("Fan-out p99", func(r *result.Report) htmlValue {
			l := r.LatencyUS.Fanout
			return htmlValue{Text: lat(l, func(l result.Latency) int64 { return l.P99 }),
				Sub: "p99.9 " + lat(l, func(l result.Latency) int64 { return l.P999 }) + " · max " + lat(l, func(l result.Latency) int64 { return l.Max })}
		}),
		card("Connect p99", func(r *result.Report) htmlValue {
			l := r.LatencyUS.Connect
			return htmlValue{Text: lat(l, func(l result.Latency) int64 { return l.P99 }), Sub: "p50 " + lat(l, func(l result.Latency) int64 { return l.P50 })}
		}),
		card("First event p50", func(r *result.Report) htmlValue {
			l := r.LatencyUS.FirstEvent
			return htmlValue{Text: lat(l, func(l result.Latency) int64 { return l.P50 }), Sub: "p99 " + lat(l, func(l result.Latency) int64 { return l.P99 })}
		}),
		card("Gaps", func(r *result.Report) htmlValue {
			e := r.Events
			if !lossMeasured(e.IDScheme) {
				return htmlValue{Text: "n/a", Sub: "ids: " + e.IDScheme + ", not sequences"}
			}
			return htmlValue{Text: result.FormatCount(int64(e.Gaps)), Sub: fmt.Sprintf("%d duplicates", e.Duplicates), Bad: e.Gaps > 0 || e.Duplicates > 0}
		}),
		card("Errors", func(r *result.Report) htmlValue {
			n := r.ErrorCount()
			return htmlValue{Text: result.FormatCount(n), Sub: fmt.Sprintf("%d reconnects", r.Subscribers.Reconnects), Bad: n > 0}
		}),
	}
	if slices.ContainsFunc(rs, func(r *result.Report) bool { return r.Publish != nil }) {
		cards = append(cards,
			card("Published", func(r *result.Report) htmlValue {
				p := r.Publish
				if p == nil {
					return htmlValue{Text: "–", Sub: "not in publisher mode"}
				}
				return htmlValue{Text: result.FormatCount(int64(p.Sent)), Sub: fmt.Sprintf("%d failed · %.1f/s", p.Failed, p.RatePerS), Bad: p.Failed > 0}
			}),
			card("Publish latency p99", func(r *result.Report) htmlValue {
				if r.Publish == nil {
					return htmlValue{Text: "–"}
				}
				l := r.Publish.LatencyUS
				return htmlValue{Text: lat(l, func(l result.Latency) int64 { return l.P99 }), Sub: "p50 " + lat(l, func(l result.Latency) int64 { return l.P50 })}
			}),
			card("Delivery ratio", func(r *result.Report) htmlValue {
				v := htmlValue{Text: deliveryText(r), Sub: "received ÷ (published × subscribers)"}
				v.Bad = r.DeliveryRatio != nil && *r.DeliveryRatio < 1
				return v
			}),
		)
	}
	cards = append(cards, card("Self-check", func(r *result.Report) htmlValue {
		sc := r.SelfCheck
		if sc.Cores == 0 {
			return htmlValue{Text: "–", Sub: "not recorded"}
		}
		v := htmlValue{Text: "ok", Sub: fmt.Sprintf("CPU %.0f%% of one core (%d usable) · lag p99 %s ms", sc.CPUPercent, sc.Cores, ms(float64(sc.ReaderLagUS)))}
		if sc.Saturated {
			v.Text, v.Bad = "saturated", true
		}
		return v
	}))
	return cards
}

// htmlThresholds lists every threshold of any run, in the order first
// given, with each run's verdict and measured value.
func htmlThresholds(rs []*result.Report) []htmlThreshold {
	var out []htmlThreshold
	index := map[string]int{}
	for i, r := range rs {
		for _, t := range r.Thresholds {
			k, ok := index[t.Expression]
			if !ok {
				k = len(out)
				index[t.Expression] = k
				row := htmlThreshold{Expr: t.Expression, Cells: make([]htmlVerdict, len(rs))}
				for j := range row.Cells {
					row.Cells[j].Missing = true
				}
				out = append(out, row)
			}
			text := "measured " + t.MeasuredText()
			if t.Measured == nil && t.Message != "" {
				text = t.Message
			}
			out[k].Cells[i] = htmlVerdict{Pass: t.Pass, Text: text}
		}
	}
	return out
}

// htmlSettings lists what ran: facts of the run, then every key of the
// configuration echo, one column per run.
func htmlSettings(rs []*result.Report) ([]htmlRow, error) {
	rows := []htmlRow{}
	addI := func(key string, f func(i int, r *result.Report) string) {
		row := htmlRow{Key: key}
		for i, r := range rs {
			row.Cells = append(row.Cells, f(i, r))
		}
		rows = append(rows, row)
	}
	add := func(key string, f func(*result.Report) string) {
		addI(key, func(_ int, r *result.Report) string { return f(r) })
	}
	add("target", func(r *result.Report) string {
		if r.Embedded {
			return r.Target + " (embedded reference server)"
		}
		return r.Target
	})
	add("protocol", func(r *result.Report) string { return r.Protocol })
	add("negotiated", func(r *result.Report) string { return r.Transport.Negotiated })
	add("tool", func(r *result.Report) string { return r.Tool })
	add("started", func(r *result.Report) string { return r.Started.UTC().Format("2006-01-02 15:04:05 UTC") })
	add("steady state", func(r *result.Report) string { return fmt.Sprintf("%.2f s", r.DurationS) })
	add("latency source", func(r *result.Report) string { return r.LatencySource })

	// The union of config keys, in the order they first appear.
	var order []string
	vals := make([]map[string]string, len(rs))
	for i, r := range rs {
		kvs, err := flattenConfig(r.Config)
		if err != nil {
			return nil, err
		}
		vals[i] = map[string]string{}
		for _, kv := range kvs {
			if !slices.Contains(order, kv.key) {
				order = append(order, kv.key)
			}
			vals[i][kv.key] = kv.value
		}
	}
	for _, k := range order {
		addI("config: "+k, func(i int, _ *result.Report) string {
			if v, ok := vals[i][k]; ok {
				return v
			}
			return "–"
		})
	}
	for i := range rows {
		for j, c := range rows[i].Cells {
			if c == "" {
				rows[i].Cells[j] = "–" // not recorded, e.g. by an older ssebench
			}
		}
		for _, c := range rows[i].Cells[1:] {
			if c != rows[i].Cells[0] {
				rows[i].Differs = true
			}
		}
	}
	return rows, nil
}

// htmlErrors is one row per error class seen in any run: the count per
// run, then the first example message.
func htmlErrors(rs []*result.Report) []htmlRow {
	classes := map[string]bool{}
	for _, r := range rs {
		for k := range r.Errors {
			classes[k] = true
		}
	}
	var rows []htmlRow
	for _, k := range slices.Sorted(maps.Keys(classes)) {
		row := htmlRow{Key: k}
		example := ""
		for _, r := range rs {
			row.Cells = append(row.Cells, result.FormatCount(r.Errors[k]))
			if example == "" {
				example = r.ErrorSamples[k]
			}
		}
		row.Cells = append(row.Cells, example)
		rows = append(rows, row)
	}
	return rows
}

// hexColor writes c as a CSS colour.
func hexColor(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }
