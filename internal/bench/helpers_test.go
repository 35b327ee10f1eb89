package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	refserver "github.com/ssebench/ssebench/reference-server"
)

// TestMain lets the test binary play the targets: run as
// "TESTBIN helper MODE ARGS…" it is a process of known behaviour (a CPU
// burner, a memory holder, a process tree, a reference server with a known
// delay) and never runs the tests.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "helper" {
		os.Exit(helper(os.Args[2], os.Args[3:]))
	}
	os.Exit(m.Run())
}

// helperArgs is the command line that starts the test binary as helper mode.
func helperArgs(mode string, args ...string) []string {
	return append([]string{os.Args[0], "helper", mode}, args...)
}

func helper(mode string, args []string) int {
	switch mode {
	case "burn": // burn ARG of CPU time, then idle until signalled
		d, _ := time.ParseDuration(args[0])
		burn(d)
		fmt.Println("burnt")
		select {}
	case "tree": // a child that burns ARG, and idle ourselves
		cmd := exec.Command(os.Args[0], "helper", "burn", args[0])
		cmd.Stdout = os.Stdout
		if err := cmd.Start(); err != nil {
			fmt.Println(err)
			return 1
		}
		fmt.Println("child", cmd.Process.Pid)
		select {}
	case "mem": // hold ARG MiB, every page touched
		// mmap, not make: the race detector would shadow a Go allocation
		// and double what the process holds.
		n, _ := strconv.Atoi(args[0])
		var b []byte
		if n > 0 {
			var err error
			if b, err = syscall.Mmap(-1, 0, n<<20, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE); err != nil {
				fmt.Println(err)
				return 1
			}
		}
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		fmt.Println("holding", len(b))
		select {}
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ignoring SIGTERM")
		select {}
	case "exit":
		fmt.Println("boom: no config")
		return 3
	case "refserve": // ADDR RATE PAYLOAD DELAY
		rate, _ := strconv.ParseFloat(args[1], 64)
		payload, _ := strconv.Atoi(args[2])
		delay, _ := time.ParseDuration(args[3])
		srv, err := refserver.New(refserver.Config{Addr: args[0], Rate: rate, PayloadBytes: payload, Delay: delay})
		if err != nil {
			fmt.Println(err)
			return 1
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		defer stop()
		if _, err := srv.Start(ctx); err != nil {
			fmt.Println(err)
			return 1
		}
		<-ctx.Done()
		_ = srv.Close()
		return 0
	}
	fmt.Println("unknown helper mode", mode)
	return 2
}

// burn spins until this process has used d of CPU time.
func burn(d time.Duration) {
	for {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		used := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		if used >= d {
			return
		}
		for i := 0; i < 1e6; i++ {
		}
	}
}
