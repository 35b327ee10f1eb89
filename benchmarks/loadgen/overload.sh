#!/usr/bin/env bash
# Overload case: the load generator pinned to one core, against a server that
# sends far more than one core can read. It checks that the numbers stay
# honest when the client is the bottleneck: the run ends on time, the
# steady state holds the events (not the ramp), and the self-check says the
# load generator was saturated and why.
#
#   benchmarks/loadgen/overload.sh            # 1000 subscribers, 12s, server --rate 5000
#
# The reference server runs as its own process on the other core(s); both
# stay on 127.0.0.1 and are stopped by their own PID. Needs taskset (util-linux)
# and python3.
#
# Environment: OUT (folder for the binary, logs and results; default a new
# temp folder), BIN (an ssebench binary to measure instead of building one),
# PORT (default 29710), SUBS (1000), DURATION (12s), RATE (5000), CLIENT_CPU
# (the core the client is pinned to, 0), SERVER_CPUS (the server's cores,
# default every other core).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/ssebench-overload.XXXXXX")}
PORT=${PORT:-29710}
SUBS=${SUBS:-1000}
DURATION=${DURATION:-12s}
RATE=${RATE:-5000}
CLIENT_CPU=${CLIENT_CPU:-0}
BASE=http://127.0.0.1:$PORT
SP=

if [ -z "${SERVER_CPUS:-}" ]; then
	SERVER_CPUS=$(python3 -c "import os; c=sorted(os.sched_getaffinity(0)-{$CLIENT_CPU}); print(','.join(map(str,c)) or '$CLIENT_CPU')")
fi

ulimit -n "$(ulimit -Hn)"

cleanup() {
	[ -n "$SP" ] && kill "$SP" 2>/dev/null && wait "$SP" 2>/dev/null
	return 0
}
trap cleanup EXIT

if [ -z "${BIN:-}" ]; then
	BIN=$OUT/ssebench
	(cd "$ROOT" && go build -o "$BIN" ./cmd/ssebench)
fi

taskset -c "$SERVER_CPUS" "$BIN" serve --addr "127.0.0.1:$PORT" --rate "$RATE" --flush-interval 10ms --heartbeat 0 >"$OUT/serve.log" 2>&1 &
SP=$!
for _ in $(seq 100); do
	curl -sf "$BASE/healthz" >/dev/null 2>&1 && break
	kill -0 "$SP" 2>/dev/null || { cat "$OUT/serve.log" >&2; exit 1; }
	sleep 0.1
done

t0=$(date +%s.%N)
rc=0
taskset -c "$CLIENT_CPU" "$BIN" run "$BASE/events" --subscribers "$SUBS" --duration "$DURATION" \
	--quiet --out "$OUT/overload.json" >"$OUT/overload.txt" 2>&1 || rc=$?
t1=$(date +%s.%N)

python3 - "$OUT/overload.json" "$t0" "$t1" "$DURATION" "$rc" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
wall = float(sys.argv[3]) - float(sys.argv[2])
ramp = r.get("ramp") or {}
steady_ev, ramp_ev = r["events"]["received"], ramp.get("events", 0)
total = steady_ev + ramp_ev
sc = r["self_check"]
print(f"asked --duration {sys.argv[4]}: steady state {r['duration_s']:.1f}s, ramp {ramp.get('duration_s', 0):.1f}s, "
      f"wall time of the run {wall:.1f}s (exit {sys.argv[5]})")
print(f"events: {steady_ev} steady, {ramp_ev} outside it => {100*ramp_ev/max(total,1):.1f}% outside the steady state")
ivs = r.get("intervals", [])
if ivs:
    big = max(ivs, key=lambda iv: iv["events"])
    span = big["elapsed_s"] - big.get("start_s", big["elapsed_s"])
    print(f"intervals: {len(ivs)}, largest {big['events']} events ending at {big['elapsed_s']:.1f}s"
          + (f" (covers {span:.2f}s, phase {big.get('phase','?')})" if "start_s" in big else ""))
keys = ["saturated", "signal", "cause", "cpu_percent", "cores", "reader_lag_us", "sched_latency_p99_us",
        "processing_lag_p99_us", "tick_late_p99_us", "steal_percent", "host_busy_percent"]
print("self_check: " + ", ".join(f"{k}={sc[k]}" for k in keys if k in sc))
if sc.get("reason"):
    print("self_check.reason: " + sc["reason"])
PY
echo "logs and results in $OUT"
