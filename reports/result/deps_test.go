package result

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPackageGraph keeps the graph one-directional: the result schema is a
// leaf, and the engines depend on it, never on the renderers (whose charts
// bring gonum, x/image and x/perf) or the terminal; loadgen's latency
// sources (stamp, publish) do not depend on the engine they plug into.
func TestPackageGraph(t *testing.T) {
	t.Parallel()
	const mod = "github.com/ssebench/ssebench/"
	for _, tt := range []struct {
		pkgs      []string
		forbidden []string // import path prefixes
		allowed   []string // exceptions to forbidden
	}{
		{[]string{mod + "reports/result"}, []string{mod}, []string{mod + "reports/result"}},
		{[]string{mod + "loadgen/...", mod + "reference-server"},
			[]string{mod + "reports", mod + "cmd", mod + "internal", "gonum.org/", "golang.org/x/image", "golang.org/x/perf", "github.com/vbauerster/mpb"},
			[]string{mod + "reports/result"}},
		// The latency sources plug into the engine, never the reverse:
		// they see only the wire (transport, sse) and the schema.
		{[]string{mod + "loadgen/stamp", mod + "loadgen/publish"},
			[]string{mod},
			[]string{mod + "loadgen/stamp", mod + "loadgen/publish", mod + "loadgen/transport", mod + "loadgen/sse", mod + "reports/result"}},
	} {
		args := append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, tt.pkgs...)
		out, err := exec.Command("go", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	deps:
		for _, dep := range strings.Fields(string(out)) {
			for _, ok := range tt.allowed {
				if dep == ok {
					continue deps
				}
			}
			for _, bad := range tt.forbidden {
				if strings.HasPrefix(dep, bad) {
					t.Errorf("%v depends on %s", tt.pkgs, dep)
				}
			}
		}
	}
}
