package refserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// readHeaderTimeout bounds how long a client may take to send its request
// headers, so idle dialers cannot hold connections (and fds) forever.
const readHeaderTimeout = 10 * time.Second

// A Server is the reference SSE server. Create it with New, then either
// Serve a listener, Start one in the background, or mount Handler in a
// server of your own; end it with Shutdown or Close. A Server is used once:
// after it shuts down it cannot serve again.
type Server struct {
	cfg      Config
	counters counters
	hub      *hub
	mux      *http.ServeMux

	mu       sync.Mutex
	closed   bool
	closing  chan struct{}  // closed by beginClose
	serving  sync.WaitGroup // Serve calls, and Start's goroutine
	serveErr error          // what Start's background Serve returned
}

// New validates cfg and returns a Server. No goroutine starts until the
// Server is used.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, closing: make(chan struct{})}
	s.hub = newHub(cfg, &s.counters)
	s.mux = http.NewServeMux()
	// A method pattern gives 405 with an Allow header for other methods;
	// unknown paths get the mux's 404.
	s.mux.HandleFunc("GET /events", s.handleEvents)
	return s, nil
}

// Config returns the configuration in use, with defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() Stats { return s.counters.snapshot() }

// Handler returns the server's http.Handler: GET /events, 404 for unknown
// paths, 405 for other methods on known ones. Calling it starts the event
// generator. Serving HTTP/1.1 streams without a goroutine each needs a
// server whose ResponseWriters can be hijacked, which net/http's are.
func (s *Server) Handler() http.Handler {
	s.hub.start()
	return s.mux
}

// httpServer returns an http.Server that speaks HTTP/1.1 and cleartext
// HTTP/2 with prior knowledge (h2c) on the same listener.
func (s *Server) httpServer() *http.Server {
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	return &http.Server{
		Handler:           s.mux,
		Protocols:         &p,
		HTTP2:             &http.HTTP2Config{MaxConcurrentStreams: int(s.cfg.MaxStreams)},
		ReadHeaderTimeout: readHeaderTimeout,
	}
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
	hs := s.httpServer()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
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
	if hs.Shutdown(sctx) != nil {
		hs.Close()
	}
	if err == nil {
		if err = <-errc; errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
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
