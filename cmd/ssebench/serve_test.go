package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	refserver "github.com/ssebench/ssebench/reference-server"
)

func TestServe_helpDocumentsEveryFlag(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := cmdServe(context.Background(), []string{"-h"}, &out, &out); !errors.Is(err, errHelp) {
		t.Fatalf("serve -h = %v, want errHelp", err)
	}
	cfg := serveDefaults()
	ms := uint(cfg.MaxStreams)
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	serveFlags(fs, &cfg, &ms)
	fs.VisitAll(func(f *flag.Flag) {
		if !strings.Contains(out.String(), "  --"+f.Name) {
			t.Errorf("serve -h lacks --%s", f.Name)
		}
		// Every flag that takes a value names its unit (the backquoted
		// word in its usage), and one whose default is not the zero
		// value shows it.
		if name, _ := flag.UnquoteUsage(f); name == "" && f.DefValue != "false" {
			t.Errorf("--%s has no unit in its usage %q", f.Name, f.Usage)
		}
	})
	for _, want := range []string{"(default 15s)", "(default 1000)", "(default 100000)", "(default disconnect)", "(default 127.0.0.1:8080)",
		"(0 = off)", "(0 = no limit)", "(0 = flush every event)", "$SSEBENCH_TOKEN", "POST /publish/batch", "Last-Event-ID"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("serve -h lacks %q", want)
		}
	}
}

func TestServeConfig(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "server.json")
	if err := os.WriteFile(file, []byte(`{"rate": 50, "heartbeat": "2s", "replay": 10, "max_streams": 7,
		"generators": [{"topic": "f", "rate": 1}], "slow_policy": "drop"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"rat": 5}`), 0o644)
	def := serveDefaults()
	tests := []struct {
		name    string
		args    []string
		check   func(c refserver.Config) bool
		wantErr string
	}{
		{"defaults", nil, func(c refserver.Config) bool {
			return c.Rate == 10 && c.Heartbeat == 15*time.Second && c.Replay == 1000 && c.MaxStreams == refserver.DefaultMaxStreams &&
				c.H2Engine == refserver.H2EngineFrames
		}, ""},
		{"stdlib HTTP/2", []string{"--h2-engine", "stdlib"}, func(c refserver.Config) bool { return c.H2Engine == refserver.H2EngineStdlib }, ""},
		{"bad HTTP/2 engine", []string{"--h2-engine", "nghttp2"}, nil, `--h2-engine must be frames or stdlib, got "nghttp2"`},
		{"every feature flag", []string{"--generator", "topic=a,rate=5", "--generator", "topic=b,pattern=burst,burst=2,every=1s",
			"--replay", "7", "--retry", "3s", "--heartbeat", "0", "--flush-interval", "5ms", "--flush-max-events", "9",
			"--slow-policy", "drop", "--max-subscribers", "4", "--max-streams", "8", "--max-topics", "6", "--read-header-timeout", "2s",
			"--max-header-bytes", "8192", "--max-publish-bytes", "100", "--token", "p", "--subscribe-token", "s",
			"--tls-self-signed", "--protocols", "h1,h2"},
			func(c refserver.Config) bool {
				return len(c.Generators) == 2 && c.Generators[1].BurstEvents == 2 && c.Replay == 7 && c.Retry == 3*time.Second &&
					c.Heartbeat == 0 && c.FlushInterval == 5*time.Millisecond && c.FlushMaxEvents == 9 && c.SlowPolicy == "drop" &&
					c.MaxSubscribers == 4 && c.MaxStreams == 8 && c.MaxTopics == 6 && c.ReadHeaderTimeout == 2*time.Second &&
					c.MaxHeaderBytes == 8192 && c.MaxPublishBytes == 100 && c.Token == "p" && c.SubscribeToken == "s" &&
					c.TLSSelfSigned && reflect.DeepEqual(c.Protocols, []string{"h1", "h2"})
			}, ""},
		{"config file", []string{"--config", file}, func(c refserver.Config) bool {
			return c.Rate == 50 && c.Heartbeat == 2*time.Second && c.Replay == 10 && c.MaxStreams == 7 && c.SlowPolicy == "drop" &&
				len(c.Generators) == 1 && c.PayloadBytes == def.PayloadBytes // not in the file: the flag default
		}, ""},
		{"flags override the file", []string{"--rate", "3", "--config", file, "--generator", "topic=g,rate=2", "--max-streams", "9"},
			func(c refserver.Config) bool {
				return c.Rate == 3 && c.Replay == 10 && c.MaxStreams == 9 && len(c.Generators) == 1 && c.Generators[0].Topic == "g"
			}, ""},
		{"misspelt key in the file", []string{"--config", bad}, nil, `unknown field "rat"`},
		{"missing file", []string{"--config", "/nonexistent.json"}, nil, "--config"},
		{"zero max-backlog", []string{"--max-backlog", "0"}, nil, "--max-backlog must be > 0"},
		{"zero max-streams", []string{"--max-streams", "0"}, nil, "--max-streams must be between 1 and"},
		{"bad generator", []string{"--generator", "topic=a,speed=3"}, nil, `unknown key "speed"`},
		{"generator without rate", []string{"--generator", "topic=a"}, nil, "rate must be > 0"},
		{"bad policy", []string{"--slow-policy", "wait"}, nil, "--slow-policy must be"},
		{"TLS protocol without a certificate", []string{"--protocols", "h2"}, nil, "needs a certificate"},
		{"positional argument", []string{"extra"}, nil, "unexpected argument"},
		{"empty address", []string{"--addr", ""}, nil, "--addr: empty address"},
		{"address without a host", []string{"--addr", ":8080"}, nil, `":8080" has no host; give 127.0.0.1:8080`},
		{"malformed address", []string{"--addr", "localhost"}, nil, `"localhost" is not host:port`},
		{"bad port", []string{"--addr", "127.0.0.1:http"}, nil, `port "http" is not a number`},
		{"every interface by name", []string{"--addr", "0.0.0.0:0"}, func(c refserver.Config) bool { return c.Addr == "0.0.0.0:0" }, ""},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		cfg, err := serveConfig(tt.args, &stderr)
		if tt.wantErr != "" {
			// Flag syntax errors are printed by package flag; the others
			// are returned.
			var ce *codeError
			if err == nil || !errors.As(err, &ce) || ce.code != exitUsage || !strings.Contains(err.Error()+stderr.String(), tt.wantErr) {
				t.Errorf("%s: serveConfig(%q) error = %v, stderr %q; want a usage error containing %q", tt.name, tt.args, err, stderr.String(), tt.wantErr)
			}
			continue
		}
		if err != nil || !tt.check(cfg) {
			t.Errorf("%s: serveConfig(%q) = %+v, %v", tt.name, tt.args, cfg, err)
		}
	}
}

