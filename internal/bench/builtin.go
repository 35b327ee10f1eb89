package bench

import _ "embed"

//go:embed builtin.yaml
var builtinYAML []byte

// Builtin returns the suite `ssebench bench` runs with no suite file: the
// reference server with per-event flushing against coalesced flushing. It
// needs nothing installed beyond ssebench itself ({ssebench}).
func Builtin() *Suite {
	s, err := Parse("(built-in suite)", builtinYAML)
	if err != nil {
		panic("bench: the built-in suite does not parse: " + err.Error())
	}
	return s
}
