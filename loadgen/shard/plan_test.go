package shard

import (
	"errors"
	"testing"
	"time"

	"github.com/ssebench/ssebench/loadgen"
)

func TestParse(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in      string
		want    Plan
		wantErr bool
	}{
		{"0/4", Plan{0, 4}, false},
		{" 3 / 4 ", Plan{3, 4}, false},
		{"0/1", Plan{0, 1}, false},
		{"4/4", Plan{}, true},
		{"-1/4", Plan{}, true},
		{"0/0", Plan{}, true},
		{"1", Plan{}, true},
		{"a/4", Plan{}, true},
		{"0/1000001", Plan{}, true},
	} {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrBadPlan) {
					t.Fatalf("Parse(%q) error = %v, want ErrBadPlan", tt.in, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

// TestPlan_Share checks that every subscriber number belongs to exactly one
// shard and that the shares sum to the whole, for many sizes.
func TestPlan_Share(t *testing.T) {
	t.Parallel()
	for count := 1; count <= 9; count++ {
		for n := 0; n <= 40; n++ {
			sum := 0
			for i := range count {
				p := Plan{Index: i, Count: count}
				want := 0
				for j := range n {
					if j%count == i {
						want++
					}
				}
				if got := p.Share(n); got != want {
					t.Fatalf("Plan%v.Share(%d) = %d, want %d", p, n, got, want)
				}
				sum += p.Share(n)
			}
			if sum != n {
				t.Fatalf("shares of %d over %d shards sum to %d", n, count, sum)
			}
		}
	}
}

func TestPlan_Apply(t *testing.T) {
	t.Parallel()
	stages := loadgen.Stages{{Duration: 10 * time.Second, Target: 10}, {Duration: 20 * time.Second, Target: 10}, {Duration: 5 * time.Second, Target: 0}}
	for _, tt := range []struct {
		name      string
		cfg       loadgen.Config
		plan      Plan
		wantSubs  int
		wantRate  float64
		wantPub   float64
		wantStage []int
		wantErr   bool
	}{
		{name: "subscribers", cfg: loadgen.Config{Subscribers: 20000}, plan: Plan{1, 4}, wantSubs: 5000},
		{name: "uneven", cfg: loadgen.Config{Subscribers: 10}, plan: Plan{1, 4}, wantSubs: 3},
		{name: "uneven last", cfg: loadgen.Config{Subscribers: 10}, plan: Plan{3, 4}, wantSubs: 2},
		{name: "default subscribers", cfg: loadgen.Config{}, plan: Plan{0, 3}, wantSubs: 334},
		{name: "connect rate", cfg: loadgen.Config{Subscribers: 100, ShapeOptions: loadgen.ShapeOptions{ConnectRate: 400}}, plan: Plan{0, 4}, wantSubs: 25, wantRate: 100},
		{name: "publish rate", cfg: loadgen.Config{Subscribers: 100, LatencyOptions: loadgen.LatencyOptions{PublishURL: "http://x/p", PublishRate: 100}}, plan: Plan{2, 4}, wantSubs: 25, wantPub: 25},
		{name: "default publish rate", cfg: loadgen.Config{Subscribers: 100, LatencyOptions: loadgen.LatencyOptions{PublishURL: "http://x/p"}}, plan: Plan{0, 2}, wantSubs: 50, wantPub: loadgen.DefaultPublishRate / 2},
		{name: "stages", cfg: loadgen.Config{ShapeOptions: loadgen.ShapeOptions{Stages: stages}}, plan: Plan{3, 4}, wantStage: []int{2, 2, 0}},
		{name: "too few subscribers", cfg: loadgen.Config{Subscribers: 3}, plan: Plan{0, 4}, wantErr: true},
		{name: "bad plan", cfg: loadgen.Config{Subscribers: 3}, plan: Plan{4, 4}, wantErr: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			cfg.Stages = append(loadgen.Stages(nil), tt.cfg.Stages...)
			sh, err := tt.plan.Apply(&cfg)
			if tt.wantErr {
				if !errors.Is(err, ErrBadPlan) {
					t.Fatalf("Apply error = %v, want ErrBadPlan", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sh.Index != tt.plan.Index || sh.Count != tt.plan.Count {
				t.Errorf("shard = %+v, want %v", sh, tt.plan)
			}
			if tt.wantStage != nil {
				for i, st := range cfg.Stages {
					if st.Target != tt.wantStage[i] || st.Duration != stages[i].Duration {
						t.Errorf("stage %d = %+v, want target %d over %s", i, st, tt.wantStage[i], stages[i].Duration)
					}
				}
				if sh.TotalStages != stages.String() || sh.TotalSubscribers != 10 {
					t.Errorf("shard = %+v, want total stages %q and 10 subscribers", sh, stages)
				}
				return
			}
			if cfg.Subscribers != tt.wantSubs {
				t.Errorf("Subscribers = %d, want %d", cfg.Subscribers, tt.wantSubs)
			}
			if cfg.ConnectRate != tt.wantRate {
				t.Errorf("ConnectRate = %g, want %g", cfg.ConnectRate, tt.wantRate)
			}
			if cfg.PublishRate != tt.wantPub {
				t.Errorf("PublishRate = %g, want %g", cfg.PublishRate, tt.wantPub)
			}
			if err := cfg.Validate(); tt.cfg.URL != "" && err != nil {
				t.Errorf("Validate after Apply: %v", err)
			}
		})
	}
}

// FuzzParse checks that Parse accepts exactly the valid plans and that
// what it accepts prints back the same.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0/4", "3/4", "4/4", "-1/2", "1", "a/b", " 1 / 2 ", "0/100000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrBadPlan) {
				t.Fatalf("Parse(%q) error %v does not wrap ErrBadPlan", s, err)
			}
			return
		}
		if p.Validate() != nil {
			t.Fatalf("Parse(%q) = %v, which does not validate", s, p)
		}
		if q, err := Parse(p.String()); err != nil || q != p {
			t.Fatalf("Parse(%q) = %v; its String %q parses to %v, %v", s, p, p.String(), q, err)
		}
	})
}
