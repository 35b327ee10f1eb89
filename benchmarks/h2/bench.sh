#!/usr/bin/env bash
# Benchmarks of the frame-level HTTP/2 subscriber engine (loadgen/h2sub).
#
# The reference server runs as its own process (`ssebench serve`); the
# engine runs alone in benchmarks/h2/h2hold, a small program that holds
# streams with it and records what a load generator must per event (count,
# sequence gaps, fan-out latency into an HDR histogram). Everything stays on
# 127.0.0.1, every case is bounded in time, and each process is stopped by
# its own PID. Run it on a quiet machine: other load skews the CPU figures.
#
#   benchmarks/h2/bench.sh idle [N]  # RSS per idle h2c stream (N=50000, 8 connections): the engine
#                                    # alone (h2hold) and the server, then `ssebench run --protocol h2c`
#   benchmarks/h2/bench.sh cpu       # CPU per delivered event at 100k events/s: engine, and
#                                    # `ssebench run` over h1 and h2c for comparison
#   benchmarks/h2/bench.sh million [N]  # N (1,000,000) `ssebench run --protocol h2c` subscribers
#                                    # over 100 topics, one event each per 10 s on average
#   benchmarks/h2/bench.sh server-cpu  # the server's CPU per delivered event: 1,000 h2c streams
#                                    # on 8 connections, 100 events/s each (100k deliveries/s)
#   benchmarks/h2/bench.sh all   # idle and cpu
#
# RSS per stream is the slope between a run with 200 streams and one with
# N, each sampled after every stream is open and a few seconds have passed,
# so fixed costs (runtime, buffers) drop out.
#
# The reference server serves HTTP/2 with the engine H2_ENGINE names
# (`ssebench serve --h2-engine`): frames, its frame-level engine with no
# goroutine per stream (the default), or stdlib, net/http's HTTP/2 server:
#
#   H2_ENGINE=stdlib benchmarks/h2/bench.sh idle
#
# Environment: OUT (folder for binaries, logs and results; default a new temp
# folder), PORT (default 29800), H2_ENGINE (see above; SSEBENCH_LEAN_H2C=1,
# which older notes set, means frames).
set -euo pipefail

PORT=${PORT:-29800}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/ssebench-h2bench.XXXXXX")}
# shellcheck source=benchmarks/lib.sh
. "$(dirname "$0")/../lib.sh"
H2_ENGINE=${H2_ENGINE:-frames}
case "$H2_ENGINE" in
frames) ENGINE_NAME="frame-level HTTP/2 engine" ;;
stdlib) ENGINE_NAME="net/http HTTP/2 server" ;;
*)
	echo "H2_ENGINE must be frames or stdlib, got $H2_ENGINE" >&2
	exit 2
	;;
esac

# build_all: ssebench and h2hold.
build_all() {
	build
	[ -x "$OUT/h2hold" ] || (cd "$ROOT" && go build -o "$OUT/h2hold" ./benchmarks/h2/h2hold)
}

# start_h2_server FLAGS...: the reference server with no heartbeats, on
# the HTTP/2 engine H2_ENGINE names.
start_h2_server() { start_server --heartbeat 0 --h2-engine "$H2_ENGINE" "$@"; }

# sample_rss N: once the client (CP) has its N streams open on the server,
# wait 5 s, print "client_KiB server_KiB", and wait for the client to end.
sample_rss() {
	wait_subscribers "$1" 600 || true
	sleep 5
	echo "$(rss_kib "$CP") $(rss_kib "$SP")"
	wait "$CP" || true
	CP=
}

# hold_rss N: hold N streams with h2hold, and print "client_KiB server_KiB"
# sampled 5 s after every stream is open.
hold_rss() {
	local n=$1
	"$OUT/h2hold" -url "$BASE/events" -n "$n" -conns 8 -warm 0 -hold 12s >"$OUT/hold-$n.txt" 2>"$OUT/hold-$n.log" &
	CP=$!
	sample_rss "$n"
}

# run_rss N: hold N h2c subscribers with `ssebench run` (the load generator
# itself: its engine, slots, Recorders and aggregator), and print
# "client_KiB server_KiB" sampled 5 s after every stream is open.
run_rss() {
	local n=$1
	"$BIN" run --protocol h2c --connections 8 --subscribers "$n" --duration 12s --quiet \
		--out "$OUT/idle-run-$n.json" "$BASE/events" >"$OUT/idle-run-$n.txt" 2>&1 &
	CP=$!
	sample_rss "$n"
}

