package main

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/reports/result"
)

func TestLatencyFlags_apply(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		source string // cfg.Latency.Name(); "" = nil
		check  func(t *testing.T, o loadgen.LatencyOptions)
		err    string // substring of a usage error
	}{
		{name: "default", source: "reference"},
		{name: "reference", args: []string{"--latency", "reference"}, source: "reference"},
		{name: "none", args: []string{"--latency", "none"}},
		{name: "json", args: []string{"--latency", "json:meta.sent_at:ms"}, source: "json:meta.sent_at:ms"},
		{name: "json guessed unit", args: []string{"--latency", "json:ts"}, source: "json:ts"},
		{name: "publisher implied", args: []string{"--publish-url", "http://127.0.0.1:1/pub"}, check: func(t *testing.T, o loadgen.LatencyOptions) {
			if o.PublishURL != "http://127.0.0.1:1/pub" || o.PublishRate != loadgen.DefaultPublishRate || o.PublishMethod != "POST" || o.PublishBody != loadgen.DefaultPublishBody {
				t.Errorf("options = %+v, want the URL and the defaults", o)
			}
		}},
		{name: "publisher explicit", args: []string{"--latency", "publisher", "--publish-url", "http://h/p", "--publish-rate", "600/m",
			"--publish-header", "Authorization: Bearer x", "--publish-header", "X-A: 1", "--publish-method", "PUT", "--publish-body", "m={marker}",
			"--publish-concurrency", "3", "--publish-timeout", "2s", "--publish-drain", "500ms"}, check: func(t *testing.T, o loadgen.LatencyOptions) {
			want := loadgen.LatencyOptions{PublishURL: "http://h/p", PublishRate: 10, PublishHeader: loadgen.RequestHeader{"Authorization": {"Bearer x"}, "X-A": {"1"}},
				PublishMethod: "PUT", PublishBody: "m={marker}", PublishConcurrency: 3, PublishTimeout: 2 * time.Second, PublishDrain: 500 * time.Millisecond}
			if o.PublishURL != want.PublishURL || o.PublishRate != want.PublishRate || !reflect.DeepEqual(o.PublishHeader, want.PublishHeader) ||
				o.PublishMethod != want.PublishMethod || o.PublishBody != want.PublishBody || o.PublishConcurrency != want.PublishConcurrency ||
				o.PublishTimeout != want.PublishTimeout || o.PublishDrain != want.PublishDrain {
				t.Errorf("options = %+v, want %+v", o, want)
			}
		}},
		{name: "rate per second suffix", args: []string{"--publish-url", "http://h/p", "--publish-rate", "250/s"}, check: func(t *testing.T, o loadgen.LatencyOptions) {
			if o.PublishRate != 250 {
				t.Errorf("rate = %g, want 250", o.PublishRate)
			}
		}},
		{name: "unknown source", args: []string{"--latency", "server"}, err: "want reference, json:PATH[:UNIT], publisher or none"},
		{name: "bad json unit", args: []string{"--latency", "json:ts:h"}, err: "unknown unit"},
		{name: "publisher without url", args: []string{"--latency", "publisher"}, err: "needs --publish-url"},
		{name: "publish flag without url", args: []string{"--publish-rate", "5"}, err: "--publish-rate needs --publish-url"},
		{name: "json with publisher", args: []string{"--latency", "json:ts", "--publish-url", "http://h/p"}, err: "cannot be used with --publish-url"},
		{name: "none with publisher", args: []string{"--latency", "none", "--publish-url", "http://h/p"}, err: "cannot be used with --publish-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := newFlagSet("run", "", "", io.Discard)
			l := addLatencyFlags(fs)
			if _, err := parseFlags(fs, tt.args); err != nil {
				t.Fatalf("parse %q: %v", tt.args, err)
			}
			var cfg loadgen.Config
			err := l.apply(&cfg)
			if tt.err != "" {
				var ce *codeError
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.As(err, &ce) || ce.code != exitUsage {
					t.Errorf("apply() = %v, want a usage error containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("apply() = %v", err)
			}
			got := ""
			if cfg.Latency != nil {
				got = cfg.Latency.Name()
			}
			if got != tt.source {
				t.Errorf("source = %q, want %q", got, tt.source)
			}
			if tt.check != nil {
				tt.check(t, cfg.LatencyOptions)
			}
			if cfg.Latency != nil && cfg.PublishURL != "" {
				t.Errorf("source %q with publisher mode: want one or the other", cfg.Latency.Name())
			}
		})
	}
}

