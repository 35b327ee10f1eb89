package k8s

// The Kubernetes objects Render writes, as the few fields it sets of the
// official API types (batch/v1 Job, core/v1 ConfigMap and PodSpec) with
// their JSON names. The package does not import k8s.io/api, which would
// weigh on every ssebench binary; its test decodes the output strictly into
// those types instead, so a misspelt field fails there.

type meta struct {
	Name      string            `yaml:"name"`
	Namespace string            `yaml:"namespace,omitempty"`
	Labels    map[string]string `yaml:"labels,omitempty"`
}

type configMap struct {
	APIVersion string            `yaml:"apiVersion"`
	Kind       string            `yaml:"kind"`
	Metadata   meta              `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
}

type job struct {
	APIVersion string  `yaml:"apiVersion"`
	Kind       string  `yaml:"kind"`
	Metadata   meta    `yaml:"metadata"`
	Spec       jobSpec `yaml:"spec"`
}

type jobSpec struct {
	CompletionMode        string      `yaml:"completionMode"`
	Completions           int         `yaml:"completions"`
	Parallelism           int         `yaml:"parallelism"`
	BackoffLimit          int         `yaml:"backoffLimit"`
	ActiveDeadlineSeconds int64       `yaml:"activeDeadlineSeconds,omitempty"`
	Template              podTemplate `yaml:"template"`
}

type podTemplate struct {
	Metadata podMeta `yaml:"metadata"`
	Spec     podSpec `yaml:"spec"`
}

type podMeta struct {
	Labels map[string]string `yaml:"labels"`
}

type podSpec struct {
	RestartPolicy                 string             `yaml:"restartPolicy"`
	TerminationGracePeriodSeconds int64              `yaml:"terminationGracePeriodSeconds"`
	AutomountServiceAccountToken  bool               `yaml:"automountServiceAccountToken"`
	EnableServiceLinks            bool               `yaml:"enableServiceLinks"`
	SecurityContext               podSecurityContext `yaml:"securityContext"`
	Affinity                      *affinity          `yaml:"affinity,omitempty"`
	NodeSelector                  map[string]string  `yaml:"nodeSelector,omitempty"`
	Containers                    []container        `yaml:"containers"`
	Volumes                       []volume           `yaml:"volumes"`
}

type podSecurityContext struct {
	RunAsNonRoot   bool           `yaml:"runAsNonRoot"`
	RunAsUser      int64          `yaml:"runAsUser"`
	RunAsGroup     int64          `yaml:"runAsGroup"`
	SeccompProfile seccompProfile `yaml:"seccompProfile"`
	Sysctls        []sysctl       `yaml:"sysctls,omitempty"`
}

type seccompProfile struct {
	Type string `yaml:"type"`
}

type sysctl struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

type affinity struct {
	PodAntiAffinity podAntiAffinity `yaml:"podAntiAffinity"`
}

type podAntiAffinity struct {
	Preferred []weightedTerm `yaml:"preferredDuringSchedulingIgnoredDuringExecution"`
}

type weightedTerm struct {
	Weight int         `yaml:"weight"`
	Term   affinityPod `yaml:"podAffinityTerm"`
}

type affinityPod struct {
	LabelSelector labelSelector `yaml:"labelSelector"`
	TopologyKey   string        `yaml:"topologyKey"`
}

type labelSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

type container struct {
	Name            string              `yaml:"name"`
	Image           string              `yaml:"image"`
	ImagePullPolicy string              `yaml:"imagePullPolicy"`
	Args            []string            `yaml:"args"`
	Env             []envVar            `yaml:"env"`
	Resources       resources           `yaml:"resources"`
	SecurityContext containerSecContext `yaml:"securityContext"`
	VolumeMounts    []volumeMount       `yaml:"volumeMounts"`
}

type envVar struct {
	Name      string     `yaml:"name"`
	Value     string     `yaml:"value,omitempty"`
	ValueFrom *envSource `yaml:"valueFrom,omitempty"`
}

type envSource struct {
	ResourceFieldRef resourceFieldRef `yaml:"resourceFieldRef"`
}

type resourceFieldRef struct {
	ContainerName string `yaml:"containerName"`
	Resource      string `yaml:"resource"`
}

type resources struct {
	Requests map[string]string `yaml:"requests"`
	Limits   map[string]string `yaml:"limits"`
}

type containerSecContext struct {
	AllowPrivilegeEscalation bool         `yaml:"allowPrivilegeEscalation"`
	ReadOnlyRootFilesystem   bool         `yaml:"readOnlyRootFilesystem"`
	Capabilities             capabilities `yaml:"capabilities"`
}

type capabilities struct {
	Drop []string `yaml:"drop"`
}

type volumeMount struct {
	Name      string `yaml:"name"`
	MountPath string `yaml:"mountPath"`
	ReadOnly  bool   `yaml:"readOnly,omitempty"`
}

type volume struct {
	Name      string           `yaml:"name"`
	ConfigMap *configMapVolume `yaml:"configMap,omitempty"`
	EmptyDir  *emptyDir        `yaml:"emptyDir,omitempty"`
}

type configMapVolume struct {
	Name string `yaml:"name"`
}

type emptyDir struct{}
