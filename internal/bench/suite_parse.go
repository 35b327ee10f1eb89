package bench

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/loadgen/stamp"
	"gopkg.in/yaml.v3"
)

// ParseFile reads and validates a suite file.
func ParseFile(path string) (*Suite, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := Parse(path, b)
	if err != nil {
		return nil, err
	}
	s.File = path
	s.Dir = filepath.Dir(path)
	return s, nil
}

// Parse decodes and validates a suite from YAML. Every problem is reported
// at once, each as "file:line:col: message": unknown keys, values of the
// wrong type, and values out of range.
func Parse(file string, data []byte) (*Suite, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	d := &decoder{file: file}
	if len(root.Content) != 1 {
		return nil, fmt.Errorf("%s: empty suite", file)
	}
	s := &Suite{Duration: DefaultDuration, Warmup: DefaultWarmup, Repeats: DefaultRepeats, Dir: "."}
	var targets, matrix *yaml.Node
	d.fields(root.Content[0], map[string]func(*yaml.Node){
		"name":            func(n *yaml.Node) { s.Name = d.str(n) },
		"duration":        func(n *yaml.Node) { s.Duration = d.duration(n, false) },
		"warmup":          func(n *yaml.Node) { s.Warmup = d.duration(n, true) },
		"repeats":         func(n *yaml.Node) { s.Repeats = d.int(n, 1) },
		"connect_timeout": func(n *yaml.Node) { s.ConnectTimeout = d.duration(n, false) },
		"matrix":          func(n *yaml.Node) { matrix = n },
		"self_check":      func(n *yaml.Node) { d.selfCheck(n, &s.SelfCheck) },
		"targets":         func(n *yaml.Node) { targets = n },
	})
	if matrix != nil {
		d.matrix(matrix, &s.Matrix)
	}
	defaultMatrix(&s.Matrix)
	if targets == nil {
		d.errs = append(d.errs, fmt.Errorf("%s: no targets: a suite needs a \"targets\" list", file))
	} else if d.kind(targets, yaml.SequenceNode, "a list of targets") {
		seen := map[string]int{}
		for _, tn := range targets.Content {
			t := d.target(tn)
			if t == nil {
				continue
			}
			if line, dup := seen[t.Name]; dup && t.Name != "" {
				d.errf(tn, "target %q is already defined on line %d", t.Name, line)
			}
			seen[t.Name] = t.Line
			s.Targets = append(s.Targets, *t)
		}
		if len(targets.Content) == 0 {
			d.errf(targets, "targets: the list is empty")
		}
	}
	if s.Name == "" {
		s.Name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	return s, errors.Join(d.errs...)
}

// defaultMatrix fills the dimensions a suite leaves out.
func defaultMatrix(m *Matrix) {
	if len(m.Subscribers) == 0 {
		m.Subscribers = []int{DefaultSubscribers}
	}
	if len(m.Rate) == 0 {
		m.Rate = []float64{DefaultRate}
	}
	if len(m.Payload) == 0 {
		m.Payload = []int{DefaultPayload}
	}
	if len(m.Protocol) == 0 {
		m.Protocol = []string{DefaultProtocol}
	}
}

// selfCheck reads the self-check's limits: cpu (a fraction or a
// percentage of the cores) and lag (a duration).
func (d *decoder) selfCheck(n *yaml.Node, o *loadgen.SelfCheckOptions) {
	d.fields(n, map[string]func(*yaml.Node){
		"cpu": func(n *yaml.Node) {
			s := d.str(n)
			num, isPct := strings.CutSuffix(s, "%")
			v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
			if isPct {
				v /= 100
			}
			if err != nil || !(v > 0 && v <= 1) {
				d.errf(n, "self_check cpu %q: want a share of the cores in (0, 1] or (0%%, 100%%]", s)
				return
			}
			o.SaturationCPU = v
		},
		"lag": func(n *yaml.Node) { o.SaturationLag = d.duration(n, false) },
	})
}

func (d *decoder) matrix(n *yaml.Node, m *Matrix) {
	d.fields(n, map[string]func(*yaml.Node){
		"subscribers": func(n *yaml.Node) {
			for _, v := range d.list(n) {
				m.Subscribers = append(m.Subscribers, d.int(v, 1))
			}
		},
		"rate": func(n *yaml.Node) {
			for _, v := range d.list(n) {
				m.Rate = append(m.Rate, d.rate(v))
			}
		},
		"payload": func(n *yaml.Node) {
			for _, v := range d.list(n) {
				m.Payload = append(m.Payload, d.int(v, 1))
			}
		},
		"protocol": func(n *yaml.Node) {
			for _, v := range d.list(n) {
				m.Protocol = append(m.Protocol, d.protocol(v))
			}
		},
	})
}

// target decodes one entry of "targets"; nil when it is not a mapping.
func (d *decoder) target(n *yaml.Node) *Target {
	if !d.kind(n, yaml.MappingNode, "a target (a mapping with name, url, …)") {
		return nil
	}
	t := &Target{Line: n.Line, Stop: Stop{Signal: sigterm, Timeout: DefaultStopTimeout}, Ready: Ready{Timeout: DefaultReadyTimeout}}
	var publish *yaml.Node
	latencySet := false
	d.fields(n, map[string]func(*yaml.Node){
		"name":        func(n *yaml.Node) { t.Name = d.str(n) },
		"description": func(n *yaml.Node) { t.Description = d.str(n) },
		"install":     func(n *yaml.Node) { t.Install = d.str(n) },
		"url":         func(n *yaml.Node) { t.URL = d.str(n) },
		"latency": func(n *yaml.Node) {
			latencySet = true
			t.Latency = d.latency(n)
		},
		"protocols": func(n *yaml.Node) {
			for _, v := range d.list(n) {
				t.Protocols = append(t.Protocols, d.protocol(v))
			}
		},
		"start":   func(n *yaml.Node) { t.Start = d.command(n) },
		"ready":   func(n *yaml.Node) { d.ready(n, &t.Ready) },
		"stop":    func(n *yaml.Node) { d.stop(n, &t.Stop) },
		"publish": func(n *yaml.Node) { publish = n },
	})
	if t.Name == "" {
		d.errf(n, "target: \"name\" is required")
	}
	if t.URL == "" {
		d.errf(n, "target %q: \"url\" (the event stream) is required", t.Name)
	}
	if publish != nil {
		t.Publish = d.publish(publish)
		if !latencySet {
			t.Latency = "publisher"
		}
	}
	switch {
	case !latencySet && publish == nil:
		t.Latency = "reference"
	case t.Latency == "publisher" && t.Publish == nil:
		d.errf(n, "target %q: latency publisher needs a \"publish\" section with the publish url", t.Name)
	case t.Latency != "publisher" && t.Publish != nil && latencySet:
		d.errf(publish, "target %q: \"publish\" needs latency publisher (it measures fan-out latency from its own send times), got %q", t.Name, t.Latency)
	}
	if t.Ready.URL == "" {
		t.Ready.Stream = true
	}
	return t
}

func (d *decoder) command(n *yaml.Node) *Command {
	c := &Command{}
	d.fields(n, map[string]func(*yaml.Node){
		"command": func(n *yaml.Node) {
			for _, v := range d.list(n) {
				c.Args = append(c.Args, d.str(v))
			}
		},
		"env":     func(n *yaml.Node) { c.Env = d.strMap(n) },
		"workdir": func(n *yaml.Node) { c.Workdir = d.str(n) },
	})
	if len(c.Args) == 0 {
		d.errf(n, "start: \"command\" is required: the program and its arguments as a list")
	}
	return c
}

func (d *decoder) ready(n *yaml.Node, r *Ready) {
	d.fields(n, map[string]func(*yaml.Node){
		"url":     func(n *yaml.Node) { r.URL = d.str(n) },
		"stream":  func(n *yaml.Node) { r.Stream = d.bool(n) },
		"timeout": func(n *yaml.Node) { r.Timeout = d.duration(n, false) },
	})
}

func (d *decoder) stop(n *yaml.Node, s *Stop) {
	d.fields(n, map[string]func(*yaml.Node){
		"signal":  func(n *yaml.Node) { s.Signal = d.signal(n) },
		"timeout": func(n *yaml.Node) { s.Timeout = d.duration(n, false) },
	})
}

func (d *decoder) publish(n *yaml.Node) *Publish {
	p := &Publish{}
	d.fields(n, map[string]func(*yaml.Node){
		"url":     func(n *yaml.Node) { p.URL = d.str(n) },
		"method":  func(n *yaml.Node) { p.Method = d.str(n) },
		"headers": func(n *yaml.Node) { p.Headers = d.strMap(n) },
		"body":    func(n *yaml.Node) { p.Body = d.str(n) },
	})
	if p.URL == "" {
		d.errf(n, "publish: \"url\" is required")
	}
	return p
}

// latency checks a latency source.
func (d *decoder) latency(n *yaml.Node) string {
	s := d.str(n)
	switch {
	case s == "reference", s == "publisher", s == "none":
	case strings.HasPrefix(s, "json:"):
		if _, err := stamp.NewJSON(strings.TrimPrefix(s, "json:")); err != nil {
			d.errf(n, "latency %q: %v", s, err)
		}
	default:
		d.errf(n, "latency %q: want reference, json:PATH[:UNIT], publisher or none", s)
	}
	return s
}

func (d *decoder) protocol(n *yaml.Node) string {
	s := d.str(n)
	switch s {
	case loadgen.ProtocolH1, loadgen.ProtocolH2, loadgen.ProtocolH2C:
	default:
		d.errf(n, "protocol %q: want h1, h2c or h2", s)
	}
	return s
}

// rate reads events per second: 10, 2.5, "10/s" or "600/m".
func (d *decoder) rate(n *yaml.Node) float64 {
	s := d.str(n)
	num, unit, _ := strings.Cut(s, "/")
	per := 1.0
	switch unit {
	case "", "s":
	case "m", "min":
		per = 60
	default:
		d.errf(n, "rate %q: want N, N/s or N/m", s)
		return 0
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		d.errf(n, "rate %q: want a number of events per second > 0", s)
		return 0
	}
	return v / per
}

// formatRate shows a rate without needless decimals.
func formatRate(r float64) string { return strconv.FormatFloat(r, 'g', -1, 64) }

// durations are checked for this range.
const maxDuration = 24 * time.Hour

func (d *decoder) duration(n *yaml.Node, zeroOK bool) time.Duration {
	s := d.str(n)
	v, err := time.ParseDuration(s)
	switch {
	case err != nil:
		d.errf(n, "%q is not a duration (e.g. 10s, 1m30s)", s)
	case v < 0 || v == 0 && !zeroOK:
		d.errf(n, "duration %s must be > 0", s)
	case v > maxDuration:
		d.errf(n, "duration %s is longer than %s", s, maxDuration)
	}
	return v
}
