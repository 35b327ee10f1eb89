// Command ssebench load-tests and benchmarks Server-Sent Events servers.
//
// It is the only place in the module that exits the process or touches the
// terminal; the packages it drives return errors and values.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes, documented in the README; users' CI scripts depend on them.
const (
	exitOK        = 0 // the command did what was asked
	exitError     = 1 // the run could not be done or measured nothing
	exitUsage     = 2 // a bad flag, argument or scenario
	exitThreshold = 3 // a threshold failed
	exitRegressed = 4 // compare found a regression
	// exitInterrupted: SIGINT or SIGTERM stopped the command early. Every
	// report was still written (marked interrupted), but the figures
	// cover part of what was asked, so CI must not take them as a pass.
	exitInterrupted = 5
)

// command is one subcommand: a name, a one-line summary for `ssebench help`,
// and the function that runs it with its arguments (without the name).
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands is the command table, in the order `ssebench help` lists it.
func commands() []command {
	return []command{
		{"run", "open SSE subscribers against a URL (or the embedded reference server) and measure", cmdRun},
		{"serve", "run the reference SSE server", cmdServe},
		{"report", "render a saved JSON result in another format", cmdReport},
		{"limits", "find the highest load a server sustains within SLOs, and probe its connection limits", cmdLimits},
		{"bench", "benchmark several SSE servers side by side from a suite file, ranked with server CPU and memory", cmdBench},
		{"compare", "compare a baseline with a new run and flag regressions (exit 4)", cmdCompare},
		{"merge", "merge the results of a sharded run exactly, and judge thresholds on the whole", cmdMerge},
		{"k8s", "render a Kubernetes Indexed Job for a sharded run; collect and merge its results", cmdK8s},
		{"version", "print the version", cmdVersion},
		{"help", "show help for a command", cmdHelp},
	}
}

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// realMain runs one command and maps its error to an exit code. The first
// SIGINT/SIGTERM cancels the context so the command can stop cleanly and still
// write its report; stop() is then called so that a second signal kills the
// process the default way.
func realMain(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop()
	}()
	if len(args) == 0 {
		printHelp(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		name = "help"
	case "-v", "-version", "--version":
		name = "version"
	}
	var names []string
	for _, c := range commands() {
		if c.name == name {
			return exitCode(c.run(ctx, args[1:], stdout, helpOutput{Writer: stderr, stdout: stdout}), stderr)
		}
		names = append(names, c.name)
	}
	msg := fmt.Sprintf("unknown command %q", name)
	if best := suggest(name, names); best != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", best)
	}
	fmt.Fprintf(stderr, "ssebench: %s\nRun 'ssebench help' for the commands.\n", msg)
	return exitUsage
}

// exitCode prints err (if any) as one line and chooses the exit code.
func exitCode(err error, stderr io.Writer) int {
	var ce *codeError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &ce):
		if ce.err != nil {
			fmt.Fprintf(stderr, "ssebench: %v\n", ce.err)
		}
		return ce.code
	default:
		fmt.Fprintf(stderr, "ssebench: %v\n", err)
		return exitError
	}
}

// errHelp is returned when -h was asked for: the usage was printed and the
// exit code is 0.
var errHelp = errors.New("help requested")

// codeError carries a specific exit code with its error. A nil err means the
// message was already printed.
type codeError struct {
	code int
	err  error
}

func (e *codeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *codeError) Unwrap() error { return e.err }

// usageErrorf returns an error that exits with exitUsage.
func usageErrorf(format string, args ...any) error {
	return &codeError{code: exitUsage, err: fmt.Errorf(format, args...)}
}
