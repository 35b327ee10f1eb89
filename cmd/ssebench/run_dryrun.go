package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/reports/result"
)

// printDryRun writes the effective configuration of the plan as a
// scenario: YAML with the run flags' names as keys and their values as the
// flags take them (durations as 10s), so it can be pasted into a scenario
// file. Each threshold carries a comment saying how it was read. With the
// embedded server there is no url key; credentials in headers are
// redacted.
func (p *runPlan) printDryRun(w io.Writer) error {
	doc := &yaml.Node{Kind: yaml.MappingNode}
	add := func(key string, v *yaml.Node) {
		doc.Content = append(doc.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, v)
	}
	scalar := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }
	list := func(items []string) *yaml.Node {
		n := &yaml.Node{Kind: yaml.SequenceNode}
		for _, it := range items {
			n.Content = append(n.Content, scalar(it))
		}
		return n
	}
	doc.HeadComment = "ssebench run --dry-run: the effective configuration, usable as a --scenario file"
	if share := p.shard.share(&p.cfg); share != "" {
		// The flags are bound to p.cfg: show the whole run's values, which
		// every shard is given, and this shard's part as a comment.
		doc.HeadComment += "\n" + share
		mine := p.cfg
		p.cfg = p.shard.whole
		defer func() { p.cfg = mine }()
	}
	if !p.cfg.Embedded {
		add(scenarioKeyURL, scalar(p.cfg.URL))
	} else {
		doc.HeadComment += "\nno url: the embedded reference server (--rate, --payload)"
	}
	stages := len(p.cfg.Stages) > 0
	p.fs.VisitAll(func(f *flag.Flag) {
		switch name := f.Name; {
		case slices.Contains(notInScenario, name):
		case name == "header":
			if h := headerLines(p.cfg.Header); len(h) > 0 {
				add(name, list(h))
			}
		case name == "publish-header":
			if h := headerLines(p.cfg.PublishHeader); len(h) > 0 {
				add(name, list(h))
			}
		case name == "body":
			if p.cfg.Body != "" {
				add(name, scalar(p.cfg.Body))
			}
		case name == "threshold":
			if len(p.th.parsed) > 0 {
				n := &yaml.Node{Kind: yaml.SequenceNode}
				for _, th := range p.th.parsed {
					item := scalar(th.Expr)
					item.LineComment = "read as " + readThreshold(th)
					n.Content = append(n.Content, item)
				}
				add(name, n)
			}
		case stages && (name == "subscribers" || name == "duration"):
			// --stages sets both.
		case p.cfg.Embedded && (name == "ca") && p.cfg.CAFile == "":
		case !p.cfg.Embedded && (name == "rate" || name == "payload"):
		case p.cfg.PublishURL == "" && slices.Contains(publishFlags, name):
		default:
			if v := f.Value.String(); v != "" {
				add(name, scalar(v))
			}
		}
	})
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}

// headerLines writes headers as "Key: Value" lines, in name order, with
// credentials redacted as in the result's config echo.
func headerLines(h loadgen.RequestHeader) []string {
	if len(h) == 0 {
		return nil
	}
	var safe map[string][]string
	b, err := json.Marshal(h) // RequestHeader redacts credentials
	if err != nil || json.Unmarshal(b, &safe) != nil {
		return nil
	}
	var out []string
	for _, name := range slices.Sorted(maps.Keys(safe)) {
		for _, v := range safe[name] {
			out = append(out, name+": "+v)
		}
	}
	return out
}

// readThreshold says how a threshold was understood: the metric, the
// comparison and the limit in the metric's own unit.
func readThreshold(th result.Threshold) string {
	limit := result.FormatValue(th.Limit, th.Metric.Kind, result.DisplayUnit(th.Metric.Kind))
	kind := map[result.Kind]string{
		result.KindCount: "a count", result.KindDuration: "a time",
		result.KindRatio: "a ratio", result.KindRate: "a rate",
	}[th.Metric.Kind]
	return fmt.Sprintf("%s (%s) %s %s", th.Metric.Name, kind, th.Op, limit)
}