func TestServeConfig_tokensFromEnvironment(t *testing.T) {
	t.Setenv(envToken, "from-env")
	t.Setenv(envSubscribeToken, "sub-env")
	cfg, err := serveConfig(nil, io.Discard)
	if err != nil || cfg.Token != "from-env" || cfg.SubscribeToken != "sub-env" {
		t.Errorf("tokens = %q, %q (%v); want from the environment", cfg.Token, cfg.SubscribeToken, err)
	}
	if cfg, _ := serveConfig([]string{"--token", "flag"}, io.Discard); cfg.Token != "flag" {
		t.Errorf("--token flag = %q, want it to win over the environment", cfg.Token)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// listenAddr waits for the "listening on ADDR" line of printServing.
func listenAddr(tb testing.TB, read func() string) string {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, rest, ok := strings.Cut(read(), "listening on "); ok {
			if addr, _, ok := strings.Cut(rest, "\n"); ok {
				return addr
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatalf("no \"listening on\" line; output so far:\n%s", read())
	return ""
}

// TestServe_servesAndShutsDown runs the command in this process: a stream,
// an authorised publish, and a graceful stop when the context (which
// realMain ties to SIGINT and SIGTERM) is cancelled.
func TestServe_servesAndShutsDown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- cmdServe(ctx, []string{"--addr", "127.0.0.1:0", "--rate", "0", "--token", "pub", "--shutdown-timeout", "3s"}, io.Discard, &stderr)
	}()
	base := "http://" + listenAddr(t, stderr.String)
	resp, err := http.Get(base + "/events?topic=news")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /events: %v %v", resp, err)
	}
	defer resp.Body.Close()
	req, _ := http.NewRequest("POST", base+"/publish?topic=news", strings.NewReader(`{"marker":"m"}`))
	req.Header.Set("Authorization", "Bearer pub")
	pr, err := http.DefaultClient.Do(req)
	if err != nil || pr.StatusCode != http.StatusOK {
		t.Fatalf("POST /publish: %v %v", pr, err)
	}
	pr.Body.Close()
	br := bufio.NewReader(resp.Body)
	for _, want := range []string{"id: 1\n", "data: {\"marker\":\"m\"}\n", "\n"} {
		if line, err := br.ReadString('\n'); line != want {
			t.Fatalf("stream line %q, %v; want %q", line, err, want)
		}
	}
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("cmdServe = %v, want nil after cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cmdServe did not return 10 s after cancel")
	}
	if d := time.Since(start); d > 3*time.Second+time.Second {
		t.Errorf("shutdown took %v, want about --shutdown-timeout 3s at most", d)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		t.Errorf("the stream ended with %v, want EOF", err)
	}
}

// TestServe_sigterm runs `ssebench serve` as a process of its own (this test
// binary, re-executed) and stops it with SIGTERM.
func TestServe_sigterm(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServe_helperProcess$")
	cmd.Env = append(os.Environ(), "SSEBENCH_SERVE_HELPER=1")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	}()
	base := "http://" + listenAddr(t, stderr.String)
	resp, err := http.Get(base + "/events")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /events: %v %v", resp, err)
	}
	defer resp.Body.Close()
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatalf("no event before SIGTERM: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("ssebench serve exited with %v after SIGTERM, want status 0; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("ssebench serve still running 15 s after SIGTERM")
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Errorf("the stream ended with %v, want EOF", err)
	}
}

// TestServe_helperProcess is `ssebench serve` for TestServe_sigterm.
func TestServe_helperProcess(t *testing.T) {
	if os.Getenv("SSEBENCH_SERVE_HELPER") != "1" {
		t.Skip("run by TestServe_sigterm")
	}
	os.Exit(realMain([]string{"serve", "--addr", "127.0.0.1:0", "--rate", "20", "--shutdown-timeout", "3s"}, os.Stdout, os.Stderr))
}
