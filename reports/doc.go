// Package reports renders ssebench's results (the schema lives in package
// result) in every format, and compares runs.
//
// Every format is rendered from a result.Report, so each works on a saved
// file as well as at the end of a run:
//
//	Report ─┬─ text, md, csv           for people, PRs and spreadsheets
//	        ├─ hgrm, hlog              for HdrHistogram's plotter and log tools
//	        └─ charts ─┬─ html         inline SVG, one self-contained page
//	                   └─ svg, png     one image of every chart
//
// Formats lists them; Lookup and LookupMulti find one by name. Several runs
// render together where the format allows: overlaid in the charts, side by
// side in md, one table in csv.
//
// The package depends on result, the standard library, hdrhistogram-go and,
// for the charts, gonum.org/v1/plot (pure Go: it draws SVG and PNG with no
// browser, JavaScript or build step). It never imports the load generator,
// so `ssebench report old.json` works without the engine, and the engine
// never imports it, so the load generator links no renderer.
package reports
