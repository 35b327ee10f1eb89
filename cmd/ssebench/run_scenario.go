package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// A scenario file holds the settings of `ssebench run`, thresholds
// included, so a benchmark can be reviewed, versioned and rerun in CI:
//
//	# benchmarks/scenarios/smoke.yaml
//	url: http://127.0.0.1:8080/events
//	subscribers: 200
//	duration: 10s
//	protocol: h2c
//	header:
//	  Authorization: Bearer token
//	threshold:
//	  - fanout.p99 < 50ms
//	  - errors.rate < 0.1%
//
// Every key is the name of a `run` flag without its dashes (kebab-case:
// max-dials, connect-timeout), plus url for the positional URL; the value
// is what the flag would take, so every value is parsed and checked by
// the flag itself and the two can never disagree. Repeatable flags take a
// list, and the header flags also a mapping. A flag given on the command
// line replaces the file's key of that name entirely (list included).
// The file is YAML, or JSON, which YAML reads too; either way an error
// names the file, line and key.

// scenarioKeyURL is the key that stands for the positional URL.
const scenarioKeyURL = "url"

// repeatableFlags are the run flags that may be given several times; in a
// scenario they take a list. TestScenario_repeatableFlags keeps the list
// in step with the flags whose help says "repeatable".
var repeatableFlags = []string{"header", "publish-header", "threshold"}

// headerFlags take "Key: Value"; in a scenario they also take a mapping.
var headerFlags = []string{"header", "publish-header"}

// notInScenario are the flags a scenario may not set.
var notInScenario = []string{"scenario", "dry-run"}

// scenarioFlags are --scenario and --dry-run.
type scenarioFlags struct {
	fs     *flag.FlagSet
	path   string
	dryRun bool
	// from maps each flag the scenario set to "FILE:LINE", so later
	// validation errors can say where a bad value came from.
	from map[string]string
}

// addScenarioFlags registers --scenario and --dry-run.
func addScenarioFlags(fs *flag.FlagSet) *scenarioFlags {
	s := &scenarioFlags{fs: fs, from: map[string]string{}}
	fs.StringVar(&s.path, "scenario", "", "read settings from a YAML or JSON scenario `file`: keys are these flags' names (url for the URL),\n"+
		"e.g. 'subscribers: 500' or 'threshold: [\"fanout.p99 < 50ms\"]'; flags on the command line override it")
	fs.BoolVar(&s.dryRun, "dry-run", false, "check the flags, scenario and thresholds, print the resulting configuration as a scenario\n"+
		"(with how each threshold was read), and exit without running")
	return s
}

// origined is a flag value that wants to know where its next value comes
// from (thresholdFlags, to point at the scenario line of a bad one).
type origined interface {
	setOrigin(where string)
}

// apply reads the scenario file, if any, and sets every flag it names that
// the command line did not set. It returns the positional arguments, with
// the scenario's url when the command line gave none.
func (s *scenarioFlags) apply(pos []string) ([]string, error) {
	if s.path == "" {
		return pos, nil
	}
	data, err := os.ReadFile(s.path)
	if err != nil {
		return nil, usageErrorf("--scenario: %v", err)
	}
	return s.applyData(data, pos)
}

// applyData is apply with the file's contents.
func (s *scenarioFlags) applyData(data []byte, pos []string) ([]string, error) {
	entries, err := parseScenario(s.path, data, s.known)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	onCommandLine := setFlags(s.fs)
	for _, e := range entries {
		where := fmt.Sprintf("%s:%d", s.path, e.line)
		if e.key == scenarioKeyURL {
			if len(pos) == 0 {
				pos = []string{e.values[0]}
				s.from[scenarioKeyURL] = where
			}
			continue
		}
		if onCommandLine[e.key] {
			continue
		}
		f := s.fs.Lookup(e.key)
		for i, v := range e.values {
			if o, ok := f.Value.(origined); ok {
				o.setOrigin(fmt.Sprintf("%s:%d", s.path, e.lines[i]))
			}
			if err := s.fs.Set(e.key, v); err != nil {
				return nil, usageErrorf("%s:%d: %s: invalid value %q: %v", s.path, e.lines[i], e.key, v, explainSetError(f, err))
			}
		}
		if o, ok := f.Value.(origined); ok {
			o.setOrigin("")
		}
		s.from[e.key] = where
	}
	return pos, nil
}

// explainSetError turns the flag package's bare "parse error" for the
// built-in flag types into what the key wants.
func explainSetError(f *flag.Flag, err error) string {
	if msg := err.Error(); msg != "parse error" && msg != "value out of range" {
		return msg
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return err.Error()
	}
	switch g.Get().(type) {
	case time.Duration:
		return "want a duration such as 500ms, 30s or 1m30s"
	case bool:
		return "want true or false"
	case int, int64, uint, uint64:
		return "want a whole number"
	case float64:
		return "want a number"
	}
	return err.Error()
}

// known reports whether a scenario may use key.
func (s *scenarioFlags) known(key string) bool {
	if key == scenarioKeyURL {
		return true
	}
	return s.fs.Lookup(key) != nil && !slices.Contains(notInScenario, key)
}

