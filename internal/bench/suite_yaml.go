package bench

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"gopkg.in/yaml.v3"
)

// decoder walks a YAML node tree and collects every error with its
// file:line:col, so that one pass reports all problems of a suite.
type decoder struct {
	file string
	errs []error
}

func (d *decoder) errf(n *yaml.Node, format string, args ...any) {
	d.errs = append(d.errs, fmt.Errorf("%s:%d:%d: %s", d.file, n.Line, n.Column, fmt.Sprintf(format, args...)))
}

var kindNames = map[yaml.Kind]string{
	yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list", yaml.ScalarNode: "a value", yaml.AliasNode: "an alias",
}

// kind checks that n is of kind k, and reports want otherwise.
func (d *decoder) kind(n *yaml.Node, k yaml.Kind, want string) bool {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		*n = *n.Alias
	}
	if n.Kind != k {
		d.errf(n, "want %s, got %s", want, kindNames[n.Kind])
		return false
	}
	return true
}

// fields calls each known key's function with its value, and reports
// unknown and repeated keys with the keys that are known.
func (d *decoder) fields(n *yaml.Node, known map[string]func(*yaml.Node)) {
	if !d.kind(n, yaml.MappingNode, "a mapping") {
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		f, ok := known[k.Value]
		switch {
		case !ok:
			names := make([]string, 0, len(known))
			for name := range known {
				names = append(names, name)
			}
			slices.Sort(names)
			d.errf(k, "unknown key %q (known here: %s)", k.Value, strings.Join(names, ", "))
		case seen[k.Value]:
			d.errf(k, "key %q given twice", k.Value)
		default:
			seen[k.Value] = true
			f(v)
		}
	}
}

func (d *decoder) str(n *yaml.Node) string {
	if !d.kind(n, yaml.ScalarNode, "a value") {
		return ""
	}
	return n.Value
}

func (d *decoder) int(n *yaml.Node, least int) int {
	s := d.str(n)
	v, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
	if err != nil {
		d.errf(n, "%q is not a whole number", s)
		return 0
	}
	if v < least {
		d.errf(n, "%d must be >= %d", v, least)
	}
	return v
}

func (d *decoder) bool(n *yaml.Node) bool {
	s := d.str(n)
	v, err := strconv.ParseBool(s)
	if err != nil {
		d.errf(n, "%q is not true or false", s)
	}
	return v
}

// list returns the items of a list; a single value is a list of one.
func (d *decoder) list(n *yaml.Node) []*yaml.Node {
	if n.Kind == yaml.ScalarNode {
		return []*yaml.Node{n}
	}
	if !d.kind(n, yaml.SequenceNode, "a list") {
		return nil
	}
	if len(n.Content) == 0 {
		d.errf(n, "the list is empty")
	}
	return n.Content
}

func (d *decoder) strMap(n *yaml.Node) map[string]string {
	if !d.kind(n, yaml.MappingNode, "a mapping of names to values") {
		return nil
	}
	m := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := d.str(n.Content[i])
		if _, dup := m[k]; dup {
			d.errf(n.Content[i], "key %q given twice", k)
		}
		m[k] = d.str(n.Content[i+1])
	}
	return m
}

// sigterm is the default stop signal.
const sigterm = syscall.SIGTERM

var signals = map[string]syscall.Signal{
	"SIGTERM": syscall.SIGTERM, "SIGINT": syscall.SIGINT, "SIGQUIT": syscall.SIGQUIT,
	"SIGHUP": syscall.SIGHUP, "SIGKILL": syscall.SIGKILL, "SIGUSR1": syscall.SIGUSR1, "SIGUSR2": syscall.SIGUSR2,
}

func (d *decoder) signal(n *yaml.Node) syscall.Signal {
	s := strings.ToUpper(d.str(n))
	if !strings.HasPrefix(s, "SIG") {
		s = "SIG" + s
	}
	sig, ok := signals[s]
	if !ok {
		d.errf(n, "signal %q: want one of SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGKILL, SIGUSR1, SIGUSR2", n.Value)
		return sigterm
	}
	return sig
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }
