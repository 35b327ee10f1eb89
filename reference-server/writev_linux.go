package refserver

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// writev writes bufs to fd with one writev(2), building the iovec array in
// *vecs, which it reuses. x/sys/unix's Writev allocates that array on every
// call: one allocation per subscriber per coalesced flush, which the
// garbage collector would then have to chase at millions of deliveries a
// second.
func writev(fd int, bufs [][]byte, vecs *[]unix.Iovec) (int, error) {
	v := (*vecs)[:0]
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		iv := unix.Iovec{Base: &b[0]}
		iv.SetLen(len(b))
		v = append(v, iv)
	}
	*vecs = v
	if len(v) == 0 {
		return 0, nil
	}
	n, _, errno := unix.Syscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&v[0])), uintptr(len(v)))
	clear(v) // do not keep the frames alive until the next call
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
