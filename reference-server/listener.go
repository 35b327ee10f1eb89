package refserver

import (
	"errors"
	"net"
	"sync"
	"time"
)

// tlsRecordHandshake is the first byte of every TLS connection: the record
// type of its ClientHello (RFC 8446 §5.1). No HTTP/1.1 method and not the
// HTTP/2 preface ("PRI ...") starts with it.
const tlsRecordHandshake = 0x16

// acceptBackoffMax bounds the wait between Accept retries after a temporary
// error, as net/http does.
const acceptBackoffMax = time.Second

// A sniffer shares one listener between cleartext and TLS: it reads the
// first byte of each connection and hands the connection to the cleartext
// or the TLS side. Each side is a net.Listener of its own, served by its
// own http.Server, so that each can enable its own protocols.
//
// Sniffing takes one short-lived goroutine per new connection, bounded by
// the read-header timeout, so a client that connects and says nothing
// cannot stall the accept loop.
type sniffer struct {
	ln      net.Listener
	timeout time.Duration
	plain   *chanListener
	secure  *chanListener
	wg      sync.WaitGroup

	// pending holds the connections whose first byte is awaited, so that
	// stopping does not wait for their timeouts.
	mu      sync.Mutex
	pending map[net.Conn]struct{}
	stopped bool
}

func newSniffer(ln net.Listener, timeout time.Duration) *sniffer {
	st := &sniffState{ln: ln, done: make(chan struct{})}
	return &sniffer{
		ln:      ln,
		timeout: timeout,
		pending: make(map[net.Conn]struct{}),
		plain:   &chanListener{addr: ln.Addr(), conns: make(chan net.Conn, 64), st: st},
		secure:  &chanListener{addr: ln.Addr(), conns: make(chan net.Conn, 64), st: st},
	}
}

// run accepts until the listener fails or is closed; then both sides'
// Accept return that error.
func (s *sniffer) run() {
	var backoff time.Duration
	for {
		c, err := s.ln.Accept()
		if err != nil {
			// Out of file descriptors (EMFILE, ENFILE) is temporary:
			// connections close and free some. net/http backs off and
			// retries the same way; giving up would end the server.
			var ne net.Error
			if errors.As(err, &ne) && ne.Temporary() {
				backoff = min(max(2*backoff, 5*time.Millisecond), acceptBackoffMax)
				select {
				case <-time.After(backoff):
					continue
				case <-s.plain.st.done:
				}
			}
			s.plain.st.stop(err)
			s.mu.Lock()
			s.stopped = true
			for c := range s.pending {
				c.SetReadDeadline(pastDeadline) // ends its Read at once
			}
			s.mu.Unlock()
			s.wg.Wait()
			// Close what was routed but never accepted.
			for _, l := range []*chanListener{s.plain, s.secure} {
				for len(l.conns) > 0 {
					(<-l.conns).Close()
				}
			}
			return
		}
		backoff = 0
		s.wg.Add(1)
		go s.route(c)
	}
}

// route reads c's first byte and hands c to the side it belongs to.
func (s *sniffer) route(c net.Conn) {
	defer s.wg.Done()
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		c.Close()
		return
	}
	s.pending[c] = struct{}{}
	c.SetReadDeadline(time.Now().Add(s.timeout))
	s.mu.Unlock()
	var b [1]byte
	_, err := c.Read(b[:])
	s.mu.Lock()
	delete(s.pending, c)
	s.mu.Unlock()
	if err != nil {
		c.Close()
		return
	}
	c.SetReadDeadline(time.Time{})
	pc := peeked(c, b[0])
	if b[0] == tlsRecordHandshake {
		s.secure.push(pc)
	} else {
		s.plain.push(pc)
	}
}

// peeked returns c with b put back in front of what it reads. A TCP
// connection stays a *net.TCPConn underneath, with its methods promoted,
// so that the hijacked HTTP/1.1 path still finds its file descriptor
// (syscall.Conn) and SetLinger.
func peeked(c net.Conn, b byte) net.Conn {
	if tc, ok := c.(*net.TCPConn); ok {
		return &peekedTCPConn{TCPConn: tc, first: b, has: true}
	}
	return &peekedConn{Conn: c, first: b, has: true}
}

// peekedTCPConn is a *net.TCPConn whose first byte was read already. Only
// the goroutine reading the request reads it, so has needs no lock.
type peekedTCPConn struct {
	*net.TCPConn
	first byte
	has   bool
}

func (c *peekedTCPConn) Read(p []byte) (int, error) {
	if c.has && len(p) > 0 {
		p[0], c.has = c.first, false
		return 1, nil
	}
	return c.TCPConn.Read(p)
}

// peekedConn is peekedTCPConn for other kinds of connections.
type peekedConn struct {
	net.Conn
	first byte
	has   bool
}

func (c *peekedConn) Read(p []byte) (int, error) {
	if c.has && len(p) > 0 {
		p[0], c.has = c.first, false
		return 1, nil
	}
	return c.Conn.Read(p)
}

// sniffState is what both sides of a sniffer share.
type sniffState struct {
	ln   net.Listener
	done chan struct{} // closed by stop
	once sync.Once

	mu  sync.Mutex
	err error // why the shared listener stopped
}

// stop records why the shared listener stopped, closes it, and ends both
// sides' Accept.
func (st *sniffState) stop(err error) {
	st.mu.Lock()
	if st.err == nil {
		st.err = err
	}
	st.mu.Unlock()
	st.once.Do(func() {
		close(st.done)
		st.ln.Close()
	})
}

// chanListener is one side of a sniffer: a net.Listener fed by a channel.
// Closing either side closes the shared listener: an http.Server closes its
// listener when it shuts down, and the other side is shut down with it.
type chanListener struct {
	addr  net.Addr
	conns chan net.Conn
	st    *sniffState
}

func (l *chanListener) push(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.st.done:
		c.Close()
	}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.st.done:
		l.st.mu.Lock()
		defer l.st.mu.Unlock()
		if l.st.err != nil && !errors.Is(l.st.err, net.ErrClosed) {
			return nil, l.st.err
		}
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.st.stop(net.ErrClosed)
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }
