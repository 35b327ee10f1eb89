//go:build linux || darwin || openbsd

package refserver

import (
	"errors"
	"net"
	"net/http"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// maxIovecs bounds the frames in one writev; the kernel allows 1024 (IOV_MAX).
const maxIovecs = 64

// keepBacklogCap is the largest backlog buffer kept once a backlog drains.
// Bigger ones are freed, so a subscriber that was slow once does not hold
// its peak memory for the rest of its life.
const keepBacklogCap = 4 << 10

// rawIO is a worker's scratch space for the raw system calls. syscall.RawConn
// takes a func; binding the two funcs once per worker, with their arguments
// and results in these fields, keeps a write free of allocations.
type rawIO struct {
	iov     [][]byte // what writeFn writes
	buf     []byte   // where readFn reads
	n       int
	err     error
	writeFn func(fd uintptr) bool
	readFn  func(fd uintptr) bool
}

func (io *rawIO) init() {
	io.iov = make([][]byte, 0, maxIovecs)
	io.buf = make([]byte, 512)
	io.writeFn = io.write
	io.readFn = io.read
}

// write makes one non-blocking write(2) or writev(2). Returning true tells
// the runtime not to wait for the fd to become writable: a full socket
// buffer must never stall the worker.
func (io *rawIO) write(fd uintptr) bool {
	if len(io.iov) == 1 {
		io.n, io.err = unix.Write(int(fd), io.iov[0])
	} else {
		io.n, io.err = unix.Writev(int(fd), io.iov)
	}
	return true
}

// read makes one non-blocking read(2).
func (io *rawIO) read(fd uintptr) bool {
	io.n, io.err = unix.Read(int(fd), io.buf)
	return true
}

// connSub is an HTTP/1.1 subscriber whose connection was hijacked. It has no
// goroutine and no buffer while it keeps up: its worker writes each shared
// frame straight to the socket. What the socket does not take is copied to
// a backlog, bounded by max.
type connSub struct {
	base
	conn          net.Conn
	rc            syscall.RawConn
	max           int    // backlog bound in bytes
	pending       []byte // the backlog; pending[off:] is still to be written
	off           int
	pendingFrames int  // frames with bytes in the backlog, counted when it drains
	reset         bool // close with a reset: the client is too slow for a FIN
}

var _ subscriber = (*connSub)(nil)

// writeRaw writes iov with one system call and returns the bytes written.
// EAGAIN is not an error: it means 0 bytes.
func (s *connSub) writeRaw(r *round, iov [][]byte) (int, error) {
	r.iov = iov
	err := s.rc.Write(r.writeFn) // fails only if the conn was closed
	r.iov = r.iov[:0]
	if err != nil {
		return 0, err
	}
	if r.err != nil {
		if errors.Is(r.err, unix.EAGAIN) {
			return 0, nil
		}
		return 0, r.err
	}
	return r.n, nil
}

func (s *connSub) deliver(frames []frame, r *round) status {
	if s.ended() {
		return gone
	}
	if s.off < len(s.pending) {
		// Older bytes wait: queue behind them to keep the stream in order.
		if st := s.queue(frames, r); st == slow {
			return slow
		}
		return s.retry(r)
	}
	for i := 0; i < len(frames); {
		iov := r.iov[:0]
		for j := i; j < len(frames) && len(iov) < maxIovecs; j++ {
			iov = append(iov, frames[j].b)
		}
		n, err := s.writeRaw(r, iov)
		if err != nil {
			return gone
		}
		r.bytes += uint64(n)
		for _, b := range iov {
			if n < len(b) {
				// The socket is full: keep the rest of this frame and
				// everything after it.
				s.pending = append(s.pending[:0], b[n:]...)
				s.off, s.pendingFrames = 0, 1
				return s.queue(frames[i+1:], r)
			}
			n -= len(b)
			i++
			r.frames++
		}
	}
	return alive
}

// queue appends frames to the backlog, or reports slow (and counts the lost
// deliveries) when that would exceed the bound.
func (s *connSub) queue(frames []frame, r *round) status {
	size := framesLen(frames)
	if len(s.pending)-s.off+size > s.max {
		r.slow++
		r.dropped += uint64(s.pendingFrames + len(frames))
		s.reset = true
		return slow
	}
	if s.off > 0 && s.off >= len(s.pending)/2 {
		// Reclaim the written half instead of growing forever.
		s.pending = s.pending[:copy(s.pending, s.pending[s.off:])]
		s.off = 0
	}
	for i := range frames {
		s.pending = append(s.pending, frames[i].b...)
	}
	s.pendingFrames += len(frames)
	return backlogged
}

func (s *connSub) retry(r *round) status {
	if s.ended() {
		return gone
	}
	if s.off == len(s.pending) {
		return alive
	}
	n, err := s.writeRaw(r, append(r.iov[:0], s.pending[s.off:]))
	if err != nil {
		return gone
	}
	r.bytes += uint64(n)
	s.off += n
	if s.off < len(s.pending) {
		return backlogged
	}
	r.frames += uint64(s.pendingFrames)
	s.pendingFrames, s.off = 0, 0
	if cap(s.pending) > keepBacklogCap {
		s.pending = nil
	} else {
		s.pending = s.pending[:0]
	}
	return alive
}

// probe reads whatever the client sent, without blocking. A subscriber never
// sends anything after its request, so EOF or an error means the client
// closed the connection; a write would notice only one or two events later,
// and with no events never.
func (s *connSub) probe(r *round) status {
	if s.ended() {
		return gone
	}
	if err := s.rc.Read(r.readFn); err != nil {
		return gone
	}
	switch {
	case errors.Is(r.err, unix.EAGAIN):
		return alive
	case r.err != nil || r.n == 0:
		return gone
	}
	return alive // stray bytes: ignored
}

func (s *connSub) close() {
	if !s.end() {
		return
	}
	if s.reset {
		resetOnClose(s.conn)
	}
	s.conn.Close()
	s.pending = nil
}

// serveConn serves an HTTP/1.1 subscription by hijacking its connection and
// handing it to a worker, so that no goroutine and no buffer is kept per
// subscriber. It returns false, having done nothing, when the
// ResponseWriter cannot be hijacked.
func (s *Server) serveConn(w http.ResponseWriter, r *http.Request, topics []*topic) bool {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return false
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		http.Error(w, "cannot take over the connection", http.StatusInternalServerError)
		return true
	}
	sc, ok := conn.(syscall.Conn)
	if !ok {
		// A wrapped conn (say from a limiting listener) has no fd to
		// write to without blocking: give it a goroutine instead.
		s.serveHijacked(conn, r, topics)
		return true
	}
	sub, err := newConnSub(&s.counters, conn, sc, s.cfg.MaxBacklogBytes)
	if err != nil {
		conn.Close()
		return true
	}
	// The server may have left a deadline from reading the request.
	conn.SetDeadline(time.Time{})
	if _, err := conn.Write(rawHeader); err != nil {
		conn.Close()
		return true
	}
	if err := s.hub.subscribe(sub, topics); err != nil {
		conn.Close()
	}
	return true
}

// newConnSub returns a subscriber that writes to conn, whose file descriptor
// sc gives, with a backlog of at most maxBacklog bytes.
func newConnSub(c *counters, conn net.Conn, sc syscall.Conn, maxBacklog int) (*connSub, error) {
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	return &connSub{base: base{counters: c}, conn: conn, rc: rc, max: maxBacklog}, nil
}
