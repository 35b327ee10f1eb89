package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/ssebench/ssebench/internal/k8s"
	"github.com/ssebench/ssebench/reports/merge"
)

const k8sAbout = `Renders a Kubernetes Indexed Job that runs the --scenario's load split over --shards pods,
one shard per pod, and a ConfigMap holding the scenario, for kubectl apply -f -:

  ssebench k8s --scenario load.yaml --shards 4 --image ssebench:dev | kubectl apply -f -

Each pod runs 'ssebench run --scenario ... --shards N --log-result --quiet' with its index
from JOB_COMPLETION_INDEX, and prints its result between marker lines, so 'kubectl logs'
carries it. 'ssebench k8s collect' reads those logs, merges the shards exactly and judges
the scenario's thresholds on the merged result: they are taken out of the pods' scenario,
since a shard's share of the load says nothing about the whole. More run flags may follow
'--'. Pods get equal CPU and memory requests and limits, a wider local port range
(net.ipv4.ip_local_port_range, a safe sysctl) and spread over nodes where they can.
See docs/k8s.md for a kind or minikube walkthrough.

  ssebench k8s collect [flags] LOG...   gather and merge the shards' results (-h for more)`

const k8sCollectAbout = `Reads the shards' results from 'kubectl logs' output (files, directories of them, or - for
stdin; a log may hold several results, and may carry kubectl's --prefix or --timestamps),
merges them exactly as 'ssebench merge' does, and judges the thresholds of --scenario (the
same file given to 'ssebench k8s') and --threshold on the merged result: exit 3 when one
fails, 2 when the shards are not one run.

  for p in $(kubectl get pods -l job-name=ssebench -o name); do kubectl logs $p > logs/${p#pod/}.log; done
  ssebench k8s collect --scenario load.yaml --out merged.json logs/`

func cmdK8s(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "collect" {
		return cmdK8sCollect(ctx, args[1:], stdout, stderr)
	}
	fs := newFlagSet("k8s", "ssebench k8s [flags] --scenario FILE --shards N --image IMAGE [-- RUN FLAGS...]", k8sAbout, stderr)
	var o k8s.Options
	var scenario, out, startAt string
	var startIn time.Duration
	nodeSel := map[string]string{}
	fs.StringVar(&scenario, "scenario", "", "the run's scenario `file` (YAML or JSON, as for ssebench run); required")
	fs.IntVar(&o.Shards, "shards", 0, "`pods`, one shard each (the Job's parallelism and completions); required")
	fs.StringVar(&o.Image, "image", "", "container `image` whose entrypoint is ssebench (docker build -f benchmarks/k8s/Dockerfile .); required")
	fs.StringVar(&o.Name, "name", k8s.DefaultName, "`name` of the Job (the ConfigMap is NAME-scenario)")
	fs.StringVar(&o.Namespace, "namespace", "", "`namespace` of the objects (default: kubectl's)")
	fs.StringVar(&o.ImagePullPolicy, "pull", "IfNotPresent", "image pull `policy`: Always, IfNotPresent or Never")
	fs.StringVar(&o.CPU, "cpu", k8s.DefaultCPU, "CPU request and limit of each pod, a Kubernetes `quantity`")
	fs.StringVar(&o.Memory, "memory", k8s.DefaultMemory, "memory request and limit of each pod, a Kubernetes `quantity` (GOMEMLIMIT follows it)")
	fs.StringVar(&o.PortRange, "port-range", k8s.DefaultPortRange, "each pod's net.ipv4.ip_local_port_range, `\"LOW HIGH\"`; - keeps the node's")
	fs.DurationVar(&o.Deadline, "deadline", 0, "fail the Job after this `duration` (activeDeadlineSeconds) [0 = none]")
	fs.StringVar(&startAt, "start-at", "", "every shard starts at this wall-clock `time` (RFC 3339)")
	fs.DurationVar(&startIn, "start-in", 0, "every shard starts this `duration` after now (rendered as --start-at), time for the pods to be scheduled")
	fs.Func("node-selector", "place pods on nodes with this `label=value` (repeatable)", func(s string) error {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return fmt.Errorf("want label=value, got %q", s)
		}
		nodeSel[k] = v
		return nil
	})
	fs.StringVar(&out, "out", "", "write the YAML to `file` instead of stdout")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	o.RunArgs = rest
	if len(nodeSel) > 0 {
		o.NodeSelector = nodeSel
	}
	switch {
	case startAt != "" && startIn != 0:
		return usageErrorf("--start-at and --start-in both set the start; give one")
	case startAt != "":
		if o.StartAt, err = time.Parse(time.RFC3339, startAt); err != nil {
			return usageErrorf("--start-at %q: want an RFC 3339 time such as 2026-01-02T15:04:05Z", startAt)
		}
	case startIn < 0:
		return usageErrorf("--start-in must be > 0, got %s", startIn)
	case startIn > 0:
		o.StartAt = time.Now().Add(startIn).Truncate(time.Second).Add(time.Second)
	}
	if scenario == "" {
		return usageErrorf("--scenario is required: the load the shards split")
	}
	raw, err := os.ReadFile(scenario)
	if err != nil {
		return usageErrorf("--scenario: %v", err)
	}
	if o.Scenario, _, err = k8s.StripThresholds(raw); err != nil {
		return usageErrorf("%s: %v", scenario, err)
	}
	if err := o.Validate(); err != nil {
		return usageErrorf("%v", err)
	}
	if err := checkShardRun(ctx, scenario, o); err != nil {
		return err
	}
	if out == "" {
		return k8s.Render(stdout, o)
	}
	return writeFileAtomic(out, func(w io.Writer) error { return k8s.Render(w, o) })
}

