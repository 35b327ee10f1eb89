package reports

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/reports/result"
	"golang.org/x/net/html"
)

// chartIDs are the charts every page and image has, in order.
var chartIDs = []string{"fanout-spectrum", "latency-over-time", "connect-spectrum", "first-event-spectrum",
	"events-rate", "bytes-rate", "connected", "errors-over-time"}

// TestHTML_selfContained parses the page and checks that it loads nothing
// and runs nothing, and that every chart is there with data.
func TestHTML_selfContained(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := HTML(&buf, []*result.Report{sampleRun(t, "", 10)}); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	figures := map[string]int{} // id → data-points
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "link", "iframe", "object", "embed", "img":
				t.Errorf("page has a <%s> element; it must load and run nothing", n.Data)
			case "figure":
				id, points := attr(n, "id"), attr(n, "data-points")
				p, _ := strconv.Atoi(points)
				figures[strings.TrimPrefix(id, "chart-")] = p
			}
			for _, a := range n.Attr {
				if (a.Key == "src" || a.Key == "href") && !strings.HasPrefix(a.Val, "#") {
					t.Errorf("<%s %s=%q> points outside the page", n.Data, a.Key, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, id := range chartIDs {
		p, ok := figures[id]
		if !ok {
			t.Errorf("page lacks chart %s", id)
		} else if p == 0 {
			t.Errorf("chart %s has no data points", id)
		}
	}
	page := buf.String()
	for _, want := range []string{"Fan-out p99", "an example warning with a &lt;tag&gt; &amp; a | pipe", "config: header.Accept", "stream ended | by the server", "99.999%"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "ZgotmplZ") {
		t.Error("html/template rejected a value (ZgotmplZ in the page)")
	}
}

// TestHTML_overlay gives two runs: each chart's legend names both, and the
// configuration table marks what differs.
func TestHTML_overlay(t *testing.T) {
	t.Parallel()
	a, b := sampleRun(t, "server-a", 10), sampleRun(t, "server-b", 13)
	b.Config = []byte(`{"url":"http://127.0.0.1:8080/events","subscribers":200}`)
	var buf bytes.Buffer
	if err := HTML(&buf, []*result.Report{a, b}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, id := range chartIDs {
		i := strings.Index(page, `id="chart-`+id+`"`)
		if i < 0 {
			t.Errorf("no chart %s", id)
			continue
		}
		svg := page[i:]
		svg = svg[:strings.Index(svg, "</svg>")]
		for _, name := range []string{">server-a", ">server-b"} {
			if !strings.Contains(svg, name) {
				t.Errorf("chart %s has no legend entry %s", id, name[1:])
			}
		}
	}
	if !strings.Contains(page, `class="differs"><td class="key">config: subscribers`) {
		t.Error("config row subscribers (100 vs 200) is not marked as differing")
	}
}

// TestSVG_wellFormed checks the SVG image parses as XML and has every
// chart's title.
func TestSVG_wellFormed(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := SVG(&buf, []*result.Report{sampleRun(t, "a", 10), sampleRun(t, "b", 13)}); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	var texts []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if cd, ok := tok.(xml.CharData); ok {
			texts = append(texts, string(cd))
		}
	}
	all := strings.Join(texts, "\n")
	for _, c := range charts([]*result.Report{sampleRun(t, "a", 10)}) {
		if !strings.Contains(all, c.title) {
			t.Errorf("SVG lacks the chart %q", c.title)
		}
	}
	if !strings.Contains(all, "ssebench: a vs b") {
		t.Error("SVG lacks the header naming the runs")
	}
}

// TestPNG_decodes checks the PNG is an image of the documented size.
func TestPNG_decodes(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	f, err := LookupFormat("png")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Encode(&buf, sampleRun(t, "", 10)); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w, h := dashboardSize(len(chartIDs))
	if got, want := img.Bounds().Dx(), int(w.Dots(PNGDPI)+0.5); got != want {
		t.Errorf("width = %d px, want %d", got, want)
	}
	if got, want := img.Bounds().Dy(), int(h.Dots(PNGDPI)+0.5); got != want {
		t.Errorf("height = %d px, want %d", got, want)
	}
}

// TestCharts_emptyRun draws a run that measured nothing: every chart is
// still there, marked as empty, and nothing panics.
func TestCharts_emptyRun(t *testing.T) {
	t.Parallel()
	r := &result.Report{Schema: result.Schema, Protocol: "h1", Target: "http://x/"}
	cs := charts([]*result.Report{r})
	if len(cs) != len(chartIDs) {
		t.Fatalf("%d charts, want %d", len(cs), len(chartIDs))
	}
	for _, c := range cs {
		if c.points != 0 {
			t.Errorf("chart %s has %d points for an empty run", c.id, c.points)
		}
	}
	for _, enc := range []MultiEncoder{HTML, SVG} { // PNG draws the same plots
		if err := enc(io.Discard, []*result.Report{r}); err != nil {
			t.Errorf("empty run: %v", err)
		}
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
