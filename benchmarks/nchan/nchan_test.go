package nchan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/ssebench/ssebench/loadgen"
)

// moduleCandidates are where distributions install the nchan module.
var moduleCandidates = []string{
	"/usr/lib/nginx/modules/ngx_nchan_module.so",   // Debian, Ubuntu
	"/usr/lib64/nginx/modules/ngx_nchan_module.so", // Fedora, RHEL
	"/usr/share/nginx/modules/ngx_nchan_module.so",
	"/usr/local/nginx/modules/ngx_nchan_module.so",
	"/etc/nginx/modules/ngx_nchan_module.so",
}

// findNchan returns the nginx binary and the load_module path of nchan
// ("" when nchan is compiled into nginx), or why they cannot be used.
func findNchan() (bin, module string, err error) {
	bin, err = exec.LookPath("nginx")
	if err != nil {
		bin = "/usr/sbin/nginx" // not on a non-root PATH
		if _, serr := os.Stat(bin); serr != nil {
			return "", "", errors.New("no nginx binary on PATH or at /usr/sbin/nginx")
		}
	}
	if out, err := exec.Command(bin, "-V").CombinedOutput(); err == nil && bytes.Contains(out, []byte("nchan")) {
		return bin, "", nil // built in
	}
	if m := os.Getenv("SSEBENCH_NCHAN_MODULE"); m != "" {
		if _, err := os.Stat(m); err != nil {
			return "", "", fmt.Errorf("SSEBENCH_NCHAN_MODULE: %w", err)
		}
		return bin, m, nil
	}
	for _, m := range moduleCandidates {
		if _, err := os.Stat(m); err == nil {
			return bin, m, nil
		}
	}
	return "", "", fmt.Errorf("%s has no nchan and no ngx_nchan_module.so is in %v (or SSEBENCH_NCHAN_MODULE)", bin, moduleCandidates)
}

// confTemplate is a self-contained nginx configuration: everything nginx
// writes goes to Dir. One worker process (the master forks it; in
// single-process mode nchan 1.3.6 crashes with a double free on exit). The
// h2c listener speaks cleartext HTTP/2 with prior knowledge only.
var confTemplate = template.Must(template.New("nginx.conf").Parse(`
{{if .Module}}load_module {{.Module}};{{end}}
daemon off;
master_process on;
worker_processes 1;
{{if .Root}}user root;{{end}}
pid {{.Dir}}/nginx.pid;
error_log {{.Dir}}/error.log warn;
working_directory {{.Dir}};
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path {{.Dir}}/body;
	proxy_temp_path {{.Dir}}/proxy;
	fastcgi_temp_path {{.Dir}}/fastcgi;
	uwsgi_temp_path {{.Dir}}/uwsgi;
	scgi_temp_path {{.Dir}}/scgi;
	server {
		listen {{.H1}};
		listen {{.H2C}} http2;
		# POST publishes the body to the channel; EventSource subscribers
		# get each message as one event, its body as the data.
		location = /pub { nchan_publisher; nchan_channel_id bench; }
		location = /sub { nchan_subscriber eventsource; nchan_channel_id bench; }
	}
}
`))

// nginx is a running nginx.
type nginx struct {
	h1, h2c string // listen addresses
	errLog  string
}

