package main

import (
	"bytes"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	refserver "github.com/ssebench/ssebench/reference-server"
	"github.com/ssebench/ssebench/reports/result"
)

// TestCLI_versionAndHelp checks -v, --version and where help goes.
func TestCLI_versionAndHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"-v"}, {"--version"}, {"version"}} {
		var stdout, stderr bytes.Buffer
		if code := realMain(args, &stdout, &stderr); code != exitOK || !strings.HasPrefix(stdout.String(), "ssebench ") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, stdout.String(), stderr.String())
		}
	}
	for _, args := range [][]string{{"-h"}, {"run", "-h"}, {"serve", "--help"}, {"compare", "-h"}} {
		var stdout, stderr bytes.Buffer
		if code := realMain(args, &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String(), "Usage: ssebench") && args[0] != "-h" || stderr.Len() != 0 {
			t.Errorf("%q: exit %d, stderr %q; want the usage on stdout", args, code, stderr.String())
		}
	}
}

// TestRun_outputsCreateFoldersReadableByOthers runs once with every output
// flag pointing into folders that do not exist yet, and with a label and a
// comma list of thresholds.
func TestRun_outputsCreateFoldersReadableByOthers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, "a", "b", name) }
	args := []string{"run", "--subscribers", "5", "--duration", "300ms", "--quiet", "--label", "baseline build",
		"--out", p("r.json"), "--junit", p("junit/j.xml"), "--hlog", p("h/f.hlog"), "--dump", p("d/dump.jsonl"),
		"--report-dir", p("rep"), "--threshold", "subscribers.failed == 0, events.gaps == 0,errors.rate < 0.1"}
	var stdout, stderr bytes.Buffer
	if code := realMain(args, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "warning: --threshold errors.rate < 0.1 means < 10%") {
		t.Errorf("no warning for a ratio without %%; stderr:\n%s", stderr.String())
	}
	for _, name := range []string{"r.json", "junit/j.xml", "h/f.hlog", "d/dump.jsonl", "rep/report.html", "rep/report.json"} {
		st, err := os.Stat(p(name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		// The test process's umask is usually 022; others must be able
		// to read whatever it is, as long as it allows that.
		if um := umask(); st.Mode().Perm() != 0o644&^um {
			t.Errorf("%s: mode %v, want %v (0644 less umask %03o)", name, st.Mode().Perm(), 0o644&^um, um)
		}
	}
	rep, err := result.ReadFile(p("r.json"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Label != "baseline build" || len(rep.Thresholds) != 3 || rep.EmbeddedServer == nil || rep.EmbeddedServer.RatePerS != 10 {
		t.Errorf("label %q, %d thresholds, embedded server %+v; want the label, 3, rate 10", rep.Label, len(rep.Thresholds), rep.EmbeddedServer)
	}
	if !strings.Contains(string(rep.Config), `"duration": "300ms"`) {
		t.Errorf("config echo does not write durations as strings: %s", rep.Config)
	}
}

// TestRun_h2Embedded runs HTTP/2 over TLS against the embedded server,
// which gets a self-signed certificate the client trusts.
func TestRun_h2Embedded(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "r.json")
	var stdout, stderr bytes.Buffer
	if code := realMain([]string{"run", "--protocol", "h2", "--subscribers", "20", "--duration", "500ms", "--quiet", "--out", out}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	rep, err := result.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Subscribers.Connected != 20 || rep.Transport.Negotiated != "HTTP/2.0" || rep.Transport.TLS == "" || !strings.HasPrefix(rep.Target, "https://127.0.0.1:") {
		t.Errorf("connected %d, negotiated %q, TLS %q, target %q; want 20 over HTTP/2 with TLS", rep.Subscribers.Connected, rep.Transport.Negotiated, rep.Transport.TLS, rep.Target)
	}
}

// TestRun_untrustedCertificateSaysWhatToDo runs against a TLS server whose
// certificate the client does not trust: every subscriber fails, the run
// ends at once, and the last line suggests --ca or --insecure.
func TestRun_untrustedCertificateSaysWhatToDo(t *testing.T) {
	t.Parallel()
	ts := httptest.NewUnstartedServer(http.NotFoundHandler())
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	ts.StartTLS()
	t.Cleanup(ts.Close)
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := realMain([]string{"run", "--subscribers", "3", "--duration", "1m", "--quiet", ts.URL + "/events"}, &stdout, &stderr)
	if code != exitError {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitError, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	last := lines[len(lines)-1]
	for _, want := range []string{"ssebench: no subscriber connected: 3 × tls: ", "certificate", "--ca", "--insecure"} {
		if !strings.Contains(last, want) {
			t.Errorf("last line %q lacks %q", last, want)
		}
	}
	if el := time.Since(start); el > 20*time.Second {
		t.Errorf("the run took %s: it should end once every subscriber failed", el)
	}
}

// TestRun_progressShowsFailures checks the plain progress lines of a run
// whose subscribers all fail.
func TestRun_progressShowsFailures(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	realMain([]string{"run", "--subscribers", "2", "--duration", "1m", "http://127.0.0.1:1/events"}, &stdout, &stderr)
	if !strings.Contains(stderr.String(), "failed 2") || !strings.Contains(stderr.String(), "errors 2 (+") {
		t.Errorf("progress does not show the failures:\n%s", stderr.String())
	}
}

// TestEmbeddedServer_isServeWithItsDefaults keeps the embedded reference
// server and `ssebench serve` one server: the same defaults, on a free
// loopback port.
func TestEmbeddedServer_isServeWithItsDefaults(t *testing.T) {
	t.Parallel()
	want := serveDefaults()
	want.Addr = "127.0.0.1:0"
	if got := embeddedConfig(refserver.DefaultRate, refserver.DefaultPayloadBytes, false); !reflect.DeepEqual(got, want) {
		t.Errorf("embedded config =\n%+v\nwant serve's defaults\n%+v", got, want)
	}
	if got := embeddedConfig(5, 100, true); got.Rate != 5 || got.PayloadBytes != 100 || !got.TLSSelfSigned || got.Heartbeat != want.Heartbeat {
		t.Errorf("embedded config with rate, payload and TLS = %+v", got)
	}
}
