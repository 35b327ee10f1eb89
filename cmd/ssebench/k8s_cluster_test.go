package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssebench/ssebench/reports/result"
)

// clusterServer is the reference server the cluster test loads, as a
// Deployment and a Service in the test's namespace.
const clusterServer = `apiVersion: apps/v1
kind: Deployment
metadata: {name: sse}
spec:
  replicas: 1
  selector: {matchLabels: {app: sse}}
  template:
    metadata: {labels: {app: sse}}
    spec:
      containers:
        - name: sse
          image: %[1]s
          imagePullPolicy: %[2]s
          args: [serve, --addr, "0.0.0.0:8080", --rate, "10"]
          ports: [{containerPort: 8080}]
          readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: sse}
spec:
  selector: {app: sse}
  ports: [{port: 8080, targetPort: 8080}]
`

// TestK8s_cluster runs a sharded load on a real cluster: a reference server
// Deployment, the rendered Job, the pods' logs collected and merged. It
// needs KUBECONFIG, kubectl, and SSEBENCH_IMAGE, an image built from
// benchmarks/k8s/Dockerfile that the cluster can run (kind load
// docker-image, minikube image load); SSEBENCH_IMAGE_PULL sets its pull
// policy (IfNotPresent). It works in a namespace of its own, deleted at
// the end.
func TestK8s_cluster(t *testing.T) {
	skip := func(why string) {
		msg := "SKIPPED TestK8s_cluster, the Kubernetes cluster test: " + why + " (see docs/k8s.md)"
		fmt.Fprintln(os.Stderr, msg)
		t.Skip(msg)
	}
	if os.Getenv("KUBECONFIG") == "" {
		skip("KUBECONFIG is not set")
	}
	image := os.Getenv("SSEBENCH_IMAGE")
	if image == "" {
		skip("SSEBENCH_IMAGE is not set: build and load an image from benchmarks/k8s/Dockerfile first")
	}
	if _, err := exec.LookPath("kubectl"); err != nil {
		skip("kubectl is not on PATH")
	}
	pull := os.Getenv("SSEBENCH_IMAGE_PULL")
	if pull == "" {
		pull = "IfNotPresent"
	}
	var id [4]byte
	_, _ = rand.Read(id[:])
	ns := "ssebench-test-" + hex.EncodeToString(id[:])
	kubectl := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command("kubectl", args...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	kubectl("", "create", "namespace", ns)
	t.Cleanup(func() {
		_ = exec.Command("kubectl", "delete", "namespace", ns, "--wait=false").Run()
	})
	kubectl(fmt.Sprintf(clusterServer, image, pull), "apply", "-n", ns, "-f", "-")
	kubectl("", "rollout", "status", "-n", ns, "deployment/sse", "--timeout=3m")

	const shards, subs = 2, 100
	dir := t.TempDir()
	scenario := filepath.Join(dir, "load.yaml")
	sc := fmt.Sprintf("url: http://sse.%s.svc:8080/events\nprotocol: h2c\nsubscribers: %d\nduration: 5s\nthreshold: [\"subscribers.connected == %d\"]\n", ns, subs, subs)
	if err := os.WriteFile(scenario, []byte(sc), 0o644); err != nil {
		t.Fatal(err)
	}
	var job, stderr bytes.Buffer
	if code := realMain([]string{"k8s", "--scenario", scenario, "--shards", fmt.Sprint(shards), "--image", image, "--pull", pull,
		"--namespace", ns, "--cpu", "250m", "--memory", "256Mi", "--start-in", "20s", "--deadline", "5m"}, &job, &stderr); code != 0 {
		t.Fatalf("ssebench k8s exited %d: %s", code, stderr.String())
	}
	kubectl(job.String(), "apply", "-f", "-")
	kubectl("", "wait", "-n", ns, "--for=condition=complete", "job/ssebench", "--timeout=5m")

	logs := filepath.Join(dir, "logs")
	if err := os.Mkdir(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	pods := strings.Fields(kubectl("", "get", "pods", "-n", ns, "-l", "job-name=ssebench", "-o", "name"))
	if len(pods) != shards {
		t.Fatalf("%d pods, want %d: %v", len(pods), shards, pods)
	}
	for _, p := range pods {
		out := kubectl("", "logs", "-n", ns, p)
		if err := os.WriteFile(filepath.Join(logs, strings.TrimPrefix(p, "pod/")+".log"), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	merged := filepath.Join(dir, "merged.json")
	stderr.Reset()
	var summary bytes.Buffer
	if code := realMain([]string{"k8s", "collect", "--scenario", scenario, "--out", merged, logs}, &summary, &stderr); code != 0 {
		t.Fatalf("k8s collect exited %d: %s\n%s", code, stderr.String(), summary.String())
	}
	m, err := result.ReadFile(merged)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subscribers.Connected != subs || len(m.Shards) != shards || m.Events.Received == 0 {
		t.Errorf("merged: %d connected, %d shards, %d events; want %d, %d and some", m.Subscribers.Connected, len(m.Shards), m.Events.Received, subs, shards)
	}
	t.Logf("merged cluster run:\n%s", summary.String())
}
