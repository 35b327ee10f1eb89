package capacity

import (
	"fmt"
	"strings"

	"github.com/ssebench/ssebench/loadgen"
	"github.com/ssebench/ssebench/reports/result"
)

// ShardAdvice is what the result tells a user whose search hit the client's
// limit.
const ShardAdvice = "shard the load: run several ssebench processes (or machines), each with a share of the load, " +
	"and add up what the server sustained"

// clientLimit tells whether ssebench itself was the bottleneck of a step,
// and why. Three signs count, each of which describes the client and not
// the server:
//
//   - the self-check says saturated: ssebench used the CPU it may use, or
//     its goroutines woke up late, so latencies include its own backlog;
//   - connections failed with fd_limit: ssebench ran out of descriptors;
//   - connections failed with local_ports: ssebench ran out of ephemeral
//     ports or source addresses.
//
// A server that refuses, resets or stalls connections shows other classes
// (dial, status, timeout, read, …), which are the server's. onlySaturated
// is true when saturation is the only sign.
func clientLimit(r *result.Report) (why string, limited, onlySaturated bool) {
	var reasons []string
	if r.SelfCheck.Saturated {
		msg := fmt.Sprintf("ssebench was saturated (CPU %.0f%% of %d cores, scheduler lag p99 %.1f ms)",
			r.SelfCheck.CPUPercent, r.SelfCheck.Cores, float64(r.SelfCheck.ReaderLagUS)/1000)
		if r.Embedded {
			msg += "; the embedded server shared this process, so the limit is the process's, not a server's"
		}
		reasons = append(reasons, msg)
	}
	if n := r.Errors[loadgen.ClassFDLimit]; n > 0 {
		reasons = append(reasons, fmt.Sprintf("%d connections failed because ssebench ran out of file descriptors (raise ulimit -n)", n))
	}
	if n := r.Errors[loadgen.ClassLocalPorts]; n > 0 {
		reasons = append(reasons, fmt.Sprintf("%d connections failed because ssebench ran out of local ports (add --source-ips)", n))
	}
	if len(reasons) == 0 {
		return "", false, false
	}
	onlySaturated = r.Errors[loadgen.ClassFDLimit] == 0 && r.Errors[loadgen.ClassLocalPorts] == 0
	return strings.Join(reasons, "; "), true, onlySaturated
}
