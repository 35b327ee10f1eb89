// Package result is the canonical, versioned result schema of ssebench: the
// Report of one run, the Limits document of a capacity search, the latency
// summaries (HDR histograms kept lossless, in V2 compressed encoding) and the
// threshold language evaluated on them (ParseThreshold, LookupMetric).
//
// It is a leaf: it imports nothing of the project, so the engines (loadgen,
// loadgen/capacity) and the renderers (reports) both depend on it and never on
// each other:
//
//	cmd ─► loadgen, capacity, refserver ─► result ◄─ reports (formats)
//
// It is the last step of a run's data flow, Schedule → Runner → Subscriber
// → sse.Reader → Recorder → Aggregator → Result: loadgen's report builder
// assembles a Report from the values the run's parts return (their figures,
// and their warnings as Warning values with stable codes).
//
// Its JSON keys are a public contract: users' scripts and CI pipelines read
// them, so keys are only ever added, never renamed (see Schema).
package result
