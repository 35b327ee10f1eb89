package main

import (
	"context"
	"fmt"
	"io"
)

func cmdHelp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printHelp(stdout)
		for _, c := range commands() {
			if c.name == "help" {
				continue
			}
			fmt.Fprintf(stdout, "\n──── ssebench %s ────\n", c.name)
			_ = c.run(ctx, []string{"-h"}, stdout, stdout)
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] && c.name != "help" {
			// Every command prints its full flag list for -h.
			return c.run(ctx, []string{"-h"}, stdout, stdout)
		}
	}
	return usageErrorf("help: unknown command %q", args[0])
}

// printHelp lists the commands and every command's flags.
func printHelp(w io.Writer) {
	fmt.Fprint(w, `ssebench: load testing and benchmarking for Server-Sent Events servers.

Usage: ssebench COMMAND [flags] [args]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run 'ssebench help COMMAND' or 'ssebench COMMAND -h' for a command's flags.
Flags take one or two dashes (--subscribers 100 or -subscribers=100).

Exit status: 0 ok, 1 error (nothing could be measured), 2 bad usage,
3 thresholds failed, 4 regression found by compare, 5 interrupted
(SIGINT or SIGTERM; the reports are still written, marked interrupted).
`)
}