idle() {
	local n=$1
	build_all
	start_h2_server --rate 1
	local small big rsmall rbig
	small=$(hold_rss 200)
	big=$(hold_rss "$n")
	rsmall=$(run_rss 200)
	rbig=$(run_rss "$n")
	stop_server
	local path="$ENGINE_NAME, --h2-engine $H2_ENGINE"
	awk -v a="$small" -v b="$big" -v n="$n" -v path="$path" 'BEGIN {
		split(a, s, " "); split(b, l, " ")
		printf "idle h2c, N=%d over 8 connections: engine RSS %d KiB at 200, %d KiB at %d => %.2f KiB per stream\n", n, s[1], l[1], n, (l[1] - s[1]) / (n - 200)
		printf "                                 server RSS %d KiB at 200, %d KiB at %d => %.2f KiB per stream (%s)\n", s[2], l[2], n, (l[2] - s[2]) / (n - 200), path
	}'
	grep -h 'open in' "$OUT/hold-$n.log" || true
	awk -v a="$rsmall" -v b="$rbig" -v n="$n" 'BEGIN {
		split(a, s, " "); split(b, l, " ")
		printf "idle h2c, N=%d, ssebench run --protocol h2c --connections 8: RSS %d KiB at 200, %d KiB at %d => %.2f KiB per subscriber\n", n, s[1], l[1], n, (l[1] - s[1]) / (n - 200)
	}'
}

# loadgen_cpu PROTO: today's load generator, as benchmarks/loadgen/bench.sh
# cpu measures it.
loadgen_cpu() {
	local proto=$1
	"$BIN" run --protocol "$proto" --subscribers 1000 --duration 10s --quiet --out "$OUT/cpu-$proto.json" "$BASE/events" >"$OUT/cpu-$proto.txt" 2>&1 || true
	python3 - "$OUT/cpu-$proto.json" "$proto" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
sc, ev, d = r["self_check"], r["events"]["received"], r["duration_s"]
us = sc["cpu_percent"] / 100 * d * 1e6 / max(ev, 1)
print(f"ssebench run --protocol {sys.argv[2]}: {ev} events in {d:.1f}s ({ev/d:.0f}/s), CPU {sc['cpu_percent']:.0f}% of one core "
      f"=> {us:.2f} us CPU per event; fan-out p99 {r['latency_us']['fanout']['p99']/1000:.1f} ms, gaps {r['events']['gaps']}")
PY
}

cpu() {
	build_all
	start_h2_server --rate 100 --payload 64
	"$OUT/h2hold" -url "$BASE/events" -n 1000 -warm 2s -hold 10s >"$OUT/cpu-engine.txt" 2>"$OUT/cpu-engine.log"
	awk '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "h2sub engine (h2c): %d events (%s/s), CPU %s%% of one core => %s us CPU per event; fan-out p50 %.1f ms, p99 %.1f ms, gaps %s\n",
			v["events"], v["events_per_s"], v["cpu_percent"], v["us_per_event"], v["p50_us"] / 1000, v["p99_us"] / 1000, v["gaps"]
	}' "$OUT/cpu-engine.txt"
	loadgen_cpu h1
	loadgen_cpu h2c
	stop_server
}

# frames_written: the server's frames_written counter (events delivered).
frames_written() { curl -sf "$BASE/stats" | grep -o '"frames_written":[0-9]*' | head -1 | cut -d: -f2; }

# server_cpu: the server's CPU time per delivered event, over a 10 s window
# once 1,000 h2c streams (8 connections) take 100 events/s each.
server_cpu() {
	build_all
	start_h2_server --rate 100 --payload 64
	"$OUT/h2hold" -url "$BASE/events" -n 1000 -conns 8 -warm 0 -hold 20s >"$OUT/server-cpu.txt" 2>"$OUT/server-cpu.log" &
	CP=$!
	wait_subscribers 1000 150 || true
	sleep 3
	local c0 e0 c1 e1
	c0=$(cpu_ticks "$SP")
	e0=$(frames_written)
	sleep 10
	c1=$(cpu_ticks "$SP")
	e1=$(frames_written)
	wait "$CP" || true
	CP=
	stop_server
	awk -v c0="$c0" -v c1="$c1" -v e0="$e0" -v e1="$e1" -v hz="$(getconf CLK_TCK)" -v path="$ENGINE_NAME" 'BEGIN {
		cpu = (c1 - c0) / hz; ev = e1 - e0
		printf "server CPU over h2c (%s): %d events in 10 s (%.0f/s), %.0f%% of one core => %.2f us CPU per delivered event\n",
			path, ev, ev / 10, cpu * 10, cpu * 1e6 / ev
	}'
}

# million N: N h2c subscribers (default 1,000,000) held by `ssebench run
# --protocol h2c` against `ssebench serve` (--h2-engine $H2_ENGINE). The
# subscribers are spread over TOPICS topics t0 … t(TOPICS-1) with a URL
# template (subscriber i reads topic t(i mod TOPICS), N/TOPICS each), as
# capacity tests spread users over channels. Each topic has its own
# generator on the server publishing 0.1 events/s, so each subscriber gets
# one event per 10 s on average and the server delivers N/10 events/s in
# all (100,000 for a million), each event fanned out to N/TOPICS streams.
# The generators are poisson (seeded, so runs repeat): constant ones would
# all start together and publish in the same instant, one fan-out to all N
# streams every 10 s, which is what the single-topic run measured.
# It prints RSS per subscriber on each side (fixed costs included), the time
# to open every stream, the delivery ratio (received ÷ (received + gaps),
# by sequence id), fan-out p50/p99 over a 60 s steady state and the
# self-check's verdict on the load generator.
# Environment: TOPICS (default 100), CONNS (--connections, default 16),
# MAX_STREAMS (the server's SETTINGS_MAX_CONCURRENT_STREAMS, default
# 100000; N / MAX_STREAMS connections at least, well under the fd limit),
# DURATION (the steady state, default 60s), SAMPLE_AFTER (seconds after all
# are open to sample RSS, default 30).
million() {
	local n=$1
	build_all
	local topics=${TOPICS:-100} gens=() k
	for ((k = 0; k < topics; k++)); do
		gens+=(--generator "topic=t$k,rate=0.1,payload=64,pattern=poisson,seed=$((k + 1))")
	done
	start_h2_server --rate 0 --max-topics "$((topics + 1))" "${gens[@]}" --max-streams "${MAX_STREAMS:-100000}" --max-subscribers "$((n + 1000))"
	local s0 t0 t1
	s0=$(rss_kib "$SP")
	t0=$(date +%s.%N)
	"$BIN" run --protocol h2c --connections "${CONNS:-16}" --subscribers "$n" --duration "${DURATION:-60s}" \
		--connect-timeout 120s --interval 5s --quiet --out "$OUT/million.json" "$BASE/events?topic=t{sub%$topics}" >"$OUT/million.txt" 2>"$OUT/million.log" &
	CP=$!
	local t=0
	while [ "$(server_subscribers)" != "$n" ]; do
		sleep 0.5
		t=$((t + 1))
		kill -0 "$CP" 2>/dev/null || break
		[ $t -gt 1800 ] && { echo "only $(server_subscribers) of $n connected" >&2; break; }
	done
	t1=$(date +%s.%N)
	sleep "${SAMPLE_AFTER:-30}" # into the steady state
	local c s
	c=$(rss_kib "$CP")
	s=$(rss_kib "$SP")
	wait "$CP" || true
	CP=
	stop_server
	local path="$ENGINE_NAME"
	awk -v c="$c" -v s="$s" -v s0="$s0" -v n="$n" -v path="$path" -v topics="$topics" -v ct="$(echo "$t1 - $t0" | bc)" 'BEGIN {
		printf "million: %d subscribers over %d topics, all open on the server %.1f s after ssebench run started\n", n, topics, ct
		printf "         ssebench run RSS %d KiB => %.2f KiB per subscriber (fixed costs included)\n", c, c / n
		printf "         server RSS %d KiB (%d KiB before) => %.2f KiB per subscriber (%s)\n", s, s0, (s - s0) / n, path
	}'
	python3 - "$OUT/million.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
sub, ev, lat, sc = r["subscribers"], r["events"], r["latency_us"], r["self_check"]
got, gaps = ev["received"], ev["gaps"]
ratio = got / (got + gaps) if got + gaps else 0
print(f"         subscribers: {sub['connected']} connected of {sub['requested']}, {sub['failed']} failed, {sub['dropped']} dropped; errors {r['errors']}")
exp = 0.1 * r["duration_s"] * sub["requested"]  # 0.1 events/s on every subscriber's topic (poisson: a mean)
print(f"         steady state {r['duration_s']:.0f} s: {got} events ({ev['rate_per_s']:.0f}/s), gaps {gaps}, delivery ratio {ratio:.6f} "
      f"(by sequence id; {got / exp if exp else 0:.3f} of the nominal rate x duration x subscribers)")
print(f"         fan-out p50 {lat['fanout']['p50']/1000:.1f} ms, p99 {lat['fanout']['p99']/1000:.1f} ms, max {lat['fanout']['max']/1000:.1f} ms; "
      f"connect p50 {lat['connect']['p50']/1000:.1f} ms, p99 {lat['connect']['p99']/1000:.1f} ms; ssebench CPU {sc['cpu_percent']:.0f}% of one core")
verdict = f"SATURATED, signal {sc.get('signal')}, cause {sc.get('cause')}: {sc.get('reason')}" if sc["saturated"] else "clean (not saturated)"
print(f"         self-check: {verdict}; sched latency p99 {sc['sched_latency_p99_us']/1000:.1f} ms, processing lag p99 "
      f"{sc['processing_lag_p99_us']/1000:.1f} ms, reader lag {sc['reader_lag_us']/1000:.1f} ms, host busy {sc['host_busy_percent']:.0f}%")
for w in r.get("warnings", []):
    print(f"         warning: {w}")
PY
}

case "${1:-all}" in
idle) idle "${2:-50000}" ;;
cpu) cpu ;;
server-cpu) server_cpu ;;
million) million "${2:-1000000}" ;;
all)
	idle 50000
	cpu
	;;
*)
	sed -n '2,32p' "$0"
	exit 2
	;;
esac
echo "logs and results in $OUT"
