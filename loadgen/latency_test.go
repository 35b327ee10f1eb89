package loadgen

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLatencyOptions_validate(t *testing.T) {
	t.Parallel()
	ok := LatencyOptions{PublishURL: "http://127.0.0.1:1/pub"}
	with := func(f func(o *LatencyOptions)) LatencyOptions { o := ok; f(&o); return o }
	tests := []struct {
		name string
		o    LatencyOptions
		want string // substring of the error; "" = valid
	}{
		{"zero", LatencyOptions{}, ""},
		{"stamp only", LatencyOptions{Latency: nsStamp}, ""},
		{"publisher", ok, ""},
		{"https", with(func(o *LatencyOptions) { o.PublishURL = "https://example.com/pub?c=1" }), ""},
		{"all set", with(func(o *LatencyOptions) {
			o.PublishMethod, o.PublishHeader, o.PublishBody = "PUT", RequestHeader{"Authorization": {"Bearer x"}, "Host": {"pub.example"}}, "{marker}"
			o.PublishRate, o.PublishConcurrency, o.PublishTimeout, o.PublishDrain = 0.5, 2, time.Second, time.Second
		}), ""},
		{"rate without url", LatencyOptions{PublishRate: 5}, "need --publish-url"},
		{"stamp and publisher", with(func(o *LatencyOptions) { o.Latency = nsStamp }), "cannot be used with --publish-url"},
		{"bad scheme", with(func(o *LatencyOptions) { o.PublishURL = "ws://x/" }), "want http[s]://"},
		{"bad method", with(func(o *LatencyOptions) { o.PublishMethod = "PO ST" }), "--publish-method"},
		{"bad header name", with(func(o *LatencyOptions) { o.PublishHeader = RequestHeader{"Bad Name": {"x"}} }), "--publish-header"},
		{"bad header value", with(func(o *LatencyOptions) { o.PublishHeader = RequestHeader{"X-A": {"a\nb"}} }), "--publish-header"},
		{"bad body", with(func(o *LatencyOptions) { o.PublishBody = "{seq}" }), "--publish-body"},
		{"negative rate", with(func(o *LatencyOptions) { o.PublishRate = -1 }), "--publish-rate"},
		{"huge rate", with(func(o *LatencyOptions) { o.PublishRate = 1e9 }), "--publish-rate"},
		{"negative concurrency", with(func(o *LatencyOptions) { o.PublishConcurrency = -1 }), "--publish-concurrency"},
		{"negative timeout", with(func(o *LatencyOptions) { o.PublishTimeout = -1 }), "--publish-timeout"},
		{"negative drain", with(func(o *LatencyOptions) { o.PublishDrain = -1 }), "--publish-drain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := errors.Join(tt.o.validate()...)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestLatencyOptions_configEcho(t *testing.T) {
	t.Parallel()
	cfg := Config{URL: "http://x/", LatencyOptions: LatencyOptions{
		PublishURL: "http://x/pub", PublishRate: 5, PublishDrain: time.Second,
		PublishHeader: RequestHeader{"Authorization": {"Bearer secret"}, "X-Channel": {"a"}},
	}}
	b, err := json.Marshal(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{`"publish_url":"http://x/pub"`, `"publish_rate":5`, `"publish_drain":"1s"`,
		`"publish_header":{`, `"Authorization":["[redacted]"]`, `"X-Channel":["a"]`} {
		if !strings.Contains(got, want) {
			t.Errorf("config echo %s lacks %s", got, want)
		}
	}
	if strings.Contains(got, "secret") {
		t.Errorf("config echo %s leaks the publish credential", got)
	}
	b, _ = json.Marshal(&Config{URL: "http://x/"})
	if strings.Contains(string(b), "publish_") {
		t.Errorf("config echo without publisher mode %s has publish_ keys, want none", b)
	}
}
