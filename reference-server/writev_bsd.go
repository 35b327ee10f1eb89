//go:build darwin || openbsd

package refserver

import "golang.org/x/sys/unix"

// writev writes bufs to fd with one writev(2). These systems want system
// calls made through libc, which x/sys/unix's Writev does; it allocates its
// iovec array each time, so vecs is unused.
func writev(fd int, bufs [][]byte, vecs *[]unix.Iovec) (int, error) {
	return unix.Writev(fd, bufs)
}
