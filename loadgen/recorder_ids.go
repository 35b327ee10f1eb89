package loadgen

import (
	"time"

	"github.com/ssebench/ssebench/loadgen/ids"
)

// idNotice records id accounting that comes without a received event, at
// at: the events a lost notice names (gaps, of which lost fell across a
// reconnect) and ids that went down after a reconnect (resets).
func (r *Recorder) idNotice(at time.Time, gaps, lost, resets uint64) {
	r.count(at, counters{gaps: gaps, lost: lost, idResets: resets})
}

// idTally adds a session's id tally, once, when the session ends at at.
func (r *Recorder) idTally(at time.Time, t ids.Tally) {
	r.count(at, counters{ids: t})
}
