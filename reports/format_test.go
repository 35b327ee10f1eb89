package reports

import (
	"bufio"
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/reports/result"
)

func TestFormats_lookupEveryName(t *testing.T) {
	t.Parallel()
	files := map[string]bool{}
	for _, f := range Formats() {
		if _, err := Lookup(f.Name); err != nil {
			t.Errorf("Lookup(%q) = %v", f.Name, err)
		}
		if _, err := LookupMulti(f.Name); err != nil {
			t.Errorf("LookupMulti(%q) = %v", f.Name, err)
		}
		if files[f.File] {
			t.Errorf("two formats write %s", f.File)
		}
		files[f.File] = true
	}
	if got, want := len(Names()), len(Formats()); got != want {
		t.Errorf("len(Names()) = %d, want %d", got, want)
	}
	want := []string{"csv", "hgrm", "hlog", "html", "json", "md", "png", "svg", "text"}
	if got := strings.Join(Names(), ","); got != strings.Join(want, ",") {
		t.Errorf("Names() = %s, want %s", got, strings.Join(want, ","))
	}
}

// TestFormats_renderOneAndSeveral renders every format for one run and for
// two, checking each gives output or, for the one-run-per-file formats,
// ErrOneReport.
func TestFormats_renderOneAndSeveral(t *testing.T) {
	t.Parallel()
	a, b := sampleRun(t, "a", 10), sampleRun(t, "b", 13)
	for _, f := range Formats() {
		if f.Binary {
			continue // png rasterizes svg's charts: slow under -race; TestPNG_decodes covers it
		}
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := f.Encode(&buf, a); err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if buf.Len() == 0 {
				t.Error("Encode wrote nothing")
			}
			buf.Reset()
			err := f.EncodeAll(&buf, []*result.Report{a, b})
			switch f.Name {
			case "hgrm", "hlog":
				if !errors.Is(err, ErrOneReport) {
					t.Errorf("EncodeAll(2 runs) = %v, want ErrOneReport", err)
				}
			default:
				if err != nil {
					t.Errorf("EncodeAll(2 runs) = %v", err)
				}
			}
		})
	}
}

func TestLookup_unknown(t *testing.T) {
	t.Parallel()
	_, err := Lookup("pdf")
	if err == nil || !strings.Contains(err.Error(), "have csv, hgrm") {
		t.Errorf("Lookup(pdf) = %v, want an error listing the formats", err)
	}
}

func TestReport_Name(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    result.Report
		want string
	}{
		{"label wins", result.Report{Label: "nginx", Target: "http://x:1/e", Protocol: "h1"}, "nginx"},
		{"host and protocol", result.Report{Target: "http://example.com:8080/events", Protocol: "h2c"}, "example.com:8080 h2c"},
		{"embedded", result.Report{Target: "http://127.0.0.1:4242/events", Embedded: true, Protocol: "h1"}, "embedded h1"},
		{"unparsable target", result.Report{Target: "::", Protocol: "h1"}, ":: h1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.Name(); got != tt.want {
				t.Errorf("Name() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMarkdown_golden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := Markdown(&buf, sampleRun(t, "", 10)); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.md.golden", buf.Bytes())
}

func TestMarkdownCompare_golden(t *testing.T) {
	t.Parallel()
	a, b := sampleRun(t, "before", 10), sampleRun(t, "after", 13)
	b.Events.Gaps = 3
	b.Protocol = "h2c"
	var buf bytes.Buffer
	if err := MarkdownCompare(&buf, []*result.Report{a, b}); err != nil {
		t.Fatal(err)
	}
	golden(t, "compare.md.golden", buf.Bytes())
}

func TestCSV_golden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := CSV(&buf, []*result.Report{sampleRun(t, "a", 10), sampleRun(t, "b", 13)}); err != nil {
		t.Fatal(err)
	}
	golden(t, "intervals.csv.golden", buf.Bytes())
}

func TestHGRM_golden(t *testing.T) {
	t.Parallel()
	r := sampleRun(t, "", 10)
	var buf bytes.Buffer
	if err := HGRM(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "fanout.hgrm.golden", buf.Bytes())

	// What HdrHistogram's plotter reads: lines of four numbers, value in
	// ms first, 1/(1-percentile) last; the last row is the maximum.
	var rows [][]float64
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 4 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		var row []float64
		for _, f := range fields {
			if v, err := strconv.ParseFloat(f, 64); err == nil {
				row = append(row, v)
			}
		}
		if len(row) == 3 && fields[3] == "inf" {
			row = append(row, -1)
		}
		if len(row) == 4 {
			rows = append(rows, row)
		}
	}
	if len(rows) < 20 {
		t.Fatalf("hgrm has %d percentile rows, want many", len(rows))
	}
	last := rows[len(rows)-1]
	if got, want := last[0], float64(r.LatencyUS.Fanout.Max)/1000; got < want*0.999 || got > want*1.001 {
		t.Errorf("last row value = %v ms, want the max %v ms", got, want)
	}
	if got, want := last[2], float64(r.LatencyUS.Fanout.Count); got != want {
		t.Errorf("last row total count = %v, want %v", got, want)
	}
}

func TestHGRM_notMeasured(t *testing.T) {
	t.Parallel()
	r := sampleRun(t, "", 10)
	r.LatencyUS.Fanout = result.Latency{}
	if err := HGRM(&bytes.Buffer{}, r); !errors.Is(err, ErrNoData) || !strings.Contains(err.Error(), "not measured") {
		t.Errorf("HGRM without a histogram = %v, want ErrNoData saying 'not measured'", err)
	}
}

func TestFlattenConfig(t *testing.T) {
	t.Parallel()
	got, err := flattenConfig(sampleRun(t, "", 1).Config)
	if err != nil {
		t.Fatal(err)
	}
	want := []setting{
		{"url", "http://127.0.0.1:8080/events"},
		{"subscribers", "100"},
		{"duration", "5s"},
		{"protocol", "h1"},
		{"ramp", "0s"},
		{"header.Accept", "text/event-stream"},
		{"tags", `["a", "b"]`},
	}
	if len(got) != len(want) {
		t.Fatalf("flattenConfig = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("setting %d = %v, want %v", i, got[i], want[i])
		}
	}
	if _, err := flattenConfig([]byte(`{"a":`)); err == nil {
		t.Error("flattenConfig of broken JSON succeeded")
	}
}

func TestSILabel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"}, {0.5, "0.5"}, {2000, "2000"}, {20000, "20k"}, {1.5e6, "1.5M"}, {2.5e9, "2.5G"},
	}
	for _, tt := range tests {
		if got := siLabel(tt.v); got != tt.want {
			t.Errorf("siLabel(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lo, hi float64
		want   string // the labelled ticks
	}{
		{0, 8.4, "0 2 4 6 8"},
		{0, 5.02, "0 1 2 3 4 5"},
		{0, 2100, "0 500 1000 1500 2000"},
		{0, 130000, "0 25k 50k 75k 100k 125k"},
		{0, 0.16, "0 0.05 0.1 0.15"},
	}
	for _, tt := range tests {
		var labels []string
		for _, tk := range (niceTicks{}).Ticks(tt.lo, tt.hi) {
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if got := strings.Join(labels, " "); got != tt.want {
			t.Errorf("Ticks(%v, %v) = %q, want %q", tt.lo, tt.hi, got, tt.want)
		}
	}
}
