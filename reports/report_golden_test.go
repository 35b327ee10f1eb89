package reports

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/reports/result"
)

// publisherSample is a publisher-mode run with thresholds and a
// saturated self-check: everything the text summary shows.
func publisherSample(tb testing.TB) *result.Report {
	tb.Helper()
	r := sampleRun(tb, "publisher run", 1)
	r.LatencySource = "publisher"
	h := result.NewLatencyHistogram()
	for v := int64(1); v <= 200; v++ {
		_ = h.RecordValue(1000 + 20*v)
	}
	lat, err := result.Summarize(h)
	if err != nil {
		tb.Fatal(err)
	}
	r.Publish = &result.Publish{Sent: 50, Failed: 1, RatePerS: 10, LatencyUS: lat}
	ratio := 0.998
	r.DeliveryRatio = &ratio
	r.SelfCheck = result.SelfCheck{CPUPercent: 187, Cores: 2, ReaderLagUS: 31_500, Saturated: true}
	var ts []result.Threshold
	for _, e := range []string{"fanout.p99 < 50ms", "delivery_ratio > 99.9%", "publish.failed == 0"} {
		th, err := result.ParseThreshold(e)
		if err != nil {
			tb.Fatal(err)
		}
		ts = append(ts, th)
	}
	r.Thresholds = result.EvaluateThresholds(ts, r)
	return r
}

// failedSample is a run in which no subscriber connected.
func failedSample(tb testing.TB) *result.Report {
	tb.Helper()
	r := sampleRun(tb, "", 1)
	r.Subscribers = result.Subscribers{Requested: 100, Failed: 100}
	r.Events = result.Events{}
	r.LatencyUS = result.Latencies{}
	r.Intervals = nil
	r.Errors = map[string]int64{"dial": 100}
	r.ErrorSamples = map[string]string{"dial": "dial tcp 127.0.0.1:1: connect: connection refused"}
	r.Warnings = []string{"100 of 100 subscribers never got a stream; see errors"}
	th, err := result.ParseThreshold("subscribers.failed == 0")
	if err != nil {
		tb.Fatal(err)
	}
	r.Thresholds = result.EvaluateThresholds([]result.Threshold{th}, r)
	return r
}

// svgElement matches an inline chart, which the HTML golden files leave
// out: the charts have tests of their own, and the golden file stays a
// page a reviewer can read.
var svgElement = regexp.MustCompile(`(?s)<svg.*?</svg>`)

func TestReports_golden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		r    *result.Report
		want []string // in both the Markdown and the HTML, before the first table of figures
	}{
		{"publisher", publisherSample(t), []string{"delivery_ratio > 99.9%", "publish.failed == 0", "FAIL"}},
		{"failed", failedSample(t), []string{"Nothing was measured:", "no subscriber connected: 100 × dial: connection refused"}},
	} {
		var md, page bytes.Buffer
		if err := Markdown(&md, tt.r); err != nil {
			t.Fatal(err)
		}
		golden(t, tt.name+".md.golden", md.Bytes())
		if err := HTML(&page, []*result.Report{tt.r}); err != nil {
			t.Fatal(err)
		}
		html := svgElement.ReplaceAllString(page.String(), "<svg><!-- chart --></svg>")
		golden(t, tt.name+".html.golden", []byte(html))

		// The thresholds and the cause of a failure come before the
		// figures, where a reader starts.
		for _, doc := range []struct{ name, text, figures string }{
			{"md", strings.ReplaceAll(md.String(), "\\", ""), "| subscribers | connected"},
			{"html", html, `<section id="summary"`},
		} {
			top, _, ok := strings.Cut(doc.text, doc.figures)
			if !ok {
				t.Fatalf("%s %s: no %q", tt.name, doc.name, doc.figures)
			}
			top = strings.NewReplacer("&gt;", ">", "&lt;", "<", "**", "").Replace(top)
			for _, w := range tt.want {
				if !strings.Contains(strings.ToUpper(top), strings.ToUpper(w)) {
					t.Errorf("%s %s: %q is not before the figures:\n%s", tt.name, doc.name, w, top)
				}
			}
		}
	}
	// A failed run draws no empty charts.
	var page bytes.Buffer
	if err := HTML(&page, []*result.Report{failedSample(t)}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(page.String(), "<svg") || !strings.Contains(page.String(), `id="no-charts"`) {
		t.Errorf("the page of a failed run draws charts")
	}
}

// TestText_fits80Columns checks every text summary the tests render.
func TestText_fits80Columns(t *testing.T) {
	t.Parallel()
	full := publisherSample(t)
	full.Interrupted = true
	full.Events.LostOnReconnect = 12345
	full.Transport = result.Transport{Negotiated: "HTTP/2.0", TLS: "TLS 1.3", Connections: 4, H2MaxConcurrentStreams: 250}
	full.Errors["status"] = 1234567
	full.ErrorSamples["status"] = "503 Service Unavailable: the server is at its --max-subscribers limit of 10000 streams; try again later please"
	full.Warnings = append(full.Warnings, strings.Repeat("a long warning that goes on ", 8))
	for _, r := range []*result.Report{sampleRun(t, "", 1), thresholdSample(t), full, failedSample(t)} {
		var buf bytes.Buffer
		if err := Text(&buf, r); err != nil {
			t.Fatal(err)
		}
		for line := range strings.SplitSeq(buf.String(), "\n") {
			if n := len([]rune(line)); n > textWidth && !strings.Contains(line, "://") {
				t.Errorf("line of %d columns:\n%s", n, line)
			}
			if strings.HasSuffix(line, " ") {
				t.Errorf("trailing space: %q", line)
			}
		}
	}
	// The headers row shows only when it differs from connect.
	r := sampleRun(t, "", 1)
	r.LatencyUS.Headers = r.LatencyUS.Connect
	var buf bytes.Buffer
	_ = Text(&buf, r)
	if strings.Contains(buf.String(), "headers") {
		t.Errorf("headers row shown though it equals connect")
	}
	r.LatencyUS.Headers.Count++
	buf.Reset()
	_ = Text(&buf, r)
	if !strings.Contains(buf.String(), "headers") {
		t.Errorf("headers row missing though it differs from connect")
	}
}
