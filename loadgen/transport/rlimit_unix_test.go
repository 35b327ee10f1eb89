//go:build unix

package transport

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// TestRaiseFDLimit lowers the soft RLIMIT_NOFILE in a child process (so
// that no other test runs short of descriptors) and checks that
// RaiseFDLimit puts it back to the hard limit.
func TestRaiseFDLimit(t *testing.T) {
	t.Parallel()
	if os.Getenv("TRANSPORT_RLIMIT_CHILD") == "1" {
		var lim syscall.Rlimit
		if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
		if lim.Max <= 256 {
			t.Skipf("hard limit %d is too low to lower the soft one", lim.Max)
		}
		low := lim
		low.Cur = 256
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
			t.Fatal(err)
		}
		soft, hard := RaiseFDLimit()
		if soft != hard || hard != clampInt(lim.Max) {
			t.Errorf("RaiseFDLimit() = %d, %d, want the hard limit %d for both", soft, hard, lim.Max)
		}
		if n := OpenFDs(); n < 3 {
			t.Errorf("OpenFDs() = %d, want at least stdin, stdout, stderr", n)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRaiseFDLimit$", "-test.v")
	cmd.Env = append(os.Environ(), "TRANSPORT_RLIMIT_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
