package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssebench/ssebench/reports/merge"
	"github.com/ssebench/ssebench/reports/result"
)

// dryRunConfig runs `ssebench run ARGS --dry-run` and returns the exit code,
// the config it would run and stderr.
func dryRunConfig(tb testing.TB, args ...string) (int, string, string) {
	tb.Helper()
	var out, errOut bytes.Buffer
	code := realMain(append(append([]string{"run"}, args...), "--dry-run"), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRun_shardFlags(t *testing.T) {
	const url = "http://127.0.0.1:1/events"
	for _, tt := range []struct {
		name     string
		env      string // JOB_COMPLETION_INDEX; "" unset
		args     []string
		wantCode int
		want     []string // in the dry run: this shard's share, and the whole run's scenario
		wantErr  string
	}{
		{name: "share", args: []string{"--shard", "1/4", "--subscribers", "10", "--connect-rate", "100", url},
			want: []string{"# this is shard 1 of 4; it runs subscribers 3, connect-rate 25/s\n", "subscribers: 10\n"}},
		{name: "stages", args: []string{"--shard", "3/4", "--stages", "10s:10,10s:10,5s:0", url},
			want: []string{"it runs subscribers 0, stages 10s:2,10s:2,5s:0\n", "stages: 10s:10,10s:10,5s:0\n"}},
		{name: "publish rate", args: []string{"--shard", "0/2", "--subscribers", "10", "--publish-url", "http://127.0.0.1:1/publish", "--publish-rate", "100", url},
			want: []string{"it runs subscribers 5, publish-rate 50/s\n", "publish-rate: 100/s\n"}},
		{name: "job index", env: "2", args: []string{"--shards", "4", "--subscribers", "20000", url},
			want: []string{"# this is shard 2 of 4; it runs subscribers 5000\n", "subscribers: 20000\n", "shards: 4\n"}},
		{name: "no job index", args: []string{"--shards", "4", url}, wantCode: exitUsage, wantErr: "JOB_COMPLETION_INDEX"},
		{name: "job index too high", env: "4", args: []string{"--shards", "4", url}, wantCode: exitUsage, wantErr: "the index must be 0 to 3"},
		{name: "both", env: "1", args: []string{"--shards", "4", "--shard", "1/4", url}, wantCode: exitUsage, wantErr: "give one"},
		{name: "bad shard", args: []string{"--shard", "4/4", url}, wantCode: exitUsage, wantErr: "the index must be 0 to 3"},
		{name: "embedded", args: []string{"--shard", "0/2"}, wantCode: exitUsage, wantErr: "needs a URL"},
		{name: "more shards than subscribers", args: []string{"--shard", "0/4", "--subscribers", "3", url}, wantCode: exitUsage, wantErr: "fewer than its 4 shards"},
		{name: "bad start", args: []string{"--start-at", "tomorrow", url}, wantCode: exitUsage, wantErr: "RFC 3339"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: t.Setenv.
			t.Setenv(envJobIndex, tt.env)
			if tt.env == "" {
				unsetenv(t, envJobIndex)
			}
			code, out, stderr := dryRunConfig(t, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, stderr)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want %q", stderr, tt.wantErr)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("dry run lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestRun_startAt runs a shard whose --start-at has passed: it runs at
// once, records the start and how late it was, and says so.
func TestRun_startAt(t *testing.T) {
	t.Parallel()
	base := serveInProcess(t, "--rate", "10")
	at := time.Now().Add(-2 * time.Second).UTC().Truncate(time.Second)
	var out, errOut bytes.Buffer
	code := realMain([]string{"run", "--shard", "0/2", "--subscribers", "4", "--duration", "300ms", "--quiet", "--format", "json",
		"--start-at", at.Format(time.RFC3339), base + "/events"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var r struct {
		Shard struct {
			Index, Count     int
			TotalSubscribers int       `json:"total_subscribers"`
			StartAt          time.Time `json:"start_at"`
			LateMS           float64   `json:"late_ms"`
		} `json:"shard"`
		Warnings []string `json:"warnings"`
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if !r.Shard.StartAt.Equal(at) || r.Shard.LateMS < 2000 || r.Shard.Count != 2 || r.Shard.TotalSubscribers != 4 {
		t.Errorf("shard = %+v, want start_at %s, late_ms >= 2000, 2 shards of 4 subscribers", r.Shard, at)
	}
	if !strings.Contains(strings.Join(r.Warnings, "\n"), "after --start-at") {
		t.Errorf("warnings = %q, want one saying the shard started late", r.Warnings)
	}
}

// unsetenv unsets key for the test; t.Setenv before it restores the value.
func unsetenv(tb testing.TB, key string) {
	tb.Helper()
	if err := os.Unsetenv(key); err != nil {
		tb.Fatal(err)
	}
}

// serveInProcess runs `ssebench serve` in this process on a free loopback
// port until the test ends, and returns its base URL.
func serveInProcess(tb testing.TB, args ...string) string {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- cmdServe(ctx, append([]string{"--addr", "127.0.0.1:0", "--shutdown-timeout", "1s"}, args...), io.Discard, &stderr)
	}()
	tb.Cleanup(func() {
		cancel()
		<-done
	})
	return "http://" + listenAddr(tb, stderr.String)
}

// TestShards_publisherMode runs two shards in publisher mode against one
// server: each publishes its half of the rate with its own run id and
// times only its own events, so each shard's fan-out count is exactly its
// subscribers times its own published events, although every subscriber
// receives both shards' events; the merge adds them up exactly.
func TestShards_publisherMode(t *testing.T) {
	t.Parallel()
	base := serveInProcess(t, "--rate", "0")
	const shards, subs = 2, 10
	at := time.Now().Add(time.Second).UTC().Format(time.RFC3339)
	reps := make([]*result.Report, shards)
	var wg sync.WaitGroup
	errs := make([]string, shards)
	for i := range shards {
		wg.Go(func() {
			var out, errOut bytes.Buffer
			code := cmdRunCode(context.Background(), []string{"--shard", fmt.Sprintf("%d/%d", i, shards), "--subscribers", fmt.Sprint(subs),
				"--duration", "1s", "--publish-url", base + "/publish?topic=default", "--publish-rate", "20",
				"--start-at", at, "--quiet", "--format", "json", base + "/events"}, &out, &errOut)
			if code != 0 {
				errs[i] = fmt.Sprintf("shard %d exit %d: %s", i, code, errOut.String())
				return
			}
			r, err := result.Read(&out)
			if err != nil {
				errs[i] = err.Error()
				return
			}
			reps[i] = r
		})
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Fatal(e)
		}
	}
	var in []merge.Input
	var sent uint64
	for i, r := range reps {
		if r.Publish == nil || r.Publish.Sent == 0 {
			t.Fatalf("shard %d published nothing", i)
		}
		if got, want := r.LatencyUS.Fanout.Count, int64(r.Subscribers.Connected)*int64(r.Publish.Sent); got != want {
			t.Errorf("shard %d: fan-out count %d, want its %d subscribers × its %d events = %d", i, got, r.Subscribers.Connected, r.Publish.Sent, want)
		}
		if r.Shard.TotalPublishRate != 20 {
			t.Errorf("shard %d: total publish rate %g, want 20", i, r.Shard.TotalPublishRate)
		}
		sent += r.Publish.Sent
		in = append(in, merge.Input{Report: r})
	}
	m, err := merge.Merge(in, merge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.LatencyUS.Fanout.Count, int64(subs/shards)*int64(sent); got != want {
		t.Errorf("merged fan-out count %d, want %d", got, want)
	}
	if m.Publish.Sent != sent || m.DeliveryRatio == nil || *m.DeliveryRatio != 1 {
		t.Errorf("merged publish %+v, delivery ratio %v; want %d sent, ratio 1", m.Publish, m.DeliveryRatio, sent)
	}
}

// cmdRunCode runs `ssebench run` in this process and returns its exit code.
func cmdRunCode(ctx context.Context, args []string, stdout, stderr *bytes.Buffer) int {
	return exitCode(cmdRun(ctx, args, stdout, stderr), stderr)
}
