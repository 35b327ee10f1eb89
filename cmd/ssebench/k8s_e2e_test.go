package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/ssebench/ssebench/internal/k8s"
	"github.com/ssebench/ssebench/reports/result"
)

// buildBinary builds ssebench into a folder of the test's.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "ssebench")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startServe starts `ssebench serve` on a free loopback port and returns
// its base URL; it is stopped (SIGTERM, by its pid) at the end of the test.
func startServe(tb testing.TB, bin string, args ...string) string {
	tb.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	return "http://" + listenAddr(tb, stderr.String)
}

// podCommand decodes the rendered Job strictly and returns what Kubernetes
// would run in pod index: its arguments (the image's entrypoint is
// ssebench) with the ConfigMap's mount replaced by scenarioPath, and its
// environment: JOB_COMPLETION_INDEX, which the Job controller adds, and
// the container's own variables, resolved as the kubelet does.
func podCommand(tb testing.TB, rendered []byte, index int, scenarioPath string) (args, env []string) {
	tb.Helper()
	var job *batchv1.Job
	for _, doc := range strings.Split(string(rendered), "\n---\n") {
		if strings.Contains(doc, "\nkind: Job\n") {
			job = &batchv1.Job{}
			if err := yaml.UnmarshalStrict([]byte(doc+"\n"), job); err != nil {
				tb.Fatalf("Job: %v", err)
			}
		}
	}
	if job == nil {
		tb.Fatal("no Job rendered")
	}
	c := job.Spec.Template.Spec.Containers[0]
	mount := k8s.ScenarioDir + "/" + k8s.ScenarioKey
	for _, a := range c.Args {
		if a == mount {
			a = scenarioPath
		}
		args = append(args, a)
	}
	env = []string{"JOB_COMPLETION_INDEX=" + strconv.Itoa(index), "PATH=" + os.Getenv("PATH")}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env = append(env, e.Name+"="+e.Value)
		case e.ValueFrom.ResourceFieldRef != nil:
			q := c.Resources.Limits[corev1.ResourceName(strings.TrimPrefix(e.ValueFrom.ResourceFieldRef.Resource, "limits."))]
			env = append(env, e.Name+"="+strconv.FormatInt(q.Value(), 10))
		default:
			tb.Fatalf("env %s: a source the test cannot resolve", e.Name)
		}
	}
	return args, env
}

