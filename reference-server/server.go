package refserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// idleTimeout closes keep-alive connections that carry no request and no
// stream (a publisher between requests, an HTTP/2 connection whose streams
// all ended), so they do not hold file descriptors forever. Streams never
// count as idle.
const idleTimeout = 2 * time.Minute

// A Server is the reference SSE server. Create it with New, then either
// Serve a listener, Start one in the background, or mount Handler in a
// server of your own; end it with Shutdown or Close. A Server is used once:
// after it shuts down it cannot serve again.
type Server struct {
	cfg      Config
	counters counters
	hub      *hub
	mux      *http.ServeMux
	registry *prometheus.Registry

	tls            *tls.Config // nil without TLS
	token          token       // Config.Token
	subscribeToken token       // Config.SubscribeToken
	retryLine      []byte      // "retry: N\n\n", or nil
	rawHead        []byte      // rawHeader, then retryLine

	mu       sync.Mutex
	closed   bool
	closing  chan struct{}  // closed by beginClose
	serving  sync.WaitGroup // Serve calls, and Start's goroutine
	serveErr error          // what Start's background Serve returned
}

// New validates cfg, loads or generates its TLS certificate, and returns a
// Server. No goroutine starts until the Server is used.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.H2Engine == "" && os.Getenv(H2EngineEnv) == "1" {
		cfg.H2Engine = H2EngineFrames
	}
	cfg = cfg.withDefaults()
	tc, err := tlsConfig(&cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:            cfg,
		closing:        make(chan struct{}),
		tls:            tc,
		token:          newToken(cfg.Token),
		subscribeToken: newToken(cfg.SubscribeToken),
	}
	if cfg.Retry > 0 {
		s.retryLine = appendRetry(nil, cfg.Retry)
	}
	s.rawHead = append([]byte(rawHeader), s.retryLine...)
	s.hub = newHub(cfg, &s.counters)
	s.registry = s.newRegistry()
	s.mux = http.NewServeMux()
	// A method pattern gives 405 with an Allow header for other methods
	// (GET covers HEAD); unknown paths get the mux's 404.
	s.mux.HandleFunc("GET /events", s.handleEvents)
	s.mux.HandleFunc("POST /publish", s.handlePublish)
	s.mux.HandleFunc("POST /publish/batch", s.handleBatch)
	s.mux.Handle("GET /metrics", s.metricsHandler())
	s.mux.HandleFunc("GET /healthz", s.handleHealthz)
	s.mux.HandleFunc("GET /stats", s.handleStats)
	s.mux.HandleFunc("GET /{$}", s.handleIndex)
	return s, nil
}

// Config returns the configuration in use, with defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() Stats {
	st := s.counters.snapshot()
	st.Topics = s.hub.topics.count()
	return st
}

// TopicStats returns a snapshot of every topic's counters, sorted by name.
func (s *Server) TopicStats() []TopicStats {
	ts := s.hub.topics.all()
	out := make([]TopicStats, len(ts))
	for i, t := range ts {
		out[i] = TopicStats{
			Name:            t.name,
			Subscribers:     t.subscribers.Load(),
			EventsPublished: t.published.Load(),
			LastID:          t.lastID(),
			Deliveries:      t.delivered.Load(),
			Dropped:         t.dropped.Load(),
		}
	}
	return out
}

// Certificate returns the server's TLS certificate, for clients to trust
// (a self-signed one in particular), or nil without TLS.
func (s *Server) Certificate() *x509.Certificate {
	if s.tls == nil {
		return nil
	}
	return s.tls.Certificates[0].Leaf
}

// Handler returns the server's http.Handler: the endpoints, 404 for
// unknown paths, 405 for other methods on known ones. Calling it starts
// the event generators. Serving HTTP/1.1 streams without a goroutine each
// needs a server whose ResponseWriters can be hijacked, which net/http's
// are.
func (s *Server) Handler() http.Handler {
	s.hub.start()
	return s.mux
}

