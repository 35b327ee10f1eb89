package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"strings"

	"github.com/ssebench/ssebench/reports/result"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// PNGDPI is the resolution of PNG charts: 1.5× a 96-DPI screen, so the
// image stays sharp when a CI artifact viewer zooms in.
const PNGDPI = 144

// dashboardCols is how many charts an image has side by side.
const dashboardCols = 2

// dashboardHeaderH is the height of the line naming the runs.
const dashboardHeaderH vg.Length = 30

// SVG writes every chart in one SVG image, two charts wide, with the runs
// overlaid: an artifact for CI or a document.
func SVG(w io.Writer, rs []*result.Report) error {
	return drawDashboard(w, rs, func(cw, ch vg.Length) canvasWriter { return vgsvg.New(cw, ch) })
}

// PNG writes every chart in one PNG image at PNGDPI, laid out as SVG's.
func PNG(w io.Writer, rs []*result.Report) error {
	return drawDashboard(w, rs, func(cw, ch vg.Length) canvasWriter {
		return vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(cw, ch), vgimg.UseDPI(PNGDPI))}
	})
}

// dashboardSize is the size of an image holding n charts.
func dashboardSize(n int) (w, h vg.Length) {
	rows := (n + dashboardCols - 1) / dashboardCols
	return dashboardCols * chartW, vg.Length(rows)*chartH + dashboardHeaderH
}

// canvasWriter is a vg canvas that can be written out as an image.
type canvasWriter interface {
	vg.CanvasSizer
	io.WriterTo
}

// drawDashboard draws, on a canvas of the right size from newCanvas, a
// header naming the runs, then the charts in a grid whose plot areas are
// aligned across rows and columns.
func drawDashboard(w io.Writer, rs []*result.Report, newCanvas func(w, h vg.Length) canvasWriter) error {
	cs := charts(rs)
	c := newCanvas(dashboardSize(len(cs)))
	dc := draw.New(c)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())

	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.Name()
	}
	head := "ssebench: " + strings.Join(names, " vs ")
	if len(rs) == 1 {
		head += fmt.Sprintf("  ·  %s  ·  %.1f s steady state  ·  %s", rs[0].Target, rs[0].DurationS, rs[0].Started.UTC().Format("2006-01-02 15:04 UTC"))
	}
	sty := text.Style{Font: font.From(sans, 12), Color: color.Black, XAlign: draw.XLeft, YAlign: draw.YCenter, Handler: plot.DefaultTextHandler}
	dc.FillText(sty, vg.Point{X: 12, Y: dc.Max.Y - dashboardHeaderH/2}, head)

	rows := (len(cs) + dashboardCols - 1) / dashboardCols
	grid := make([][]*plot.Plot, rows)
	for j := range grid {
		grid[j] = make([]*plot.Plot, dashboardCols)
		for i := range grid[j] {
			if k := j*dashboardCols + i; k < len(cs) {
				grid[j][i] = cs[k].p
			}
		}
	}
	body := dc
	body.Max.Y -= dashboardHeaderH
	tiles := draw.Tiles{Rows: rows, Cols: dashboardCols, PadX: 24, PadY: 18, PadLeft: 10, PadRight: 14, PadBottom: 8}
	for j, row := range plot.Align(grid, tiles, body) {
		for i, tc := range row {
			if grid[j][i] != nil {
				grid[j][i].Draw(tc)
			}
		}
	}
	_, err := c.WriteTo(w)
	return err
}

// chartSVG renders one chart as an SVG element to inline in HTML: without
// the XML declaration, which belongs only at the start of a file.
func chartSVG(c chart) (string, error) {
	cv := vgsvg.New(chartW, chartH)
	c.p.Draw(draw.New(cv))
	var b bytes.Buffer
	if _, err := cv.WriteTo(&b); err != nil {
		return "", fmt.Errorf("reports: chart %s: %w", c.id, err)
	}
	s := b.String()
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return s, nil
}
