package bench

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is a target started by ssebench: a program in a process group of
// its own, so that stopping it reaches every process it started (nginx's
// workers, npm's node).
type Process struct {
	cmd    *exec.Cmd
	stop   Stop
	out    *tail
	exited chan struct{}
	err    error // Wait's error, set before exited closes
}

// StartProcess starts c with its placeholders expanded from v, in dir
// joined with c.Workdir. With cpus it runs pinned to those CPUs, and so do
// the processes it starts.
func StartProcess(c *Command, stop Stop, v Vars, dir string, cpus []int) (*Process, error) {
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = v.Expand(a)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	if c.Workdir != "" {
		cmd.Dir = filepath.Join(dir, v.Expand(c.Workdir))
	}
	cmd.Env = os.Environ()
	for k, val := range c.Env {
		cmd.Env = append(cmd.Env, k+"="+v.Expand(val))
	}
	p := &Process{cmd: cmd, stop: stop, out: &tail{max: 8 << 10}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	// Setpgid: a group of its own, signalled as a whole. Pdeathsig: if
	// ssebench dies (a second Ctrl-C, a crash), the target dies with it
	// instead of holding its port.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := startPinned(cmd, cpus); err != nil {
		return nil, fmt.Errorf("start %q: %w", strings.Join(args, " "), err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Pid is the process id of the target's main process.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited is closed when the main process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Output is the end of what the target wrote to stdout and stderr.
func (p *Process) Output() string { return strings.TrimSpace(p.out.String()) }

// exitError describes how the process ended, with its last output.
func (p *Process) exitError() error {
	msg := "exited"
	if p.err != nil {
		msg = p.err.Error()
	}
	if out := p.Output(); out != "" {
		msg += "; its output ends:\n" + out
	}
	return errors.New(msg)
}

// WaitReady waits until the target is ready: r.URL answers with a status
// below 500, or (r.Stream) the event stream at streamURL answers 200
// text/event-stream. A target that holds its headers until its first event
// is ready at that event. It fails when the target exits or r.Timeout
// passes.
func (p *Process) WaitReady(ctx context.Context, r Ready, readyURL, streamURL string) error {
	timeout := r.Timeout
	if timeout == 0 {
		timeout = DefaultReadyTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	var last error
	for {
		var err error
		if readyURL != "" {
			err = probeURL(ctx, client, readyURL)
		}
		if err == nil && r.Stream {
			err = probeStream(ctx, client, streamURL)
		}
		if err == nil {
			return nil
		}
		last = err
		select {
		case <-p.exited:
			return fmt.Errorf("the target %v", p.exitError())
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return fmt.Errorf("the target was not ready within %s: %v", timeout, last)
			}
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// probeURL fails unless url answers with a status below 500.
func probeURL(ctx context.Context, c *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

// probeStream fails unless url answers 200 with an event stream. It waits
// for the response headers only.
func probeStream(ctx context.Context, c *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != http.StatusOK || mt != "text/event-stream" {
		return fmt.Errorf("%s: %s, Content-Type %q", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	return nil
}

// Stop sends the stop signal to the target's process group, waits up to
// the stop timeout, then kills the group. It returns the output tail when
// the target had already exited on its own.
func (p *Process) Stop() error {
	select {
	case <-p.exited:
		_ = syscall.Kill(-p.Pid(), syscall.SIGKILL) // what it left behind
		return fmt.Errorf("the target had stopped by itself: %v", p.exitError())
	default:
	}
	timeout := p.stop.Timeout
	if timeout == 0 {
		timeout = DefaultStopTimeout
	}
	sig := p.stop.Signal
	if sig == 0 {
		sig = syscall.SIGTERM
	}
	_ = syscall.Kill(-p.Pid(), sig)
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.exited:
	case <-t.C:
		_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
		<-p.exited
	}
	// Children that outlived the main process (a worker that ignored the
	// signal) must not hold the port for the next run.
	_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
	return nil
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