// TestK8s_shardsEndToEnd runs a sharded load exactly as the rendered Job
// runs it, as separate processes against one `ssebench serve`, collects
// the results from their stdout as `kubectl logs` would, merges them with
// `ssebench k8s collect`, and checks the merged result against ground
// truth: the subscribers the server counted, every event accounted for,
// and histograms that are the exact merge of the shards'.
func TestK8s_shardsEndToEnd(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	const shards, perShard, rate = 4, 25, 20
	base := startServe(t, bin, "--rate", strconv.Itoa(rate), "--heartbeat", "0")
	dir := t.TempDir()
	scenario := filepath.Join(dir, "load.yaml")
	sc := fmt.Sprintf("url: %s/events\nprotocol: h2c\nsubscribers: %d\nduration: 2s\nthreshold:\n  - subscribers.connected == %d\n  - events.gaps == 0\n",
		base, shards*perShard, shards*perShard)
	if err := os.WriteFile(scenario, []byte(sc), 0o644); err != nil {
		t.Fatal(err)
	}

	// Render as a user would, with a common start a little ahead.
	startAt := time.Now().Add(3 * time.Second).UTC().Format(time.RFC3339)
	var rendered, stderr bytes.Buffer
	if code := realMain([]string{"k8s", "--scenario", scenario, "--shards", strconv.Itoa(shards), "--image", "ssebench:test", "--start-at", startAt}, &rendered, &stderr); code != 0 {
		t.Fatalf("ssebench k8s exited %d: %s", code, stderr.String())
	}
	_, stripped := decodeRendered(t, rendered.Bytes())
	mounted := filepath.Join(dir, "mounted-"+k8s.ScenarioKey) // what the ConfigMap volume holds
	if err := os.WriteFile(mounted, []byte(stripped), 0o644); err != nil {
		t.Fatal(err)
	}

	logs := filepath.Join(dir, "logs")
	if err := os.Mkdir(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, shards)
	for i := range shards {
		args, env := podCommand(t, rendered.Bytes(), i, mounted)
		wg.Go(func() {
			cmd := exec.Command(bin, args...)
			cmd.Env = env
			out, err := cmd.CombinedOutput() // kubectl logs carries both streams
			if werr := os.WriteFile(filepath.Join(logs, fmt.Sprintf("ssebench-%d.log", i)), out, 0o644); werr != nil {
				err = errors.Join(err, werr)
			}
			if err != nil {
				errs[i] = fmt.Errorf("pod %d: %v\n%s", i, err, out)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}

	// The shards as each pod logged them.
	var shardReps []*result.Report
	for i := range shards {
		f, err := os.Open(filepath.Join(logs, fmt.Sprintf("ssebench-%d.log", i)))
		if err != nil {
			t.Fatal(err)
		}
		reps, err := k8s.Extract(f)
		f.Close()
		if err != nil || len(reps) != 1 {
			t.Fatalf("pod %d's log: %d results, %v", i, len(reps), err)
		}
		r := reps[0]
		if r.Shard == nil || r.Shard.Index != i || r.Shard.Count != shards || r.Subscribers.Requested != perShard {
			t.Fatalf("pod %d ran shard %+v with %d subscribers, want %d/%d with %d", i, r.Shard, r.Subscribers.Requested, i, shards, perShard)
		}
		if r.Shard.StartAt == nil || r.Shard.StartAt.Format(time.RFC3339) != startAt {
			t.Errorf("pod %d: start_at %v, want %s", i, r.Shard.StartAt, startAt)
		}
		if len(r.Thresholds) != 0 {
			t.Errorf("pod %d judged thresholds %v; they belong to the merged result", i, r.Thresholds)
		}
		shardReps = append(shardReps, r)
	}

	merged := filepath.Join(dir, "merged.json")
	var out bytes.Buffer
	stderr.Reset()
	cmd := exec.Command(bin, "k8s", "collect", "--scenario", scenario, "--out", merged, "--format", "md", logs)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("k8s collect: %v\n%s%s", err, out.String(), stderr.String())
	}
	m, err := result.ReadFile(merged)
	if err != nil {
		t.Fatal(err)
	}

	// Ground truth from the server: every subscriber of every shard opened
	// exactly one stream.
	var stats struct {
		SubscribersTotal uint64 `json:"subscribers_total"`
	}
	resp, err := http.Get(base + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&stats)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	total := shards * perShard
	if got := m.Subscribers; got.Requested != total || got.Connected != total || got.Failed != 0 || uint64(got.Connected) != stats.SubscribersTotal {
		t.Errorf("merged subscribers = %+v; want %d requested and connected, as the server counted %d streams", got, total, stats.SubscribersTotal)
	}
	var received uint64
	for _, r := range shardReps {
		received += r.Events.Received
	}
	if m.Events.Received != received || m.Events.Gaps != 0 || m.Events.Duplicates != 0 {
		t.Errorf("merged events = %+v; want the shards' %d received, no gaps or duplicates", m.Events, received)
	}
	// Every subscriber got about rate × steady state events (the steady
	// state of every shard is 2 s).
	if lo, hi := uint64(total*rate*2*3/4), uint64(total*rate*2*5/4); received < lo || received > hi {
		t.Errorf("events received = %d, want %d ± 25%%", received, total*rate*2)
	}
	if m.LatencyUS.Fanout.Count != int64(received) {
		t.Errorf("fan-out count = %d, want one per event received (%d)", m.LatencyUS.Fanout.Count, received)
	}
	// The merged histograms are the merge of the shards', bucket for bucket.
	for _, d := range []struct {
		name string
		pick func(*result.Report) result.Latency
	}{
		{"fanout", func(r *result.Report) result.Latency { return r.LatencyUS.Fanout }},
		{"connect", func(r *result.Report) result.Latency { return r.LatencyUS.Connect }},
		{"first_event", func(r *result.Report) result.Latency { return r.LatencyUS.FirstEvent }},
		{"per_subscriber_events", func(r *result.Report) result.Latency { return r.PerSubscriberEvents }},
	} {
		want := result.NewLatencyHistogram()
		for _, r := range shardReps {
			h, err := d.pick(r).Histogram()
			if err != nil {
				t.Fatal(err)
			}
			want.Merge(h)
		}
		got, err := d.pick(m).Histogram()
		if err != nil {
			t.Fatal(err)
		}
		if !sameDistribution(got, want) {
			t.Errorf("merged %s histogram differs from the merge of the shards'", d.name)
		}
		if l, _ := result.Summarize(want); l.P99 != d.pick(m).P99 || l.Count != d.pick(m).Count {
			t.Errorf("merged %s p99 %d (count %d), want %d (count %d)", d.name, d.pick(m).P99, d.pick(m).Count, l.P99, l.Count)
		}
	}
	if len(m.Shards) != shards || len(m.Thresholds) != 2 || !m.Thresholds[0].Pass || !m.Thresholds[1].Pass {
		t.Errorf("merged: %d shards, thresholds %+v; want %d shards and the scenario's 2 thresholds passing", len(m.Shards), m.Thresholds, shards)
	}
	if !strings.Contains(out.String(), "fan-out") && !strings.Contains(out.String(), "fanout") {
		t.Errorf("collect's Markdown summary lacks fan-out latency:\n%s", out.String())
	}

	// A threshold the merged result misses decides the exit code: 3.
	cmd = exec.Command(bin, "merge", "--threshold", fmt.Sprintf("subscribers.connected > %d", total), "--format", "json", merged)
	if err := cmd.Run(); exitStatus(err) != exitUsage {
		t.Errorf("merging a merged result: exit %d, want %d", exitStatus(err), exitUsage)
	}
	cmd = exec.Command(bin, "k8s", "collect", "--threshold", fmt.Sprintf("subscribers.connected > %d", total), "--format", "json", logs)
	if err := cmd.Run(); exitStatus(err) != exitThreshold {
		t.Errorf("collect with a failing threshold: exit %d, want %d", exitStatus(err), exitThreshold)
	}
	// compare reads a merged result like any other.
	cmd = exec.Command(bin, "compare", "--format", "md", merged, merged)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("compare of the merged result with itself: %v\n%s", err, out)
	}
	// Every format renders the merged result.
	for _, f := range []string{"text", "md", "html", "csv", "hgrm", "hlog", "svg"} {
		cmd = exec.Command(bin, "report", "--format", f, merged)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("report --format %s of the merged result: %v\n%s", f, err, out)
		}
	}
}

// decodeRendered returns the rendered Job's ConfigMap scenario.
func decodeRendered(tb testing.TB, rendered []byte) (*corev1.ConfigMap, string) {
	tb.Helper()
	for _, doc := range strings.Split(string(rendered), "\n---\n") {
		if strings.Contains(doc, "\nkind: ConfigMap\n") {
			var cm corev1.ConfigMap
			if err := yaml.UnmarshalStrict([]byte(doc+"\n"), &cm); err != nil {
				tb.Fatalf("ConfigMap: %v", err)
			}
			return &cm, cm.Data[k8s.ScenarioKey]
		}
	}
	tb.Fatal("no ConfigMap rendered")
	return nil, ""
}

// sameDistribution compares two histograms bucket for bucket.
func sameDistribution(a, b *hdrhistogram.Histogram) bool {
	da, db := a.Distribution(), b.Distribution()
	if len(da) != len(db) || a.TotalCount() != b.TotalCount() {
		return false
	}
	for i := range da {
		if da[i] != db[i] {
			return false
		}
	}
	return true
}

// exitStatus is a finished command's exit code (0 for a nil error).
func exitStatus(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
