package refserver

// round is what a writing goroutine (a worker, or a stream's handler) lends
// to a subscriber call: counters summed over a round of writes, and scratch
// space. It is owned by one goroutine at a time.
type round struct {
	tally
	rawIO // platform-specific syscall scratch; see conn_unix.go

	// epoch is the worker's current heartbeat period; a write stamps it
	// on the subscriber (see worker.heartbeat).
	epoch uint32
	// buf and composed hold frames re-encoded with composite ids (see
	// base.compose) for the duration of one deliver call.
	buf      []byte
	composed []frame
}

// newRound returns a round ready for use.
func newRound() *round {
	r := &round{}
	r.rawIO.init()
	return r
}
