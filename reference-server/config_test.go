package refserver

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestConfig_Validate(t *testing.T) {
	t.Parallel()
	burst := GeneratorConfig{Pattern: PatternBurst, BurstEvents: 10, BurstInterval: time.Second}
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings of the error; none means valid
	}{
		{"zero value", Config{}, nil},
		{"typical", Config{Rate: 10, PayloadBytes: 64, Delay: time.Second, MaxBacklogBytes: 1 << 20}, nil},
		{"fractional rate", Config{Rate: 0.25}, nil},
		{"every feature", Config{Rate: 10, Generators: []GeneratorConfig{{Topic: "a", Rate: 5}, burst}, Replay: 100,
			Retry: time.Second, Heartbeat: time.Second, FlushInterval: time.Millisecond, FlushMaxEvents: 10,
			SlowPolicy: SlowDrop, MaxSubscribers: 5, MaxTopics: 3, Token: "t", SubscribeToken: "s",
			TLSSelfSigned: true, Protocols: []string{ProtoH1, ProtoH2}}, nil},
		{"negative rate", Config{Rate: -1}, []string{"--rate must be >= 0, got -1"}},
		{"NaN rate", Config{Rate: math.NaN()}, []string{"--rate must be >= 0, got NaN"}},
		{"huge rate", Config{Rate: 1e9}, []string{"--rate must be <= 1e+07, got 1e+09"}},
		{"negative payload", Config{PayloadBytes: -1}, []string{"--payload must be between 0 and 16777216 bytes, got -1"}},
		{"huge payload", Config{PayloadBytes: 1 << 30}, []string{"--payload"}},
		{"negative delay", Config{Delay: -time.Second}, []string{"--delay must be >= 0, got -1s"}},
		{"negative backlog", Config{MaxBacklogBytes: -5}, []string{"--max-backlog must be >= 0, got -5"}},
		{"negative shutdown timeout", Config{ShutdownTimeout: -1}, []string{"--shutdown-timeout must be >= 0"}},
		{"negative heartbeat", Config{Heartbeat: -1}, []string{"--heartbeat must be >= 0"}},
		{"huge replay", Config{Replay: MaxReplay + 1}, []string{"--replay must be between 0 and"}},
		{"max events without interval", Config{FlushMaxEvents: 5}, []string{"--flush-max-events needs --flush-interval"}},
		{"unknown slow policy", Config{SlowPolicy: "ignore"}, []string{`--slow-policy must be drop or disconnect, got "ignore"`}},
		{"token with a space", Config{Token: "a b"}, []string{"--token must not contain spaces"}},
		{"bad generator", Config{Generators: []GeneratorConfig{{Topic: "a:b", Rate: 1}}}, []string{"--generator 1", "bad topic name"}},
		{"generator without rate", Config{Generators: []GeneratorConfig{{Topic: "a"}}}, []string{"rate must be > 0"}},
		{"too many generator topics", Config{MaxTopics: 1, Generators: []GeneratorConfig{{Topic: "a", Rate: 1}}},
			[]string{"--max-topics 1 is fewer than the 2 topics"}},
		{"cert without key", Config{TLSCertFile: "c.pem"}, []string{"--tls-cert and --tls-key go together"}},
		{"cert and self-signed", Config{TLSCertFile: "c", TLSKeyFile: "k", TLSSelfSigned: true}, []string{"exclude each other"}},
		{"TLS protocol without TLS", Config{Protocols: []string{ProtoH2}}, []string{"--protocols h2 needs a certificate"}},
		{"TLS with no TLS protocol", Config{TLSSelfSigned: true, Protocols: []string{ProtoH1}}, []string{"enables neither h1-tls nor h2"}},
		{"unknown protocol", Config{Protocols: []string{"h3"}}, []string{`unknown protocol "h3"`}},
		{"stdlib HTTP/2", Config{H2Engine: H2EngineStdlib}, nil},
		{"unknown HTTP/2 engine", Config{H2Engine: "fast"}, []string{`--h2-engine must be frames or stdlib, got "fast"`}},
		{"every problem at once", Config{Rate: -1, PayloadBytes: -1, Delay: -1, MaxBacklogBytes: -1, ShutdownTimeout: -1},
			[]string{"--rate", "--payload", "--delay", "--max-backlog", "--shutdown-timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error mentioning %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
			if _, err := New(tt.cfg); err == nil {
				t.Errorf("New accepted a config Validate rejects")
			}
		})
	}
}

func TestConfig_withDefaults(t *testing.T) {
	t.Parallel()
	got := Config{}.withDefaults()
	want := Config{Addr: DefaultAddr, MaxStreams: DefaultMaxStreams, MaxBacklogBytes: DefaultMaxBacklogBytes,
		ShutdownTimeout: DefaultShutdownTimeout, MaxTopics: DefaultMaxTopics, ReadHeaderTimeout: DefaultReadHeaderTimeout,
		MaxHeaderBytes: DefaultMaxHeaderBytes, MaxPublishBytes: DefaultMaxPublishBytes, SlowPolicy: SlowDisconnect,
		Protocols: []string{ProtoH1, ProtoH2C}, H2Engine: H2EngineFrames}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Config{}.withDefaults() = %+v, want %+v", got, want)
	}
	// The zero value keeps the first version's behaviour: no events, no
	// replay, no heartbeats, no retry field, a flush per event.
	if got.Rate != 0 || got.Replay != 0 || got.Heartbeat != 0 || got.Retry != 0 || got.FlushInterval != 0 {
		t.Errorf("withDefaults changed a field whose zero value has a meaning: %+v", got)
	}
	tlsGot := Config{TLSSelfSigned: true}.withDefaults().Protocols
	if want := []string{ProtoH1, ProtoH2C, ProtoH1TLS, ProtoH2}; !reflect.DeepEqual(tlsGot, want) {
		t.Errorf("Protocols with TLS = %v, want %v", tlsGot, want)
	}
}

