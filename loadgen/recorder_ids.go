package loadgen

import "github.com/ssebench/ssebench/loadgen/ids"

// idNotice records id accounting that comes without a received event: the
// events a lost notice names (gaps, of which lost fell across a reconnect)
// and ids that went down after a reconnect (resets). It is rare, so it
// takes the Recorder's lock on its own.
func (r *Recorder) idNotice(gaps, lost, resets uint64) {
	r.mu.Lock()
	r.c.gaps += gaps
	r.c.lost += lost
	r.c.idResets += resets
	r.mu.Unlock()
}

// idTally adds a session's id tally, once, when the session ends.
func (r *Recorder) idTally(t ids.Tally) {
	r.mu.Lock()
	r.c.ids.Add(t)
	r.mu.Unlock()
}
