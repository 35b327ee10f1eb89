// Package reports owns the canonical result of an ssebench run, Report, and
// every format it is rendered in.
//
// A Report is a versioned JSON document (see Schema). Its keys are a public
// contract: users' scripts and CI pipelines read them, so keys are only ever
// added, never renamed. Every other format (text, …) is rendered from a
// Report, so each works on a saved file as well as at the end of a run.
//
// The package depends on the standard library and hdrhistogram-go only; it
// never imports the load generator, so `ssebench report old.json` works
// without the engine.
package reports