// checkShardRun checks, before anything is applied, that the pods' command
// line runs: the scenario, the run flags and the shard split (at least one
// subscriber per shard), as `run --dry-run` checks them for shard 0.
func checkShardRun(ctx context.Context, scenario string, o k8s.Options) error {
	args := []string{"--scenario", scenario, "--shard", fmt.Sprintf("0/%d", o.Shards), "--dry-run"}
	args = append(args, o.RunArgs...)
	var errOut bytes.Buffer
	err := cmdRun(ctx, args, io.Discard, &errOut)
	if err == nil {
		return nil
	}
	msg := strings.TrimSpace(errOut.String())
	var ce *codeError
	if errors.As(err, &ce) && ce.err != nil {
		msg = strings.TrimSpace(msg + "\n" + ce.err.Error())
	} else if !errors.As(err, &ce) {
		msg = strings.TrimSpace(msg + "\n" + err.Error())
	}
	return usageErrorf("the pods' run would fail (ssebench run --scenario %s --shard 0/%d %s):\n%s",
		scenario, o.Shards, strings.Join(o.RunArgs, " "), msg)
}

func cmdK8sCollect(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("k8s collect", "ssebench k8s collect [flags] LOG...", k8sCollectAbout, stderr)
	mf := addMergeFlags(fs)
	scenario := fs.String("scenario", "", "judge the thresholds of this scenario `file` (the one given to ssebench k8s) on the merged result")
	logs, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(logs) == 0 {
		return usageErrorf("k8s collect needs the pods' logs: files, directories, or - for stdin")
	}
	if *scenario != "" {
		raw, err := os.ReadFile(*scenario)
		if err != nil {
			return usageErrorf("--scenario: %v", err)
		}
		_, ths, err := k8s.StripThresholds(raw)
		if err != nil {
			return usageErrorf("%s: %v", *scenario, err)
		}
		mf.th.setOrigin(*scenario)
		for _, t := range ths {
			_ = mf.th.Set(t)
		}
	}
	var in []merge.Input
	for _, path := range logs {
		got, err := readLogs(path)
		if err != nil {
			return err
		}
		in = append(in, got...)
	}
	return mf.write(in, stdout, stderr)
}

// readLogs extracts the results from a log file, every file of a
// directory, or stdin ("-").
func readLogs(path string) ([]merge.Input, error) {
	if path == "-" {
		return extractFrom("stdin", os.Stdin)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	files := []string{path}
	if st.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, err
		}
		files = files[:0]
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
		sort.Strings(files)
		if len(files) == 0 {
			return nil, usageErrorf("%s: no log files in the directory", path)
		}
	}
	var out []merge.Input
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		got, err := extractFrom(f, fh)
		fh.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// extractFrom reads the marked results of one log.
func extractFrom(name string, r io.Reader) ([]merge.Input, error) {
	reps, err := k8s.Extract(r)
	if err != nil {
		return nil, usageErrorf("%s: %v", name, err)
	}
	out := make([]merge.Input, len(reps))
	for i, rep := range reps {
		label := name
		if len(reps) > 1 {
			label = fmt.Sprintf("%s (result %d)", name, i+1)
		}
		out[i] = merge.Input{File: label, Report: rep}
	}
	return out, nil
}
