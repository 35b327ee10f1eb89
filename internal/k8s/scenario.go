package k8s

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"
)

// judgedOnMerge are the scenario keys that belong to the merged result, not
// to a shard: its thresholds (a shard's share of events.rate is not the
// run's) and the threshold report.
var judgedOnMerge = []string{"threshold", "junit"}

// StripThresholds returns the scenario without its threshold and junit
// keys, and the thresholds it had, so that the shards do not judge their
// own share of the load and `k8s collect` judges the merged result
// instead. Comments and the other keys are kept. The scenario must be a
// YAML (or JSON) mapping.
func StripThresholds(scenario []byte) (stripped []byte, thresholds []string, err error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(scenario, &doc); err != nil {
		return nil, nil, fmt.Errorf("scenario: %w", err)
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("scenario: want a mapping of flag names to values")
	}
	m := doc.Content[0]
	removed := false
	for i := 0; i+1 < len(m.Content); {
		key, val := m.Content[i], m.Content[i+1]
		if !contains(judgedOnMerge, key.Value) {
			i += 2
			continue
		}
		if key.Value == "threshold" {
			switch val.Kind {
			case yaml.ScalarNode:
				thresholds = append(thresholds, val.Value)
			case yaml.SequenceNode:
				for _, t := range val.Content {
					thresholds = append(thresholds, t.Value)
				}
			}
		}
		m.Content = append(m.Content[:i], m.Content[i+2:]...)
		removed = true
	}
	if !removed {
		return scenario, nil, nil
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, nil, fmt.Errorf("scenario: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, nil, fmt.Errorf("scenario: %w", err)
	}
	return b.Bytes(), thresholds, nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