func TestConfig_JSON(t *testing.T) {
	t.Parallel()
	in := `{"rate": 200, "heartbeat": "15s", "delay": 5000000, "flush_interval": "2ms",
		"generators": [{"topic": "news", "pattern": "burst", "burst_events": 10, "burst_interval": "1s"}],
		"protocols": ["h1"], "slow_policy": "drop", "h2_engine": "stdlib"}`
	// Keys the file does not have keep what was there: defaults.
	cfg := Config{PayloadBytes: 64, Replay: 1000}
	if err := json.Unmarshal([]byte(in), &cfg); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	want := Config{Rate: 200, PayloadBytes: 64, Replay: 1000, Heartbeat: 15 * time.Second, Delay: 5 * time.Millisecond,
		FlushInterval: 2 * time.Millisecond, Protocols: []string{"h1"}, SlowPolicy: SlowDrop, H2Engine: H2EngineStdlib,
		Generators: []GeneratorConfig{{Topic: "news", Pattern: PatternBurst, BurstEvents: 10, BurstInterval: time.Second}}}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("decoded %+v, want %+v", cfg, want)
	}
	out, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"heartbeat":"15s"`, `"delay":"5ms"`, `"burst_interval":"1s"`, `"rate":200`} {
		if !strings.Contains(string(out), w) {
			t.Errorf("Marshal = %s, want it to contain %s", out, w)
		}
	}
	var back Config
	if err := json.Unmarshal(out, &back); err != nil || !reflect.DeepEqual(back, cfg) {
		t.Errorf("round trip = %+v, %v; want %+v", back, err, cfg)
	}

	for _, bad := range []string{
		`{"rat": 5}`,            // misspelt key
		`{"heartbeat": "fast"}`, // not a duration
		`{"generators": [{"topic": "a", "x": 1}]}`, // misspelt key inside
		`{"rate": 1} {}`, // trailing data
	} {
		var c Config
		if err := json.Unmarshal([]byte(bad), &c); err == nil {
			t.Errorf("Unmarshal(%s) = nil, want an error", bad)
		}
	}
}

func TestParseGenerator(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    GeneratorConfig
		wantErr string
	}{
		{"topic=a,rate=100", GeneratorConfig{Topic: "a", Rate: 100, PayloadBytes: DefaultPayloadBytes}, ""},
		{"topic=b, rate=0.5, payload=1024, pattern=poisson, seed=7",
			GeneratorConfig{Topic: "b", Rate: 0.5, PayloadBytes: 1024, Pattern: PatternPoisson, Seed: 7}, ""},
		{"pattern=burst,burst=50,every=250ms",
			GeneratorConfig{Pattern: PatternBurst, BurstEvents: 50, BurstInterval: 250 * time.Millisecond, PayloadBytes: DefaultPayloadBytes}, ""},
		{"topic=a,rate", GeneratorConfig{}, "is not key=value"},
		{"topic=a,topic=b", GeneratorConfig{}, "topic given twice"},
		{"colour=red", GeneratorConfig{}, `unknown key "colour"`},
		{"rate=fast", GeneratorConfig{}, "rate: strconv.ParseFloat"},
		{"every=soon", GeneratorConfig{}, "every: time: invalid duration"},
	}
	for _, tt := range tests {
		got, err := ParseGenerator(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseGenerator(%q) error = %v, want it to contain %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseGenerator(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			continue
		}
		// String writes what ParseGenerator reads (with defaults spelt out).
		if back, err := ParseGenerator(got.String()); err != nil || back.String() != got.String() || back.Validate() != got.Validate() {
			t.Errorf("ParseGenerator(%q.String() = %q) = %+v, %v", tt.in, got.String(), back, err)
		}
	}
}

func TestGeneratorConfig_Validate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		g    GeneratorConfig
		want string // "" means valid
	}{
		{GeneratorConfig{Rate: 1}, ""},
		{GeneratorConfig{Pattern: PatternPoisson, Rate: 1000}, ""},
		{GeneratorConfig{Pattern: PatternBurst, BurstEvents: 3, BurstInterval: time.Second}, ""},
		{GeneratorConfig{Pattern: PatternBurst, BurstEvents: 3, BurstInterval: time.Second, Rate: 3}, "leave rate out"},
		{GeneratorConfig{Pattern: PatternBurst, BurstInterval: time.Second}, "burst must be between 1 and"},
		{GeneratorConfig{Pattern: PatternBurst, BurstEvents: 1}, "every must be > 0"},
		{GeneratorConfig{Rate: 1, BurstEvents: 3}, "burst and every are for pattern=burst"},
		{GeneratorConfig{Pattern: "sine", Rate: 1}, `pattern must be constant, poisson or burst, got "sine"`},
		{GeneratorConfig{Topic: "with space", Rate: 1}, "bad topic name"},
	}
	for _, tt := range tests {
		err := tt.g.Validate()
		if (err == nil) != (tt.want == "") || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v.Validate() = %v, want %q", tt.g, err, tt.want)
		}
	}
}
