package result

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Failure says, in one line, why a run measured nothing: "no subscriber
// connected: 100 × dial: connection refused", naming the error class with
// the most failures, how many, and the innermost part of its first
// message. A certificate problem adds what to do about it. It is "" for a
// run in which some subscriber connected.
func (r *Report) Failure() string {
	if r.Subscribers.Connected > 0 {
		return ""
	}
	cause := r.DominantError()
	if cause == "" {
		if r.Interrupted {
			return "no subscriber connected before the run was interrupted"
		}
		return "no subscriber connected"
	}
	msg := "no subscriber connected: " + cause
	if hint := certificateHint(r); hint != "" {
		msg += "; " + hint
	}
	return msg
}

// DominantError returns the error class with the most failures as
// "100 × dial: connection refused" (count, class, the innermost part of
// the class's example message), or "" when nothing failed. Ties go to the
// class first in name order.
func (r *Report) DominantError() string {
	best, n := "", int64(0)
	for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
		if r.Errors[k] > n {
			best, n = k, r.Errors[k]
		}
	}
	if best == "" {
		return ""
	}
	s := fmt.Sprintf("%d × %s", n, best)
	if ex := innermost(r.ErrorSamples[best]); ex != "" && ex != best {
		s += ": " + ex
	}
	return s
}

// innermost returns the last part of a wrapped error message, which says
// what went wrong ("dial tcp 127.0.0.1:1: connect: connection refused" →
// "connection refused"); a status line or a short message stays whole.
func innermost(msg string) string {
	msg = strings.TrimSpace(msg)
	parts := strings.Split(msg, ": ")
	last := parts[len(parts)-1]
	// "x509: certificate signed by unknown authority" reads better with
	// its prefix; so does a message whose last part is a lone word.
	if len(parts) >= 2 && (strings.HasSuffix(parts[len(parts)-2], "x509") || len(strings.Fields(last)) < 2) {
		return parts[len(parts)-2] + ": " + last
	}
	return last
}

// certificateHint suggests --ca or --insecure when subscribers failed on
// the server's certificate.
func certificateHint(r *Report) string {
	for class, msg := range r.ErrorSamples {
		if r.Errors[class] == 0 {
			continue
		}
		if strings.Contains(msg, "x509") || strings.Contains(msg, "certificate") {
			return "the server's certificate is not trusted: give --ca FILE with the authority that signed it, or --insecure to skip verification (test servers only)"
		}
	}
	return ""
}
