package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestRun_targetFlagsReachServer(t *testing.T) {
	type seen struct {
		method, body string
		values       []string
	}
	var (
		mu  sync.Mutex
		got []seen
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, string(b), r.Header.Values("X-Topic")})
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(ts.Close)
	body := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(body, []byte(`{"subscribe":"news"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	args := []string{"run", "--subscribers", "2", "--duration", "100ms", "--quiet",
		"--method", "POST", "--header", "X-Topic: a", "--header", "X-Topic:b", "--body", "@" + body, ts.URL + "/events"}
	if code := realMain(args, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("server saw %d requests, want 2", len(got))
	}
	for _, g := range got {
		if g.method != "POST" || g.body != `{"subscribe":"news"}` || !slices.Equal(g.values, []string{"a", "b"}) {
			t.Errorf("server saw %+v, want POST with the file's body and X-Topic a, b", g)
		}
	}
}

func TestRun_targetFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string // in stderr
	}{
		{"h2 on http", []string{"--protocol", "h2", "http://127.0.0.1:1/"}, exitUsage, "--protocol h2 is HTTP/2 over TLS and needs an https:// URL"},
		{"h2c on https", []string{"--protocol", "h2c", "https://127.0.0.1:1/"}, exitUsage, "needs an http:// URL"},
		{"header without colon", []string{"--header", "X-Topic", "http://127.0.0.1:1/"}, exitUsage, "want 'Key: Value'"},
		{"body file missing", []string{"--body", "@/nonexistent/body", "http://127.0.0.1:1/"}, exitUsage, "no such file"},
		{"bad method", []string{"--method", "GET X", "http://127.0.0.1:1/"}, exitUsage, "--method"},
		{"ca on http", []string{"--ca", "/etc/hostname", "http://127.0.0.1:1/"}, exitUsage, "--ca applies to https:// URLs only"},
		{"cert without key", []string{"--cert", "c.pem", "https://127.0.0.1:1/"}, exitUsage, "--cert needs --key"},
		{"source ips syntax", []string{"--source-ips", "127.0.0.2..9", "http://127.0.0.1:1/"}, exitUsage, "--source-ips"},
		{"source ips off loopback", []string{"--source-ips", "192.0.2.1", "http://127.0.0.1:1/"}, exitUsage, "not a loopback address"},
		{"too many for limits", []string{"--subscribers", "100000000", "http://127.0.0.1:1/"}, exitUsage, "at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := realMain(append([]string{"run", "--quiet", "--duration", "100ms"}, tt.args...), &stdout, &stderr)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.want)
			}
		})
	}
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		in, name, value string
		ok              bool
	}{
		{"Authorization: Bearer x", "Authorization", "Bearer x", true},
		{"X-A:1", "X-A", "1", true},
		{"  X-A :  spaced  ", "X-A", "spaced", true},
		{"X-Empty:", "X-Empty", "", true},
		{"X-Url: http://a:b/", "X-Url", "http://a:b/", true},
		{"no colon", "", "", false},
		{": no name", "", "", false},
	}
	for _, tt := range tests {
		name, value, err := parseHeader(tt.in)
		if (err == nil) != tt.ok || name != tt.name || value != tt.value {
			t.Errorf("parseHeader(%q) = %q, %q, %v; want %q, %q, ok %t", tt.in, name, value, err, tt.name, tt.value, tt.ok)
		}
	}
}

func TestReadBody(t *testing.T) {
	f := filepath.Join(t.TempDir(), "b")
	if err := os.WriteFile(f, []byte("from file"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"inline", "inline", true},
		{"", "", true},
		{"@" + f, "from file", true},
		{"@", "", false},
		{"@" + f + ".missing", "", false},
	}
	for _, tt := range tests {
		got, err := readBody(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("readBody(%q) = %q, %v; want %q, ok %t", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