func TestRun_publishURLBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad rate", []string{"run", "--publish-url", "http://h/p", "--publish-rate", "fast"}, `--publish-rate: "fast": want a positive rate`},
		{"zero rate", []string{"run", "--publish-url", "http://h/p", "--publish-rate", "0"}, "positive rate"},
		{"NaN rate", []string{"run", "--publish-url", "http://h/p", "--publish-rate", "NaN"}, "positive rate"},
		{"infinite rate", []string{"run", "--publish-url", "http://h/p", "--publish-rate", "+Inf/s"}, "positive rate"},
		{"bad header", []string{"run", "--publish-url", "http://h/p", "--publish-header", "nocolon"}, "Key: Value"},
		{"missing body file", []string{"run", "--publish-url", "http://h/p", "--publish-body", "@/nonexistent/body.json"}, "--publish-body"},
		{"no marker", []string{"run", "--publish-url", "http://h/p", "--publish-body", `{"x":1}`}, "{marker}"},
		{"bad scheme", []string{"run", "--publish-url", "ftp://h/p"}, "--publish-url"},
		{"embedded with a URL", []string{"run", "--publish-url", "embedded", "http://127.0.0.1:1/events"}, "--publish-url embedded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if code := realMain(tt.args, &stdout, &stderr); code != exitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitUsage, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.want)
			}
		})
	}
}

// TestRun_publishEmbedded is publisher mode against the reference server's
// POST /publish, with its generator off: every event the subscribers get
// is one ssebench published.
func TestRun_publishEmbedded(t *testing.T) {
	t.Parallel()
	const subs, rate = 20, 50
	out := filepath.Join(t.TempDir(), "r.json")
	args := []string{"run", "--rate", "0", "--publish-url", "embedded", "--publish-rate", "50", "--subscribers", "20", "--duration", "1s", "--quiet", "--out", out}
	var stdout, stderr bytes.Buffer
	if code := realMain(args, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	rep, err := result.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if rep.LatencySource != "publisher" {
		t.Errorf("latency_source = %q, want publisher", rep.LatencySource)
	}
	if p := rep.Publish; p == nil || p.Sent != rate || p.Failed != 0 {
		t.Fatalf("publish = %+v, want %d sent, 0 failed (warnings %q)", p, rate, rep.Warnings)
	}
	if rep.DeliveryRatio == nil || *rep.DeliveryRatio != 1 {
		t.Errorf("delivery_ratio = %v, want 1 (warnings %q)", rep.DeliveryRatio, rep.Warnings)
	}
	if got, want := rep.LatencyUS.Fanout.Count, int64(subs*rate); got != want {
		t.Errorf("fanout count = %d, want %d", got, want)
	}
}

func TestHelp_documentsLatencyFlags(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := realMain([]string{"run", "-h"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("run -h exit %d", code)
	}
	for _, want := range []string{"--latency source", "json:PATH[:UNIT]", "< 1e11 s, < 1e14 ms, < 1e17 us, else ns",
		"--publish-url URL", "--publish-method", "--publish-header", "--publish-body", "{marker}", "--publish-rate N", "(default 10/s)",
		"--publish-concurrency", "--publish-timeout", "--publish-drain"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("run -h lacks %q", want)
		}
	}
}
