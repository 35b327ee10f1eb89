package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ssebench/ssebench/loadgen"
	refserver "github.com/ssebench/ssebench/reference-server"
)

// pause waits d, then settle (when not nil), so the server frees one
// probe's streams before the next.
func pause(ctx context.Context, d time.Duration, settle func(context.Context) error) error {
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if settle != nil {
		return settle(ctx)
	}
	return nil
}

// embeddedServer is the reference server `ssebench run` and `ssebench
// limits` start in this process when no URL is given.
type embeddedServer struct {
	srv    *refserver.Server
	url    string
	cancel context.CancelFunc
}

// startEmbeddedServer starts the reference server on a free loopback port;
// its event stream is at url. A bad configuration is a usage error.
func startEmbeddedServer(ctx context.Context, cfg refserver.Config) (*embeddedServer, error) {
	cfg.Addr = "127.0.0.1:0"
	if err := cfg.Validate(); err != nil {
		return nil, usageErrorf("%v", err)
	}
	srv, err := refserver.New(cfg)
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	addr, err := srv.Start(sctx)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("embedded reference server: %w", err)
	}
	return &embeddedServer{srv: srv, url: "http://" + addr + "/events", cancel: cancel}, nil
}

func (e *embeddedServer) stop() {
	e.cancel()
	_ = e.srv.Close()
}

// settleTimeout bounds the wait for the embedded server to let go of the
// previous step's streams; it notices a closed HTTP/1.1 stream within about
// a second.
const settleTimeout = 10 * time.Second

// settle waits until the embedded server holds no subscriber, so that one
// step's streams never count against the next step.
func (e *embeddedServer) settle(ctx context.Context) error {
	return waitIdle(ctx, e.srv)
}

// waitIdle waits until srv holds no subscriber, at most settleTimeout.
func waitIdle(ctx context.Context, srv *refserver.Server) error {
	deadline := time.Now().Add(settleTimeout)
	for srv.Stats().Subscribers > 0 && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

// prepareRate returns the Prepare hook of --vary rate with the embedded
// server: each step gets a fresh server generating the step's rate, so the
// load is the server's own fan-out, not publish requests.
func (e *embeddedServer) prepareRate(payload int) func(ctx context.Context, load float64, rc *loadgen.Config) (func(), error) {
	return func(ctx context.Context, load float64, rc *loadgen.Config) (func(), error) {
		s, err := startEmbeddedServer(ctx, refserver.Config{Rate: load, PayloadBytes: payload})
		if err != nil {
			return nil, err
		}
		rc.URL = s.url
		return s.stop, nil
	}
}
