package k8s

import (
	"bytes"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

const testScenario = "# a comment\nurl: http://sse.default.svc:8080/events\nprotocol: h2c\nsubscribers: 20000\nduration: 30s\n"

// decodeStrict splits a rendered stream into its documents and decodes
// each strictly into the official API type its kind names: an unknown or
// misspelt field, or a value of the wrong type, fails.
func decodeStrict(tb testing.TB, out []byte) (*corev1.ConfigMap, *batchv1.Job) {
	tb.Helper()
	var cm *corev1.ConfigMap
	var job *batchv1.Job
	for _, doc := range strings.Split(string(out), "\n---\n") {
		doc += "\n" // the separator took the last line's newline
		var head struct {
			Kind string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			tb.Fatalf("document does not parse: %v\n%s", err, doc)
		}
		switch head.Kind {
		case "ConfigMap":
			cm = &corev1.ConfigMap{}
			if err := yaml.UnmarshalStrict([]byte(doc), cm); err != nil {
				tb.Fatalf("ConfigMap does not decode strictly: %v", err)
			}
		case "Job":
			job = &batchv1.Job{}
			if err := yaml.UnmarshalStrict([]byte(doc), job); err != nil {
				tb.Fatalf("Job does not decode strictly: %v", err)
			}
		default:
			tb.Fatalf("unexpected kind %q", head.Kind)
		}
	}
	if cm == nil || job == nil {
		tb.Fatalf("want a ConfigMap and a Job, got %v and %v", cm != nil, job != nil)
	}
	return cm, job
}

func TestRender_decodesStrictly(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	for _, tt := range []struct {
		name string
		o    Options
	}{
		{"defaults", Options{Image: "ssebench:dev", Shards: 4, Scenario: []byte(testScenario)}},
		{"everything", Options{Name: "load-1", Namespace: "bench", Image: "reg.example/ssebench:v1", ImagePullPolicy: "Always",
			Shards: 40, Scenario: []byte(testScenario), RunArgs: []string{"--connections", "8"}, CPU: "2500m", Memory: "3Gi",
			StartAt: at, PortRange: "2000 60000", Deadline: time.Hour, NodeSelector: map[string]string{"pool": "load"}}},
		{"node's port range", Options{Image: "x", Shards: 1, Scenario: []byte(testScenario), PortRange: "-"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := Render(&b, tt.o); err != nil {
				t.Fatal(err)
			}
			cm, job := decodeStrict(t, b.Bytes())
			o := tt.o.withDefaults()
			if got := cm.Data[ScenarioKey]; got != testScenario {
				t.Errorf("ConfigMap scenario = %q, want %q", got, testScenario)
			}
			if cm.Name != o.Name+"-scenario" || cm.Namespace != o.Namespace || job.Namespace != o.Namespace {
				t.Errorf("names: ConfigMap %s/%s, Job %s/%s", cm.Namespace, cm.Name, job.Namespace, job.Name)
			}
			s := job.Spec
			if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
				t.Errorf("completionMode = %v, want Indexed", s.CompletionMode)
			}
			if *s.Completions != int32(o.Shards) || *s.Parallelism != int32(o.Shards) || *s.BackoffLimit != 0 {
				t.Errorf("completions %d, parallelism %d, backoffLimit %d; want %d, %d, 0", *s.Completions, *s.Parallelism, *s.BackoffLimit, o.Shards, o.Shards)
			}
			if o.Deadline > 0 && (s.ActiveDeadlineSeconds == nil || *s.ActiveDeadlineSeconds != 3600) {
				t.Errorf("activeDeadlineSeconds = %v, want 3600", s.ActiveDeadlineSeconds)
			}
			ps := s.Template.Spec
			if ps.RestartPolicy != corev1.RestartPolicyNever {
				t.Errorf("restartPolicy = %q, want Never", ps.RestartPolicy)
			}
			if len(ps.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(ps.Containers))
			}
			c := ps.Containers[0]
			if got, want := strings.Join(c.Args, " "), strings.Join(o.Args(), " "); got != want {
				t.Errorf("args = %q, want %q", got, want)
			}
			for _, res := range []corev1.ResourceList{c.Resources.Requests, c.Resources.Limits} {
				if cpu := res[corev1.ResourceCPU]; cpu.Cmp(resource.MustParse(o.CPU)) != 0 {
					t.Errorf("cpu = %s, want %s", cpu.String(), o.CPU)
				}
				if mem := res[corev1.ResourceMemory]; mem.Cmp(resource.MustParse(o.Memory)) != 0 {
					t.Errorf("memory = %s, want %s", mem.String(), o.Memory)
				}
			}
			var sysctl string
			for _, sc := range ps.SecurityContext.Sysctls {
				if sc.Name == "net.ipv4.ip_local_port_range" {
					sysctl = sc.Value
				}
			}
			if want := o.PortRange; want == "-" && sysctl != "" || want != "-" && sysctl != want {
				t.Errorf("ip_local_port_range = %q, want %q", sysctl, want)
			}
			var mounted bool
			for _, v := range ps.Volumes {
				if v.ConfigMap != nil && v.ConfigMap.Name == cm.Name {
					mounted = true
				}
			}
			if !mounted {
				t.Error("the scenario ConfigMap is not a volume of the pod")
			}
			if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
				t.Error("the container's root filesystem is not read-only")
			}
		})
	}
}

