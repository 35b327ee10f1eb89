//go:build unix

package atomicfile

import (
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestWrite_createsParentsAndHonoursUmask(t *testing.T) {
	// The umask is process-wide; this test does not run in parallel.
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "a", "b", "result.json")
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "{}\n"); return err }); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := st.Mode().Perm(), os.FileMode(0o640); got != want {
		t.Errorf("mode = %v, want %v (0644 less umask 027)", got, want)
	}
	syscall.Umask(0o022)
	if err := Write(path, func(w io.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	st, _ = os.Stat(path)
	if got, want := st.Mode().Perm(), os.FileMode(0o644); got != want {
		t.Errorf("mode = %v, want %v (0644 less umask 022)", got, want)
	}
	assertOnly(t, filepath.Join(dir, "a", "b"), "result.json")
}
