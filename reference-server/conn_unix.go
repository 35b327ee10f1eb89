//go:build linux || darwin || openbsd

package refserver

import (
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// maxIovecs bounds the frames in one writev; the kernel allows 1024
// (IOV_MAX). Coalesced windows and catch-up batches of more frames take
// several calls.
const maxIovecs = 1024

// keepBacklogCap is the largest backlog buffer kept once a backlog drains.
// Bigger ones are freed, so a subscriber that was slow once does not hold
// its peak memory for the rest of its life.
const keepBacklogCap = 4 << 10

// rawIO is a worker's scratch space for the raw system calls. syscall.RawConn
// takes a func; binding the two funcs once per worker, with their arguments
// and results in these fields, keeps a write free of allocations.
type rawIO struct {
	iov     [][]byte     // what writeFn writes
	vecs    []unix.Iovec // writev's scratch
	buf     []byte       // where readFn reads
	n       int
	err     error
	writeFn func(fd uintptr) bool
	readFn  func(fd uintptr) bool
}

func (io *rawIO) init() {
	io.iov = make([][]byte, 0, maxIovecs)
	io.vecs = make([]unix.Iovec, 0, maxIovecs)
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
		io.n, io.err = writev(int(fd), io.iov, &io.vecs)
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
	head          []byte // the response head, Server.rawHead
	conn          net.Conn
	rc            syscall.RawConn
	pending       []byte // the backlog; pending[off:] is still to be written
	off           int
	pendingFrames int  // event frames with bytes in the backlog, counted when it drains
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
	if r.n > 0 {
		r.flushes++
	}
	r.bytes += uint64(r.n)
	return r.n, nil
}

// queued reports whether bytes wait in the backlog.
func (s *connSub) queued() status {
	if s.off < len(s.pending) {
		return backlogged
	}
	return alive
}

func (s *connSub) start(r *round) status {
	// The head is written like a frame, so a full socket queues it the
	// same way. Its HTTP part is not counted as stream bytes.
	b0 := r.bytes
	st := s.deliver(nil, []frame{{b: s.head}}, r)
	r.bytes -= min(r.bytes-b0, uint64(len(rawHeader)))
	return st
}

func (s *connSub) deliver(t *topic, frames []frame, r *round) status {
	if s.ended() {
		return gone
	}
	if t != nil {
		if frames = s.fresh(t, frames); len(frames) == 0 {
			return s.queued()
		}
		if len(s.topics) > 1 {
			r.buf, r.composed = s.compose(t, frames, r.buf, r.composed)
			frames = r.composed
		}
	}
	s.epoch = r.epoch
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
		for _, b := range iov {
			if n < len(b) {
				// The socket is full: keep the rest of this frame (a
				// frame is never cut, whatever the policy) and queue
				// everything after it.
				s.pending = append(s.pending[:0], b[n:]...)
				s.off, s.pendingFrames = 0, 0
				r.backlog += int64(len(b) - n)
				if frames[i].seq != 0 {
					s.pendingFrames = 1
					r.accepted++
				}
				return s.queue(frames[i+1:], r)
			}
			n -= len(b)
			if frames[i].seq != 0 {
				r.frames++
				r.accepted++
			}
			i++
		}
	}
	return alive
}

// queue appends frames to the backlog, behind bytes already there. Frames
// that would exceed the bound are dropped (SlowDrop), or the subscriber is
// reported slow and the lost deliveries counted (SlowDisconnect).
func (s *connSub) queue(frames []frame, r *round) status {
	room := s.max - (len(s.pending) - s.off)
	frames, ok := bound(frames, room, s.drop, s.pendingFrames, r)
	if !ok {
		s.reset = true
		return slow
	}
	size := framesLen(frames)
	s.grow(size)
	for i := range frames {
		s.pending = append(s.pending, frames[i].b...)
	}
	n := events(frames)
	s.pendingFrames += n
	r.accepted += uint64(n)
	r.backlog += int64(size)
	return backlogged
}

// grow makes room for n more bytes in the backlog. It reclaims the written
// part first, and never lets append's growth factor take the capacity past
// the bound: a slow reader costs at most max bytes here (or one frame, if
// that is larger).
func (s *connSub) grow(n int) {
	if len(s.pending)+n <= cap(s.pending) {
		return
	}
	live := len(s.pending) - s.off
	if live+n <= cap(s.pending) {
		s.pending = s.pending[:copy(s.pending, s.pending[s.off:])]
		s.off = 0
		return
	}
	c := min(max(2*cap(s.pending), live+n, keepBacklogCap), max(s.max, live+n))
	p := make([]byte, live, c)
	copy(p, s.pending[s.off:])
	s.pending, s.off = p, 0
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
	s.off += n
	r.backlog -= int64(n)
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
	if n := len(s.pending) - s.off; n > 0 {
		s.counters.backlogBytes.Add(-int64(n))
	}
	s.pending = nil
}

// serveConn serves an HTTP/1.1 subscription by hijacking its connection and
// handing it to a worker, so that no goroutine and no buffer is kept per
// subscriber. It returns false, having done nothing, when the
// ResponseWriter cannot be hijacked. The stream was reserved (see
// counters.reserve); serveConn releases it if it fails.
func (s *Server) serveConn(w http.ResponseWriter, r *http.Request, sp spec) bool {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return false
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		s.release()
		http.Error(w, "cannot take over the connection", http.StatusInternalServerError)
		return true
	}
	sc, ok := conn.(syscall.Conn)
	if !ok {
		// A wrapped conn (say from a limiting listener) has no fd to
		// write to without blocking: give it a goroutine instead.
		s.serveHijacked(conn, r, sp)
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		s.release()
		conn.Close()
		return true
	}
	sub := &connSub{conn: conn, rc: rc, head: s.rawHead}
	sub.init(&s.counters, sp, &s.cfg)
	// The server may have left a deadline from reading the request.
	conn.SetDeadline(time.Time{})
	if err := s.hub.subscribe(sub); err != nil {
		io.WriteString(conn, unavailable)
		sub.close()
	}
	return true
}