// httpServer returns an http.Server for the cleartext or the TLS side of
// the listener, speaking the protocols the Config enables on that side.
func (s *Server) httpServer(secure bool) *http.Server {
	var p http.Protocols
	if secure {
		p.SetHTTP1(s.cfg.serves(ProtoH1TLS))
		p.SetHTTP2(s.cfg.serves(ProtoH2))
	} else {
		p.SetHTTP1(s.cfg.serves(ProtoH1))
		p.SetUnencryptedHTTP2(s.cfg.serves(ProtoH2C))
	}
	hs := &http.Server{
		Handler:           s.mux,
		Protocols:         &p,
		HTTP2:             &http.HTTP2Config{MaxConcurrentStreams: int(s.cfg.MaxStreams)},
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
	}
	if s.cfg.frames() && (secure && s.cfg.serves(ProtoH2) || !secure && s.cfg.serves(ProtoH2C)) {
		// The frame-level engine takes HTTP/2 connections over from
		// net/http, which then serves only HTTP/1.1 on this side. Over
		// TLS, net/http hands it connections whose ALPN chose "h2",
		// handshake done; in cleartext, connections that start with the
		// HTTP/2 preface go to the "unencrypted_http2" key, preface
		// read. An "h2" key also keeps net/http from installing its own
		// HTTP/2 server.
		hs.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){
			"h2": func(_ *http.Server, tc *tls.Conn, _ http.Handler) {
				if secure {
					s.serveH2(context.Background(), tc, false)
				} else {
					tc.Close() // not reached: this side never speaks TLS
				}
			},
		}
		if !secure {
			hs.TLSNextProto["unencrypted_http2"] = func(_ *http.Server, tc *tls.Conn, _ http.Handler) {
				if u, ok := tc.NetConn().(interface{ UnencryptedNetConn() net.Conn }); ok {
					s.serveH2(context.Background(), u.UnencryptedNetConn(), true)
				}
			}
		}
	}
	return hs
}

// enter registers a Serve call, unless the Server is closed.
func (s *Server) enter() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.serving.Add(1)
	return nil
}

// beginClose marks the Server closed and tells every Serve call to stop.
func (s *Server) beginClose() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.closing)
	}
}

// Serve accepts connections on ln until ctx is done or the Server is shut
// down, then shuts the whole Server down gracefully: it stops accepting,
// ends every stream, and closes what is still open after
// Config.ShutdownTimeout. It closes ln. It returns nil after a clean
// shutdown, ErrClosed if the Server was already closed, or the error that
// stopped the listener.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if err := s.enter(); err != nil {
		ln.Close()
		return err
	}
	defer s.serving.Done()
	return s.serve(ctx, ln)
}

func (s *Server) serve(ctx context.Context, ln net.Listener) error {
	s.hub.start()
	var servers []*http.Server
	errc := make(chan error, 2)
	launch := func(hs *http.Server, l net.Listener) {
		servers = append(servers, hs)
		go func() { errc <- hs.Serve(l) }()
	}
	plain := s.cfg.serves(ProtoH1) || s.cfg.serves(ProtoH2C)
	sniffed := make(chan struct{})
	switch {
	case s.tls != nil && plain:
		sn := newSniffer(ln, s.cfg.ReadHeaderTimeout)
		go func() {
			defer close(sniffed)
			sn.run()
		}()
		launch(s.httpServer(false), sn.plain)
		launch(s.httpServer(true), tls.NewListener(sn.secure, s.tls))
	case s.tls != nil:
		close(sniffed)
		launch(s.httpServer(true), tls.NewListener(ln, s.tls))
	default:
		close(sniffed)
		launch(s.httpServer(false), ln)
	}
	var err error
	select {
	case <-ctx.Done():
	case <-s.closing:
	case err = <-errc: // the listener failed: end everything as well
	}
	s.beginClose()
	// End the streams first: http.Server.Shutdown waits for handlers
	// (HTTP/2 streams) to return and does not know hijacked connections.
	s.hub.stop()
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, hs := range servers {
		wg.Go(func() {
			if hs.Shutdown(sctx) != nil {
				hs.Close()
			}
		})
	}
	wg.Wait()
	n := len(servers)
	if err != nil {
		n--
	}
	for range n {
		// With a sniffer, the first server to shut down closes the
		// shared listener, and the other may see that before its own
		// Shutdown call marks it closing.
		if e := <-errc; err == nil && !errors.Is(e, http.ErrServerClosed) && !errors.Is(e, net.ErrClosed) {
			err = e
		}
	}
	<-sniffed
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Start listens on Config.Addr and serves in the background until ctx is
// done or Shutdown is called. It returns the address it listens on, which
// tells the port when Config.Addr ends in ":0".
func (s *Server) Start(ctx context.Context) (addr string, err error) {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return "", fmt.Errorf("refserver: %w", err)
	}
	if err := s.enter(); err != nil {
		ln.Close()
		return "", err
	}
	go func() {
		defer s.serving.Done()
		if err := s.serve(ctx, ln); err != nil {
			s.mu.Lock()
			s.serveErr = err
			s.mu.Unlock()
		}
	}()
	return ln.Addr().String(), nil
}

// Shutdown shuts the Server down gracefully (see Serve) and waits until
// every Serve call has returned, or ctx is done. It returns the error that
// ended a Start, ctx's error if it gave up waiting, or nil.
func (s *Server) Shutdown(ctx context.Context) error {
	s.beginClose()
	s.hub.stop() // a Server only used through Handler has no Serve to do it
	done := make(chan struct{})
	go func() {
		s.serving.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serveErr
}

// Close is Shutdown without a deadline of its own. It returns within about
// Config.ShutdownTimeout, after which Serve closes whatever is still open.
func (s *Server) Close() error {
	return s.Shutdown(context.Background())
}