// startNginx writes a configuration into a temporary directory, starts nginx
// with it and waits until it answers. The test fails (CI=true) or skips
// when nginx or nchan is missing. nginx is stopped at the end of the test.
func startNginx(t *testing.T) *nginx {
	t.Helper()
	bin, module, err := findNchan()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("nginx with nchan not found: .ci/run installs nginx and libnginx-mod-nchan (%v)", err)
		}
		t.Skipf("SKIPPED: nginx with nchan not found, so publisher mode is untested against nchan: apt-get install nginx libnginx-mod-nchan (%v)", err)
	}
	dir := t.TempDir()
	n := &nginx{h1: freeAddr(t), h2c: freeAddr(t), errLog: filepath.Join(dir, "error.log")}
	var conf bytes.Buffer
	if err := confTemplate.Execute(&conf, map[string]any{
		"Module": module, "Dir": dir, "H1": n.h1, "H2C": n.h2c, "Root": os.Geteuid() == 0,
	}); err != nil {
		t.Fatal(err)
	}
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, conf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "-p", dir, "-c", confPath, "-e", n.errLog)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start nginx: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		// SIGTERM is nginx's fast shutdown: it closes open streams too.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			b, _ := os.ReadFile(n.errLog)
			t.Logf("nginx output:\n%s\nerror.log:\n%s", out.String(), b)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + n.h1 + "/pub")
		if err == nil {
			resp.Body.Close()
			return n
		}
		select {
		case err := <-exited:
			b, _ := os.ReadFile(n.errLog)
			t.Fatalf("nginx exited: %v\n%s\nerror.log:\n%s", err, out.String(), b)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not answer on %s within 10s", n.h1)
		}
	}
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestPublisher_nchan runs publisher mode against nginx + nchan: ssebench
// POSTs to a nchan_publisher location and reads an eventsource
// nchan_subscriber location of the same channel, where nchan delivers each
// published body as the event data (with its own "time:seq" ids).
func TestPublisher_nchan(t *testing.T) {
	n := startNginx(t)
	const subs, rate, secs = 100, 50, 2
	for _, proto := range []string{loadgen.ProtocolH1, loadgen.ProtocolH2C} {
		t.Run(proto, func(t *testing.T) {
			addr := n.h1
			if proto == loadgen.ProtocolH2C {
				addr = n.h2c
			}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			rep, err := loadgen.Run(ctx, loadgen.Config{
				URL:         "http://" + addr + "/sub",
				Protocol:    proto,
				Subscribers: subs,
				Duration:    secs * time.Second,
				Interval:    250 * time.Millisecond,
				Tool:        "ssebench/test",
				LatencyOptions: loadgen.LatencyOptions{
					PublishURL:  "http://" + n.h1 + "/pub",
					PublishRate: rate,
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			f, p := rep.LatencyUS.Fanout, rep.Publish
			t.Logf("nchan %s, %d subscribers, %d publishes/s for %.1fs: fan-out p50 %d µs, p99 %d µs, max %d µs; publish p50 %d µs, p99 %d µs; delivery ratio %s; warnings %q",
				proto, subs, rate, rep.DurationS, f.P50, f.P99, f.Max, p.LatencyUS.P50, p.LatencyUS.P99, ratio(rep.DeliveryRatio), rep.Warnings)
			if rep.Subscribers.Connected != subs || rep.Subscribers.Failed != 0 {
				t.Errorf("connected = %d, failed = %d, want %d, 0 (errors %v %v)", rep.Subscribers.Connected, rep.Subscribers.Failed, subs, rep.Errors, rep.ErrorSamples)
			}
			if rep.LatencySource != "publisher" {
				t.Errorf("latency_source = %q, want publisher", rep.LatencySource)
			}
			if p.Sent != rate*secs || p.Failed != 0 {
				t.Errorf("publish sent = %d, failed = %d; want %d, 0", p.Sent, p.Failed, rate*secs)
			}
			if p.LatencyUS.Count != int64(p.Sent) || p.LatencyUS.P50 <= 0 {
				t.Errorf("publish latency = %+v, want %d values", p.LatencyUS, p.Sent)
			}
			if rep.DeliveryRatio == nil || *rep.DeliveryRatio < 0.999 || *rep.DeliveryRatio > 1 {
				t.Errorf("delivery_ratio = %s, want 1 (nchan delivers every message to every subscriber)", ratio(rep.DeliveryRatio))
			}
			if want := int64(p.Sent) * subs; f.Count < want*999/1000 || f.P50 <= 0 || f.P99 > 1_000_000 {
				t.Errorf("fan-out latency = %+v, want about %d values under 1 s", f, want)
			}
			for _, w := range rep.Warnings {
				if strings.Contains(w, "latency was not measured") || strings.Contains(w, "publish") {
					t.Errorf("unexpected warning: %s", w)
				}
			}
		})
	}
}

func ratio(r *float64) string {
	if r == nil {
		return "none"
	}
	return fmt.Sprintf("%.6f", *r)
}
