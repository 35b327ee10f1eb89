package main

import (
	"context"
	"encoding/pem"
	"fmt"
	"net"
	"os"
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
// limits` start in this process when no URL is given: `ssebench serve`
// with its defaults (serveDefaults), on a free loopback port.
type embeddedServer struct {
	srv    *refserver.Server
	url    string
	caFile string // the self-signed certificate as PEM, for the client to trust; "" without TLS
	cancel context.CancelFunc
	served chan struct{}
}

// embeddedConfig returns the configuration of the embedded server: the
// defaults of `ssebench serve` with the given rate and payload; tls serves
// HTTP/2 over TLS too, with a self-signed certificate made in memory.
func embeddedConfig(rate float64, payload int, tls bool) refserver.Config {
	cfg := serveDefaults()
	cfg.Addr = "127.0.0.1:0"
	cfg.Rate, cfg.PayloadBytes, cfg.TLSSelfSigned = rate, payload, tls
	return cfg
}

// listenEmbedded reserves the embedded server's loopback port, so that the
// run's URL is known (and checked) before the server starts.
func listenEmbedded() (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("embedded reference server: %w", err)
	}
	return ln, nil
}

// embeddedURL is the event stream's URL on ln.
func embeddedURL(ln net.Listener, tls bool) string {
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + ln.Addr().String() + "/events"
}

// startEmbeddedOn starts the reference server on ln (which it then owns).
// With TLS its certificate is written to a temporary PEM file the client
// trusts (caFile); stop removes it. A bad configuration is a usage error.
func startEmbeddedOn(ctx context.Context, ln net.Listener, cfg refserver.Config) (*embeddedServer, error) {
	if err := cfg.Validate(); err != nil {
		ln.Close()
		return nil, usageErrorf("%v", err)
	}
	srv, err := refserver.New(cfg)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("embedded reference server: %w", err)
	}
	e := &embeddedServer{srv: srv, url: embeddedURL(ln, cfg.TLSSelfSigned), served: make(chan struct{})}
	if cert := srv.Certificate(); cert != nil {
		f, err := os.CreateTemp("", "ssebench-embedded-*.pem")
		if err == nil {
			err = pem.Encode(f, &pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			e.caFile = f.Name()
		}
		if err != nil {
			ln.Close()
			os.Remove(e.caFile)
			return nil, fmt.Errorf("embedded reference server: saving its certificate: %w", err)
		}
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	e.cancel = cancel
	go func() {
		defer close(e.served)
		_ = srv.Serve(sctx, ln)
	}()
	return e, nil
}

// startEmbeddedServer starts the reference server on a free loopback port;
// its event stream is at url.
func startEmbeddedServer(ctx context.Context, cfg refserver.Config) (*embeddedServer, error) {
	ln, err := listenEmbedded()
	if err != nil {
		return nil, err
	}
	return startEmbeddedOn(ctx, ln, cfg)
}

// stop shuts the server down and removes its certificate file.
func (e *embeddedServer) stop() {
	e.cancel()
	_ = e.srv.Close()
	<-e.served
	if e.caFile != "" {
		os.Remove(e.caFile)
	}
}

// target points cfg at the server: its URL, and its certificate as the
// one to trust unless --insecure was given.
func (e *embeddedServer) target(cfg *loadgen.Config) {
	cfg.URL, cfg.Embedded = e.url, true
	if e.caFile != "" && !cfg.Insecure {
		cfg.CAFile = e.caFile
	}
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
func (e *embeddedServer) prepareRate(payload int, tls bool) func(ctx context.Context, load float64, rc *loadgen.Config) (func(), error) {
	return func(ctx context.Context, load float64, rc *loadgen.Config) (func(), error) {
		s, err := startEmbeddedServer(ctx, embeddedConfig(load, payload, tls))
		if err != nil {
			return nil, err
		}
		s.target(rc)
		return s.stop, nil
	}
}
