package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/ssebench/ssebench/reports/result"
)

// helpOutput is the stderr writer realMain hands to commands. It carries
// stdout along, so that the usage a command prints for -h goes to stdout
// (it was asked for; `ssebench run -h | less` works) while flag errors stay
// on stderr. Commands pass it on to newFlagSet unchanged.
type helpOutput struct {
	io.Writer           // stderr
	stdout    io.Writer // where -h prints
}

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
// Flag errors become usage errors (exit 2) in ssebench's own words, and -h
// prints the usage (on stdout) and becomes errHelp (exit 0).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	out := fs.Output()
	full := fs.Usage
	// The flag package prints its own error and the whole usage; both are
	// replaced by one line of ours (a wall of flags would bury the error).
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	defer func() { fs.SetOutput(out); fs.Usage = full }()
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				if h, ok := out.(helpOutput); ok {
					out = h.stdout
				}
				fs.SetOutput(out)
				full()
				return nil, errHelp
			}
			return nil, usageErrorf("%s\nRun '%s -h' for its flags.", flagError(fs, err), fs.Name())
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

// The flag package's error messages, which flagError rewrites.
var (
	reInvalidValue = regexp.MustCompile(`^invalid (?:boolean )?value ("(?:[^"\\]|\\.)*") for (?:flag )?-+([^:]+): (.*)$`)
	reUndefined    = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)
	reNeedsArg     = regexp.MustCompile(`^flag needs an argument: -+(.*)$`)
)

// flagError rewrites an error of fs.Parse in ssebench's own words:
//
//	--duration: "10" is not a duration (want 10s, 500ms, 1m30s)
//	unknown flag --subscriber (did you mean --subscribers?)
func flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if m := reUndefined.FindStringSubmatch(msg); m != nil {
		s := "unknown flag --" + m[1]
		if m[1] == "v" || m[1] == "version" {
			return s + " (for the version, run 'ssebench --version')"
		}
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if best := suggest(m[1], names); best != "" {
			s += fmt.Sprintf(" (did you mean --%s?)", best)
		}
		return s
	}
	if m := reNeedsArg.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("--%s needs a value", m[1])
	}
	if m := reInvalidValue.FindStringSubmatch(msg); m != nil {
		f := fs.Lookup(m[2])
		if f == nil {
			return msg
		}
		return fmt.Sprintf("--%s: %s", f.Name, valueError(f, m[1], errors.New(m[3])))
	}
	return msg
}

// valueError says why quoted (a Go-quoted value) does not fit flag f.
func valueError(f *flag.Flag, quoted string, err error) string {
	if g, ok := f.Value.(flag.Getter); ok {
		if msg := err.Error(); msg == "parse error" || msg == "value out of range" || strings.HasPrefix(msg, "strconv.") || strings.HasPrefix(msg, "time: ") {
			switch g.Get().(type) {
			case time.Duration:
				return quoted + " is not a duration (want 10s, 500ms, 1m30s)"
			case bool:
				return quoted + " is not true or false"
			case int, int64, uint, uint64:
				if msg == "value out of range" {
					return quoted + " is out of range"
				}
				return quoted + " is not a whole number"
			case float64:
				return quoted + " is not a number"
			}
		}
	}
	return fmt.Sprintf("%s: %v", quoted, err)
}

// suggest returns the candidate closest to word (a typo two edits away, or
// a word it starts or ends), or "" when none is close.
func suggest(word string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if c == word {
			return c
		}
		if d := result.EditDistance(word, c, bestD); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		for _, c := range candidates {
			if len(word) >= 3 && (strings.HasPrefix(c, word) || strings.HasPrefix(word, c) && len(c) >= 3) {
				return c
			}
		}
	}
	return best
}

// setFlags returns the names of the flags given on the command line.
func setFlags(fs *flag.FlagSet) map[string]bool {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set
}
