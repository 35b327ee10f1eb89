package loadgen

import (
	"strings"
	"testing"
	"time"
)

// TestRun_publisher_tls: the publisher trusts what the subscribers trust.
// Against a server whose certificate only --ca (or --insecure) vouches for,
// every publish must go through, as every subscription does.
func TestRun_publisher_tls(t *testing.T) {
	t.Parallel()
	events, ca := startTLSServer(t, &pubsub{}, true)
	publish := strings.TrimSuffix(events, "/events") + "/publish"
	for _, tt := range []struct {
		name string
		opts TargetOptions
	}{
		{"--ca", TargetOptions{CAFile: ca}},
		{"--insecure", TargetOptions{Insecure: true}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const rate = 20
			rep, err := run(t, t.Context(), Config{URL: events, Protocol: ProtocolH1, Subscribers: 2, Duration: time.Second,
				TargetOptions:  tt.opts,
				LatencyOptions: LatencyOptions{PublishURL: publish, PublishRate: rate}})
			if err != nil {
				t.Fatal(err)
			}
			p := rep.Publish
			if p == nil {
				t.Fatal("no publish figures")
			}
			if p.Sent != rate || p.Failed != 0 {
				t.Errorf("publish sent = %d, failed = %d; want %d, 0 (warnings: %q)", p.Sent, p.Failed, rate, rep.Warnings)
			}
		})
	}
}
