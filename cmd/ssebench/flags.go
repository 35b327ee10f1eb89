package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlagSet returns a flag set for `ssebench NAME` whose errors are returned,
// not printed-and-exited, so main chooses the exit code. usage is the synopsis
// line, e.g. "ssebench run [flags] [URL]".
func newFlagSet(name, usage, about string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("ssebench "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s\n\n%s\n\nFlags:\n", usage, about)
		printDefaults(fs)
	}
	return fs
}

// printDefaults prints every flag with a double dash, its help and default.
func printDefaults(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(fs.Output(), "%s\n    \t%s", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" && f.DefValue != "[]" {
			fmt.Fprintf(fs.Output(), " (default %s)", f.DefValue)
		}
		fmt.Fprintln(fs.Output())
	})
}

// parseFlags parses args, allowing flags after positional arguments
// (`ssebench run URL --duration 5s`), and returns the positional arguments.
// Flag errors become usage errors (exit 2) and -h becomes errHelp (exit 0).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	// A bad flag gets its one-line error and a hint; only -h prints the
	// whole usage (a wall of flags would bury the error).
	full := fs.Usage
	fs.Usage = func() {}
	defer func() { fs.Usage = full }()
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				full()
				return nil, errHelp
			}
			// flag already printed the error itself.
			fmt.Fprintf(fs.Output(), "Run '%s -h' for its flags.\n", fs.Name())
			return nil, &codeError{code: exitUsage}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
