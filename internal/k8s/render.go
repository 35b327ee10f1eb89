package k8s

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Defaults for Options' zero values.
const (
	DefaultName      = "ssebench"
	DefaultCPU       = "1"
	DefaultMemory    = "1Gi"
	DefaultPortRange = "1024 65535"
	// ScenarioDir is where the pod mounts the ConfigMap.
	ScenarioDir = "/etc/ssebench"
	// ScenarioKey is the ConfigMap key, and file name, of the scenario.
	ScenarioKey = "scenario.yaml"
	// ContainerName is the Job's container; `kubectl logs` names it.
	ContainerName = "ssebench"
)

// Options describe the Job to render.
type Options struct {
	// Name of the Job; the ConfigMap is Name + "-scenario". "" means
	// DefaultName. A DNS-1123 label, at most 52 characters (the Job
	// controller appends to it).
	Name string
	// Namespace of both objects; "" leaves it to kubectl's context.
	Namespace string
	// Image runs ssebench as its entrypoint (benchmarks/k8s/Dockerfile).
	// Required.
	Image string
	// ImagePullPolicy is the container's; "" means IfNotPresent, which
	// suits an image loaded into kind or minikube.
	ImagePullPolicy string
	// Shards is the number of pods, one shard each: the Job's parallelism
	// and completions. Required, ≥ 1.
	Shards int
	// Scenario is the run's scenario file (YAML or JSON), placed in the
	// ConfigMap. Required; StripThresholds should have removed its
	// thresholds, which only mean something on the merged result.
	Scenario []byte
	// RunArgs are appended to each pod's `ssebench run` arguments.
	RunArgs []string
	// CPU and Memory are each pod's requests and limits (equal, for the
	// Guaranteed QoS class: a load generator must not be throttled or
	// evicted mid-run). "" means DefaultCPU and DefaultMemory.
	CPU, Memory string
	// StartAt, when set, makes every shard start its ramp at this
	// wall-clock moment (--start-at).
	StartAt time.Time
	// PortRange is the pod's net.ipv4.ip_local_port_range sysctl, a safe
	// sysctl that every cluster allows: more local ports for HTTP/1.1
	// connections to one server address. "" means DefaultPortRange; "-"
	// leaves the node's.
	PortRange string
	// Deadline bounds the Job's run (activeDeadlineSeconds); 0 means none.
	Deadline time.Duration
	// NodeSelector places the pods on matching nodes.
	NodeSelector map[string]string
}

// dns1123 is a DNS-1123 label.
var dns1123 = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// withDefaults fills o's zero values.
func (o Options) withDefaults() Options {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if o.CPU == "" {
		o.CPU = DefaultCPU
	}
	if o.Memory == "" {
		o.Memory = DefaultMemory
	}
	if o.PortRange == "" {
		o.PortRange = DefaultPortRange
	}
	if o.ImagePullPolicy == "" {
		o.ImagePullPolicy = "IfNotPresent"
	}
	return o
}

// Validate reports every problem with o at once.
func (o Options) Validate() error {
	o = o.withDefaults()
	var errs []error
	if !dns1123.MatchString(o.Name) || len(o.Name) > 52 {
		errs = append(errs, fmt.Errorf("--name %q: want lower-case letters, digits and '-', at most 52 characters", o.Name))
	}
	if o.Namespace != "" && (!dns1123.MatchString(o.Namespace) || len(o.Namespace) > 63) {
		errs = append(errs, fmt.Errorf("--namespace %q: not a namespace name", o.Namespace))
	}
	if o.Image == "" {
		errs = append(errs, errors.New("--image is required: an image whose entrypoint is ssebench (docker build -f benchmarks/k8s/Dockerfile .)"))
	}
	if o.Shards < 1 {
		errs = append(errs, fmt.Errorf("--shards must be at least 1, got %d", o.Shards))
	}
	if len(o.Scenario) == 0 {
		errs = append(errs, errors.New("a scenario is required: the load every shard splits"))
	}
	switch o.ImagePullPolicy {
	case "Always", "IfNotPresent", "Never":
	default:
		errs = append(errs, fmt.Errorf("--pull %q: want Always, IfNotPresent or Never", o.ImagePullPolicy))
	}
	if o.PortRange != "-" {
		lo, hi, ok := strings.Cut(o.PortRange, " ")
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(strings.TrimSpace(hi))
		if !ok || err1 != nil || err2 != nil || a < 1 || b > 65535 || a >= b {
			errs = append(errs, fmt.Errorf("--port-range %q: want \"LOW HIGH\", e.g. %q", o.PortRange, DefaultPortRange))
		}
	}
	if o.Deadline < 0 {
		errs = append(errs, fmt.Errorf("--deadline must be >= 0, got %s", o.Deadline))
	}
	return errors.Join(errs...)
}