// flagRef finds "--name" in validation messages.
var flagRef = regexp.MustCompile(`--([a-z][a-z0-9-]*)`)

// annotate adds, to each line of a validation error that names a flag the
// scenario set, where the scenario set it.
func (s *scenarioFlags) annotate(err error) error {
	if len(s.from) == 0 {
		return err
	}
	lines := strings.Split(err.Error(), "\n")
	for i, line := range lines {
		if where, ok := s.from[scenarioKeyURL]; ok && strings.HasPrefix(line, "URL ") {
			lines[i] += fmt.Sprintf(" (url set by %s)", where)
			continue
		}
		for _, m := range flagRef.FindAllStringSubmatch(line, -1) {
			if where, ok := s.from[m[1]]; ok {
				lines[i] += fmt.Sprintf(" (%s set by %s)", m[1], where)
				break
			}
		}
	}
	return errors.New(strings.Join(lines, "\n"))
}

// scenarioEntry is one key of a scenario: the flag it sets and the values
// to set it to, in order, each with its line.
type scenarioEntry struct {
	key    string
	line   int
	values []string
	lines  []int
}

// parseScenario parses a scenario document into entries, checking its
// shape: a mapping of known keys to a scalar, a list of scalars (for
// repeatable flags) or a mapping (for header flags). known says whether a
// key names a flag. Errors start with "FILE:LINE:".
func parseScenario(name string, data []byte, known func(string) bool) ([]scenarioEntry, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty scenario: want keys such as 'subscribers: 100'", name)
		}
		return nil, yamlError(name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("%s:%d: a scenario is one document; remove the second (after ---)", name, extra.Line)
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(name, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	root = deref(root)
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: a scenario is a mapping of run flag names to values, such as 'subscribers: 100'", name, root.Line)
	}
	var entries []scenarioEntry
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := deref(root.Content[i]), deref(root.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("%s:%d: a key must be a flag name", name, k.Line)
		}
		key := k.Value
		at := func(n *yaml.Node) string { return fmt.Sprintf("%s:%d: %s", name, n.Line, key) }
		if !known(key) {
			msg := fmt.Sprintf("%s:%d: unknown key %q", name, k.Line, key)
			if s := suggestKey(key, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			} else {
				msg += "; keys are the names of run's flags (ssebench run -h) and url"
			}
			return nil, errors.New(msg)
		}
		if prev, dup := seen[key]; dup {
			return nil, fmt.Errorf("%s: given twice, at line %d and line %d", at(k), prev, k.Line)
		}
		seen[key] = k.Line
		e := scenarioEntry{key: key, line: k.Line}
		add := func(n *yaml.Node) error {
			if n.Kind != yaml.ScalarNode {
				return fmt.Errorf("%s: want a single value here", at(n))
			}
			if n.Tag == "!!null" {
				return fmt.Errorf("%s: no value", at(n))
			}
			e.values, e.lines = append(e.values, n.Value), append(e.lines, n.Line)
			return nil
		}
		switch {
		case v.Kind == yaml.SequenceNode && slices.Contains(repeatableFlags, key):
			for _, item := range v.Content {
				if err := add(deref(item)); err != nil {
					return nil, err
				}
			}
		case v.Kind == yaml.MappingNode && slices.Contains(headerFlags, key):
			for j := 0; j+1 < len(v.Content); j += 2 {
				hk, hv := deref(v.Content[j]), deref(v.Content[j+1])
				if hk.Kind != yaml.ScalarNode || hv.Kind != yaml.ScalarNode {
					return nil, fmt.Errorf("%s: want 'Name: value' pairs", at(hk))
				}
				e.values, e.lines = append(e.values, hk.Value+": "+hv.Value), append(e.lines, hk.Line)
			}
		case v.Kind == yaml.SequenceNode || v.Kind == yaml.MappingNode:
			what := "a list"
			if v.Kind == yaml.MappingNode {
				what = "a mapping"
			}
			return nil, fmt.Errorf("%s: takes one value, not %s", at(v), what)
		default:
			if err := add(v); err != nil {
				return nil, err
			}
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// yamlLine finds the line in yaml.v3's syntax errors ("yaml: line 3: …").
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)

// yamlError rewrites a YAML syntax error as "FILE:LINE: message".
func yamlError(name string, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("%s:%s: %s", name, m[1], msg[len(m[0]):])
	}
	return fmt.Errorf("%s: %s", name, strings.TrimPrefix(msg, "yaml: "))
}

// deref follows YAML aliases (*name) to the node they stand for. yaml.v3
// has already rejected aliases to nothing and alias loops when decoding.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// suggestKey returns the known key closest to key: the kebab-case of a
// snake_case or camelCase key, or a singular for a plural
// ("thresholds" → "threshold").
func suggestKey(key string, known func(string) bool) string {
	kebab := strings.ToLower(strings.NewReplacer("_", "-", " ", "-").Replace(key))
	var b strings.Builder
	for i, c := range key {
		if c >= 'A' && c <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	for _, cand := range []string{kebab, strings.TrimSuffix(kebab, "s"), b.String(), strings.TrimPrefix(kebab, "--")} {
		if cand != key && known(cand) {
			return cand
		}
	}
	return ""
}
