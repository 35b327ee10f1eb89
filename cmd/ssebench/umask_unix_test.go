//go:build unix

package main

import (
	"os"
	"syscall"
)

// umask returns the process's umask. Setting it is the only way to read
// it; it is put back at once.
func umask() os.FileMode {
	m := syscall.Umask(0o022)
	syscall.Umask(m)
	return os.FileMode(m)
}
