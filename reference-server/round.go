package refserver

// round is what a writing goroutine (a worker, or a stream's handler) lends
// to a subscriber call: counters summed over a round of writes, and scratch
// space for system calls. It is owned by one goroutine at a time.
type round struct {
	tally
	rawIO // platform-specific syscall scratch; see conn_unix.go
}

// newRound returns a round ready for use.
func newRound() *round {
	r := &round{}
	r.rawIO.init()
	return r
}