// Args returns the arguments each pod gives ssebench: the scenario from
// the ConfigMap, the shard count (the index comes from the Job as
// JOB_COMPLETION_INDEX), the result on stdout between markers, no progress
// display, --start-at, then o.RunArgs.
func (o Options) Args() []string {
	args := []string{"run", "--scenario", ScenarioDir + "/" + ScenarioKey,
		"--shards", strconv.Itoa(o.Shards), "--log-result", "--quiet"}
	if !o.StartAt.IsZero() {
		args = append(args, "--start-at", o.StartAt.UTC().Format(time.RFC3339))
	}
	return append(args, o.RunArgs...)
}

// Render writes the ConfigMap and the Indexed Job as a YAML stream for
// `kubectl apply -f -`.
func Render(w io.Writer, o Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	o = o.withDefaults()
	labels := map[string]string{
		"app.kubernetes.io/name":     "ssebench",
		"app.kubernetes.io/instance": o.Name,
	}
	cm := configMap{
		APIVersion: "v1", Kind: "ConfigMap",
		Metadata: meta{Name: o.Name + "-scenario", Namespace: o.Namespace, Labels: labels},
		Data:     map[string]string{ScenarioKey: string(o.Scenario)},
	}
	j := job{
		APIVersion: "batch/v1", Kind: "Job",
		Metadata: meta{Name: o.Name, Namespace: o.Namespace, Labels: labels},
		Spec: jobSpec{
			CompletionMode: "Indexed",
			Completions:    o.Shards,
			Parallelism:    o.Shards,
			// A retried shard would run its share at another time than
			// the others: rather a missing shard (merge --partial).
			BackoffLimit:          0,
			ActiveDeadlineSeconds: int64(o.Deadline / time.Second),
			Template: podTemplate{
				Metadata: podMeta{Labels: labels},
				Spec:     o.podSpec(labels),
			},
		},
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# ssebench: %d shards of the scenario below, one per pod of an Indexed Job.\n", o.Shards)
	b.WriteString("#   kubectl apply -f job.yaml && kubectl wait --for=condition=complete --timeout=1h job/" + o.Name + "\n")
	b.WriteString("#   then collect: see `ssebench k8s collect -h`\n")
	for i, obj := range []any{cm, j} {
		if i > 0 {
			b.WriteString("---\n")
		}
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(obj); err != nil {
			return fmt.Errorf("k8s: render: %w", err)
		}
		if err := enc.Close(); err != nil {
			return fmt.Errorf("k8s: render: %w", err)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// podSpec is the pod of one shard.
func (o Options) podSpec(labels map[string]string) podSpec {
	ps := podSpec{
		RestartPolicy: "Never",
		// SIGTERM ends a run cleanly: it still prints its result.
		TerminationGracePeriodSeconds: 30,
		AutomountServiceAccountToken:  false,
		EnableServiceLinks:            false,
		SecurityContext: podSecurityContext{
			RunAsNonRoot: true, RunAsUser: 65532, RunAsGroup: 65532,
			SeccompProfile: seccompProfile{Type: "RuntimeDefault"},
		},
		// Shards on separate nodes do not share a NIC, CPU or port range.
		Affinity: &affinity{PodAntiAffinity: podAntiAffinity{Preferred: []weightedTerm{{
			Weight: 100,
			Term: affinityPod{
				LabelSelector: labelSelector{MatchLabels: labels},
				TopologyKey:   "kubernetes.io/hostname",
			},
		}}}},
		NodeSelector: o.NodeSelector,
		Containers: []container{{
			Name:            ContainerName,
			Image:           o.Image,
			ImagePullPolicy: o.ImagePullPolicy,
			Args:            o.Args(),
			Env: []envVar{
				// The Go runtime keeps the heap under the limit rather
				// than being OOM-killed mid-run; Go already sizes
				// GOMAXPROCS from the CPU limit.
				{Name: "GOMEMLIMIT", ValueFrom: &envSource{ResourceFieldRef: resourceFieldRef{ContainerName: ContainerName, Resource: "limits.memory"}}},
			},
			Resources: resources{
				Requests: map[string]string{"cpu": o.CPU, "memory": o.Memory},
				Limits:   map[string]string{"cpu": o.CPU, "memory": o.Memory},
			},
			SecurityContext: containerSecContext{
				AllowPrivilegeEscalation: false,
				ReadOnlyRootFilesystem:   true,
				Capabilities:             capabilities{Drop: []string{"ALL"}},
			},
			VolumeMounts: []volumeMount{
				{Name: "scenario", MountPath: ScenarioDir, ReadOnly: true},
				{Name: "tmp", MountPath: "/tmp"},
			},
		}},
		Volumes: []volume{
			{Name: "scenario", ConfigMap: &configMapVolume{Name: o.Name + "-scenario"}},
			{Name: "tmp", EmptyDir: &emptyDir{}},
		},
	}
	if o.PortRange != "-" {
		ps.SecurityContext.Sysctls = []sysctl{{Name: "net.ipv4.ip_local_port_range", Value: o.PortRange}}
	}
	return ps
}
