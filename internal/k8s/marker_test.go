package k8s

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

func TestExtract(t *testing.T) {
	t.Parallel()
	rep := func(i int) *result.Report {
		return &result.Report{Schema: result.Schema, Target: "http://a/events", Started: time.Unix(int64(i), 0).UTC(),
			Shard: &result.Shard{Index: i, Count: 2}, Warnings: []string{}}
	}
	var one, two bytes.Buffer
	_ = WriteMarked(&one, rep(0))
	_ = WriteMarked(&two, rep(1))
	prefixed := func(p, s string) string {
		lines := strings.SplitAfter(s, "\n")
		return p + strings.Join(lines[:len(lines)-1], p)
	}
	// stamped puts prefix and a different timestamp before every line.
	stamped := func(prefix, s string) string {
		var b strings.Builder
		for i, l := range strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n") {
			ts := time.Date(2026, 1, 2, 15, 4, 5, i*1000, time.UTC).Format(time.RFC3339Nano)
			b.WriteString(prefix + ts + " " + l)
		}
		return b.String() + "\n"
	}
	for _, tt := range []struct {
		name    string
		log     string
		want    []int
		wantErr string
	}{
		{"plain", "summary\n" + one.String() + "more output\n", []int{0}, ""},
		{"two", one.String() + two.String(), []int{0, 1}, ""},
		{"kubectl --prefix", prefixed("[pod/ssebench-0-x/ssebench] ", one.String()) + prefixed("[pod/ssebench-1-y/ssebench] ", two.String()), []int{0, 1}, ""},
		{"kubectl --timestamps", stamped("", one.String()), []int{0}, ""},
		{"kubectl --prefix --timestamps", stamped("[pod/ssebench-1-y/ssebench] ", two.String()), []int{1}, ""},
		{"crlf", strings.ReplaceAll(one.String(), "\n", "\r\n"), []int{0}, ""},
		{"none", "ssebench: cannot connect\n", nil, "no ssebench result"},
		{"cut short", one.String()[:len(one.String())-40], nil, "never ends"},
		{"garbage", BeginMarker + "\n{not json\n" + EndMarker + "\n", nil, "not a ssebench run result"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Extract(strings.NewReader(tt.log))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Extract error = %v, want %q", err, tt.wantErr)
				}
				if tt.name == "none" && !errors.Is(err, ErrNoResult) {
					t.Errorf("error %v is not ErrNoResult", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d results, want %d", len(got), len(tt.want))
			}
			for i, r := range got {
				if r.Shard == nil || r.Shard.Index != tt.want[i] || !r.Started.Equal(time.Unix(int64(tt.want[i]), 0)) {
					t.Errorf("result %d = %+v, want shard %d", i, r.Shard, tt.want[i])
				}
			}
		})
	}
}

// FuzzExtract checks that no log makes Extract panic, and that it returns
// either results or an error, never neither.
func FuzzExtract(f *testing.F) {
	var one bytes.Buffer
	_ = WriteMarked(&one, &result.Report{Schema: result.Schema, Shard: &result.Shard{Index: 1, Count: 2}})
	f.Add(one.String())
	f.Add("x " + BeginMarker + "\nx {}\nx " + EndMarker + "\n")
	f.Add(BeginMarker + "\n" + BeginMarker + "\n" + EndMarker)
	f.Add("")
	f.Fuzz(func(t *testing.T, log string) {
		reps, err := Extract(strings.NewReader(log))
		if (err == nil) == (len(reps) == 0) {
			t.Fatalf("Extract = %d results, error %v; want one or the other", len(reps), err)
		}
		for _, r := range reps {
			if r == nil {
				t.Fatal("a nil result")
			}
		}
	})
}