// TestDecodeStrict_unknownField shows that the strict decoding the test
// relies on does fail on a misspelt field.
func TestDecodeStrict_unknownField(t *testing.T) {
	t.Parallel()
	doc := "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: x\nspec:\n  completionsMode: Indexed\n"
	if err := yaml.UnmarshalStrict([]byte(doc), &batchv1.Job{}); err == nil {
		t.Fatal("a misspelt field decoded without error")
	}
}

func TestOptions_Validate(t *testing.T) {
	t.Parallel()
	ok := Options{Image: "x", Shards: 2, Scenario: []byte("url: http://a/")}
	for _, tt := range []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"no image", func(o *Options) { o.Image = "" }, "--image is required"},
		{"no shards", func(o *Options) { o.Shards = 0 }, "--shards must be at least 1"},
		{"bad name", func(o *Options) { o.Name = "Load_1" }, "--name"},
		{"bad port range", func(o *Options) { o.PortRange = "60000 1024" }, "--port-range"},
		{"bad pull", func(o *Options) { o.ImagePullPolicy = "Sometimes" }, "--pull"},
		{"no scenario", func(o *Options) { o.Scenario = nil }, "scenario is required"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := ok
			tt.edit(&o)
			if err := o.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want an error about %q", err, tt.want)
			}
		})
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate() = %v for valid options", err)
	}
}

func TestStripThresholds(t *testing.T) {
	t.Parallel()
	in := "# load\nurl: http://a/events # the server\nthreshold:\n  - fanout.p99 < 50ms\n  - errors.rate < 0.1%\nsubscribers: 10\njunit: out.xml\n"
	got, ths, err := StripThresholds([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"fanout.p99 < 50ms", "errors.rate < 0.1%"}; strings.Join(ths, "|") != strings.Join(want, "|") {
		t.Errorf("thresholds = %q, want %q", ths, want)
	}
	s := string(got)
	for _, gone := range []string{"threshold", "junit", "fanout"} {
		if strings.Contains(s, gone) {
			t.Errorf("stripped scenario still has %q:\n%s", gone, s)
		}
	}
	for _, kept := range []string{"# load", "# the server", "subscribers: 10", "url: http://a/events"} {
		if !strings.Contains(s, kept) {
			t.Errorf("stripped scenario lost %q:\n%s", kept, s)
		}
	}
	one, ths, err := StripThresholds([]byte(`{"url": "http://a/", "threshold": "fanout.p99 < 1s"}`))
	if err != nil || len(ths) != 1 || strings.Contains(string(one), "threshold") {
		t.Errorf("JSON scenario: %q, %q, %v", one, ths, err)
	}
	if _, _, err := StripThresholds([]byte("- a\n- b\n")); err == nil {
		t.Error("a list scenario was accepted")
	}
	same, _, _ := StripThresholds([]byte(testScenario))
	if string(same) != testScenario {
		t.Errorf("a scenario without thresholds changed: %q", same)
	}
}
