package loadgen

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// targetServers lists a server per protocol the request options must work
// over: cleartext for h1 and h2c, TLS for h1 and h2.
func targetServers(t *testing.T, h http.Handler) []struct{ proto, url, ca string } {
	t.Helper()
	clear := startServer(t, h)
	tlsURL, ca := startTLSServer(t, h, true)
	return []struct{ proto, url, ca string }{
		{ProtocolH1, clear, ""},
		{ProtocolH2C, clear, ""},
		{ProtocolH1, tlsURL, ca},
		{ProtocolH2, tlsURL, ca},
	}
}

func TestRun_requestOptionsReachServer(t *testing.T) {
	t.Parallel()
	type seen struct{ method, body, token, accept, ua, host, proto string }
	var mu sync.Mutex
	got := map[string][]seen{} // by URL scheme + protocol
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		key := r.Header.Get("X-Case")
		got[key] = append(got[key], seen{r.Method, string(b), r.Header.Get("X-Token"), r.Header.Get("Accept"), r.Header.Get("User-Agent"), r.Host, r.Proto})
		mu.Unlock()
		sseHeaders(w)
		<-r.Context().Done()
	})
	for _, srv := range targetServers(t, h) {
		name := srv.proto + "/" + strings.SplitN(srv.url, ":", 2)[0]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			hdr := RequestHeader{}
			hdr.Add("X-Token", "t0k3n")
			hdr.Add("X-Case", name)
			hdr.Add("User-Agent", "custom/1") // replaces ssebench's own
			hdr.Add("Host", "sse.example")
			const subs = 3
			rep, err := run(t, t.Context(), Config{
				URL: srv.url, Protocol: srv.proto, Subscribers: subs, Duration: 200 * time.Millisecond,
				TargetOptions: TargetOptions{Method: http.MethodPost, Body: `{"topic":"a"}`, Header: hdr, CAFile: srv.ca},
			})
			if err != nil {
				t.Fatalf("Run: %v (errors %v %v)", err, rep.Errors, rep.ErrorSamples)
			}
			if got, want := rep.Subscribers.Connected, subs; got != want {
				t.Errorf("connected = %d, want %d (errors %v)", got, want, rep.ErrorSamples)
			}
			mu.Lock()
			defer mu.Unlock()
			if got, want := len(got[name]), subs; got != want {
				t.Fatalf("server saw %d requests, want %d", got, want)
			}
			wantProto := "HTTP/1.1"
			if srv.proto != ProtocolH1 {
				wantProto = "HTTP/2.0"
			}
			want := seen{"POST", `{"topic":"a"}`, "t0k3n", "text/event-stream", "custom/1", "sse.example", wantProto}
			for _, g := range got[name] {
				if g != want {
					t.Errorf("server saw %+v, want %+v", g, want)
				}
			}
			if got := rep.Transport.Negotiated; got != wantProto {
				t.Errorf("transport.negotiated = %q, want %q", got, wantProto)
			}
		})
	}
}

func TestConfig_Validate_target(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := writeFile(t, dir, "ca.pem", certPEM(t, newTestCert(t, "ca", nil)))
	junk := writeFile(t, dir, "junk.pem", []byte("not a certificate"))
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error; "" = valid
	}{
		{"https ok", Config{URL: "https://127.0.0.1:1/events"}, ""},
		{"h2 https ok", Config{URL: "https://127.0.0.1:1/", Protocol: ProtocolH2, TargetOptions: TargetOptions{CAFile: ca}}, ""},
		{"h2 needs https", Config{URL: "http://127.0.0.1:1/", Protocol: ProtocolH2}, "--protocol h2 is HTTP/2 over TLS and needs an https:// URL"},
		{"h2c needs http", Config{URL: "https://127.0.0.1:1/", Protocol: ProtocolH2C}, "--protocol h2c is cleartext HTTP/2 and needs an http:// URL"},
		{"bad method", Config{URL: "http://x/", TargetOptions: TargetOptions{Method: "GET /"}}, "--method"},
		{"bad header name", Config{URL: "http://x/", TargetOptions: TargetOptions{Header: RequestHeader{"X Y": {"1"}}}}, "--header"},
		{"bad header value", Config{URL: "http://x/", TargetOptions: TargetOptions{Header: RequestHeader{"X": {"a\nb"}}}}, "--header"},
		{"insecure on http", Config{URL: "http://x/", TargetOptions: TargetOptions{Insecure: true}}, "--insecure applies to https:// URLs only"},
		{"ca on http", Config{URL: "http://x/", TargetOptions: TargetOptions{CAFile: ca}}, "--ca applies to https://"},
		{"insecure and ca", Config{URL: "https://x/", TargetOptions: TargetOptions{Insecure: true, CAFile: ca}}, "--insecure and --ca contradict"},
		{"missing ca", Config{URL: "https://x/", TargetOptions: TargetOptions{CAFile: dir + "/nope.pem"}}, "--ca: open"},
		{"junk ca", Config{URL: "https://x/", TargetOptions: TargetOptions{CAFile: junk}}, "no PEM certificate"},
		{"cert without key", Config{URL: "https://x/", TargetOptions: TargetOptions{CertFile: ca}}, "--cert needs --key"},
		{"key without cert", Config{URL: "https://x/", TargetOptions: TargetOptions{KeyFile: ca}}, "--key needs --cert"},
		{"bad cert pair", Config{URL: "https://x/", TargetOptions: TargetOptions{CertFile: ca, KeyFile: junk}}, "--cert/--key"},
		{"source ips syntax", Config{URL: "http://127.0.0.1:1/", TargetOptions: TargetOptions{SourceIPs: "127.0.0.2-"}}, "--source-ips"},
		{"source ips not loopback", Config{URL: "http://127.0.0.1:1/", TargetOptions: TargetOptions{SourceIPs: "192.0.2.1"}}, "--source-ips: 192.0.2.1 is not a loopback address"},
		{"source ips localhost", Config{URL: "http://localhost:1/", TargetOptions: TargetOptions{SourceIPs: "127.0.0.2-127.0.0.4"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkValidate(t, tt.cfg.Validate(), tt.want)
		})
	}
}

func TestRequestHeader_MarshalJSON_redactsCredentials(t *testing.T) {
	t.Parallel()
	h := RequestHeader{}
	h.Add("Authorization", "Bearer secret")
	h.Add("X-Api-Key", "k")
	h.Add("X-Trace", "visible")
	b, err := json.Marshal(Config{TargetOptions: TargetOptions{Header: h}})
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, leak := range []string{"Bearer secret", `"k"`} {
		if strings.Contains(got, leak) {
			t.Errorf("config echo %s leaks %s", got, leak)
		}
	}
	if !strings.Contains(got, `"header":{`) || !strings.Contains(got, `"X-Trace":["visible"]`) || !strings.Contains(got, `"Authorization":["[redacted]"]`) {
		t.Errorf("config echo %s, want flat \"header\" with X-Trace visible and Authorization redacted", got)
	}
	if h["Authorization"][0] != "Bearer secret" {
		t.Error("MarshalJSON changed the header itself")
	}
}
