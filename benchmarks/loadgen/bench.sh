#!/usr/bin/env bash
# Benchmarks of the load generator: its speed and memory per subscriber.
#
# The reference server runs as its own process (`ssebench serve`) and
# `ssebench run` is measured as the client in another process, so each has
# the whole fd limit and its own RSS. Everything stays on 127.0.0.1, every
# case is bounded in time, and each process is stopped by its own PID.
#
#   benchmarks/loadgen/bench.sh idle-h1  [N]   # client RSS per idle HTTP/1.1 subscriber (N=19000)
#   benchmarks/loadgen/bench.sh idle-h2c [N]   # client RSS per idle h2c stream (N=50000, 8 connections)
#   benchmarks/loadgen/bench.sh cpu            # client CPU per delivered event at 100k events/s,
#                                              # (and, when LIMITS names one, a minimal floor client's)
#   benchmarks/loadgen/bench.sh all
#
# RSS per subscriber is the slope between a run with 200 subscribers and one
# with N, each sampled in the middle of its steady state, so the process's
# fixed cost (histograms, runtime) drops out.
#
# Environment: OUT (folder for binaries, logs and results; default a new temp
# folder), PORT (default 29700), LIMITS (a folder with a minimal stdlib-only
# SSE client in cli/, to compare against; optional).
set -euo pipefail

PORT=${PORT:-29700}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/ssebench-lgbench.XXXXXX")}
# shellcheck source=benchmarks/lib.sh
. "$(dirname "$0")/../lib.sh"
LIMITS=${LIMITS:-$ROOT/../shared/limits} # the stdlib-only floor programs, when present

# client_rss N FLAGS...: run ssebench with N subscribers for 12 s of steady
# state and print its RSS (KiB) sampled 6 s into the steady state.
client_rss() {
	local n=$1
	shift
	"$BIN" run --subscribers "$n" --duration 12s --connect-timeout 30s --quiet --out "$OUT/rss-$n.json" "$@" "$BASE/events" >"$OUT/rss-$n.txt" 2>&1 &
	CP=$!
	# Wait for the steady state: every subscriber connected (progress is
	# quiet, so poll the server's subscriber count).
	local t=0
	while [ "$(server_subscribers)" != "$n" ]; do
		sleep 0.2
		t=$((t + 1))
		[ $t -gt 300 ] && { echo "only $(curl -sf "$BASE/stats") connected" >&2; break; }
	done
	sleep 6
	rss_kib "$CP"
	wait "$CP" || true
	CP=
}

idle() {
	local proto=$1 n=$2
	shift 2
	build
	start_server --heartbeat 0 --rate 1
	local small big
	small=$(client_rss 200 --protocol "$proto" "$@")
	big=$(client_rss "$n" --protocol "$proto" "$@")
	stop_server
	local per
	per=$(awk -v a="$small" -v b="$big" -v n="$n" 'BEGIN {printf "%.1f", (b - a) / (n - 200)}')
	echo "idle $proto: N=$n client RSS ${small} KiB at 200, ${big} KiB at $n => $per KiB per subscriber"
	grep -E '"connected"|"failed"' "$OUT/rss-$n.json" | head -2 | tr -d ' \n'
	echo
}

cpu() {
	build
	start_server --heartbeat 0 --rate 100 --payload 64
	"$BIN" run --subscribers 1000 --duration 10s --quiet --out "$OUT/cpu.json" "$BASE/events" >"$OUT/cpu.txt" 2>&1
	# CPU per delivered event over the steady state, from the self-check.
	python3 - "$OUT/cpu.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
sc, ev, d = r["self_check"], r["events"]["received"], r["duration_s"]
us = sc["cpu_percent"] / 100 * d * 1e6 / max(ev, 1)
print(f"ssebench: {ev} events in {d:.1f}s ({ev/d:.0f}/s), CPU {sc['cpu_percent']:.0f}% of one core "
      f"=> {us:.2f} us CPU per event; fan-out p99 {r['latency_us']['fanout']['p99']/1000:.1f} ms, gaps {r['events']['gaps']}")
PY
	if [ -d "$LIMITS/cli" ]; then
		(cd "$LIMITS" && go build -o "$OUT/floorcli" ./cli)
		"$OUT/floorcli" -addr "127.0.0.1:$PORT" -path /events -n 1000 -d 10s -warm 2s >"$OUT/floor.txt" 2>&1 || true
		python3 - "$OUT/floor.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
ev = float(re.search(r"events/s=([0-9.]+)", t).group(1))
cpu = float(re.search(r"CPU%: cli=([0-9.]+)", t).group(1))
print(f"floor client: {ev:.0f} events/s, CPU {cpu:.0f}% of one core => {cpu/100/ev*1e6:.2f} us CPU per event")
PY
	else
		echo "floor client not found at $LIMITS/cli: set LIMITS" >&2
	fi
	stop_server
}

case "${1:-all}" in
idle-h1) idle h1 "${2:-19000}" ;;
idle-h2c) idle h2c "${2:-50000}" --connections 8 ;;
cpu) cpu ;;
all)
	idle h1 19000
	idle h2c 50000 --connections 8
	cpu
	;;
*)
	sed -n '2,20p' "$0"
	exit 2
	;;
esac
echo "logs and results in $OUT"
