package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestK8s_usage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", "url: http://sse.default.svc:8080/events\nsubscribers: 100\nthreshold: [\"fanout.p99 < 50ms\"]\n")
	noURL := write("nourl.yaml", "subscribers: 100\n")
	badKey := write("badkey.yaml", "url: http://a:1/events\nsubscriberz: 100\n")
	few := write("few.yaml", "url: http://a:1/events\nsubscribers: 3\n")
	for _, tt := range []struct {
		name     string
		args     []string
		wantCode int
		want     string // in stdout for 0, else in stderr
	}{
		{"renders", []string{"--scenario", good, "--shards", "4", "--image", "x"}, 0, "completionMode: Indexed"},
		{"thresholds left out", []string{"--scenario", good, "--shards", "4", "--image", "x"}, 0, "subscribers: 100\n---"},
		{"run flags", []string{"--scenario", good, "--shards", "2", "--image", "x", "--", "--connections", "3"}, 0, "- --connections\n            - \"3\""},
		{"no image", []string{"--scenario", good, "--shards", "4"}, exitUsage, "--image is required"},
		{"no scenario", []string{"--shards", "4", "--image", "x"}, exitUsage, "--scenario is required"},
		{"missing scenario", []string{"--scenario", filepath.Join(dir, "nope.yaml"), "--shards", "4", "--image", "x"}, exitUsage, "no such file"},
		{"no url", []string{"--scenario", noURL, "--shards", "2", "--image", "x"}, exitUsage, "the pods' run would fail"},
		{"bad key", []string{"--scenario", badKey, "--shards", "2", "--image", "x"}, exitUsage, "subscriberz"},
		{"too many shards", []string{"--scenario", few, "--shards", "4", "--image", "x"}, exitUsage, "fewer than its 4 shards"},
		{"bad run flag", []string{"--scenario", good, "--shards", "2", "--image", "x", "--", "--nope"}, exitUsage, "nope"},
		{"both starts", []string{"--scenario", good, "--shards", "2", "--image", "x", "--start-at", "2026-01-02T15:04:05Z", "--start-in", "1m"}, exitUsage, "give one"},
		{"collect nothing", []string{"collect"}, exitUsage, "needs the pods' logs"},
		{"collect no result", []string{"collect", good}, exitUsage, "no ssebench result"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			code := realMain(append([]string{"k8s"}, tt.args...), &out, &errOut)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, errOut.String())
			}
			got := errOut.String()
			if tt.wantCode == 0 {
				got = out.String()
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, got)
			}
			if tt.name == "thresholds left out" && strings.Contains(out.String(), "fanout.p99") {
				t.Errorf("the pods' scenario kept its thresholds:\n%s", out.String())
			}
		})
	}
}
