#!/usr/bin/env bash
# Benchmarks of the reference server: its speed and memory per subscriber.
#
# The server runs as a process of its own (`ssebench serve`), and
# `ssebench run` is the client, in another process: each has the whole fd
# limit, and the server's RSS is its own. Everything stays on 127.0.0.1, each
# case is bounded in time, and both processes are stopped by their own PIDs.
#
#   benchmarks/server/bench.sh idle-h1  [N]  # server RSS per idle HTTP/1.1 subscriber (N=19000)
#   benchmarks/server/bench.sh idle-h2c [N]  # server RSS per idle h2c stream, one connection (N=50000)
#   benchmarks/server/bench.sh fanout        # 1,000 subscribers x 200 events/s x 64 B: p99, gaps
#   benchmarks/server/bench.sh coalesce      # 1,000 subscribers, --flush-interval 10ms: deliveries/s
#   benchmarks/server/bench.sh all
#
# Environment: OUT (folder for the binary, logs and JSON results; default a
# new temp folder), PORT (default 29600), DURATION (steady state of the
# fanout and coalesce cases, default 10s), RATE (events/s per subscriber of
# the coalesce case, default 1000), FLUSH (its --flush-interval, default 10ms).
set -euo pipefail

PORT=${PORT:-29600}
# shellcheck source=benchmarks/lib.sh
. "$(dirname "$0")/../lib.sh"
DURATION=${DURATION:-10s}

# stop_timed: stop the server with SIGTERM and say how long it took; it
# must exit within its --shutdown-timeout (5s) plus a little.
stop_timed() {
	local t0=$SECONDS
	kill -TERM "$SP"
	wait "$SP" || echo "  server exit status $?"
	echo "  server stopped by SIGTERM in $((SECONDS - t0))s or less"
	SP=
}

fds() { ls "/proc/$1/fd" | wc -l; }
stat_of() { curl -s "$BASE/stats" | jq -r ".$1"; }

# wait_subscribers N SECONDS: until the server holds N streams (its own
# count: the ground truth), or fail.
wait_subscribers() {
	local deadline=$((SECONDS + $2))
	until [ "$(stat_of subscribers)" -ge "$1" ]; do
		if [ $SECONDS -ge $deadline ] || ! kill -0 "$CP" 2>/dev/null; then
			echo "  only $(stat_of subscribers) of $1 subscribers after $2 s" >&2
			return 1
		fi
		sleep 0.5
	done
}

# idle PROTOCOL N CLIENT_FLAGS...: server RSS before and after N idle
# subscribers (no events; default heartbeats every 15 s).
idle() {
	local proto=$1 n=$2
	shift 2
	echo "== idle $proto: $n subscribers, no events"
	start_server --rate 0
	sleep 1
	local before
	before=$(rss_kib "$SP")
	"$BIN" run "$BASE/events" --protocol "$proto" --subscribers "$n" --duration 15s --quiet \
		--connect-timeout 60s --out "$OUT/idle-$proto.json" "$@" >"$OUT/idle-$proto.txt" 2>&1 &
	CP=$!
	local t0=$SECONDS
	wait_subscribers "$n" 120
	local took=$((SECONDS - t0))
	sleep 3 # let the runtime settle (GC, freed request buffers)
	local after
	after=$(rss_kib "$SP")
	echo "  connected $n in ${took}s; server fds $(fds "$SP"), goroutines $(curl -s "$BASE/metrics" | awk '/^go_goroutines/ {print $2}')"
	echo "  server RSS ${before} KiB -> ${after} KiB: $(awk -v a="$after" -v b="$before" -v n="$n" 'BEGIN {printf "%.2f", (a - b) / n}') KiB per subscriber"
	wait "$CP" || true # no events: the client reports nothing measured
	CP=
	stop_timed
}

# load NAME SERVER_FLAGS -- CLIENT_FLAGS: one run with ssebench as the
# client; prints its figures and the server's.
load() {
	local name=$1
	shift
	local sflags=()
	while [ "$1" != "--" ]; do sflags+=("$1"); shift; done
	shift
	echo "== $name: serve ${sflags[*]} / run $*"
	start_server "${sflags[@]}"
	local c0 t0
	c0=$(cpu_ticks "$SP")
	t0=$(date +%s.%N)
	"$BIN" run "$BASE/events" --quiet --out "$OUT/$name.json" "$@" >"$OUT/$name.txt" 2>&1 &
	CP=$!
	wait "$CP" || echo "  client exit status $?"
	CP=
	local c1 t1
	c1=$(cpu_ticks "$SP")
	t1=$(date +%s.%N)
	jq -r '"  client: connected \(.subscribers.connected)/\(.subscribers.requested), events \(.events.received) in \(.duration_s)s = \(.events.rate_per_s | floor) deliveries/s, gaps \(.events.gaps), duplicates \(.events.duplicates)\n  fan-out latency: p50 \(.latency_us.fanout.p50 / 1000) ms, p99 \(.latency_us.fanout.p99 / 1000) ms, p99.9 \(.latency_us.fanout.p999 / 1000) ms, max \(.latency_us.fanout.max / 1000) ms\n  self-check: \(.self_check)\n  warnings: \(.warnings)"' "$OUT/$name.json"
	curl -s "$BASE/stats" | jq -r '"  server: events_published \(.events_published), frames_written \(.frames_written), flushes \(.flushes) (\((.frames_written / ([.flushes, 1] | max)) * 10 | floor / 10) events/flush), slow_disconnects \(.slow_disconnects), dropped \(.dropped)"'
	echo "  server CPU over the whole run: $(awk -v c="$((c1 - c0))" -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.0f%%", 100 * c / hz / (b - a)}') of one core; box: $(nproc) cores"
	stop_timed
}

case_idle_h1() { idle h1 "${1:-19000}" --max-dials 512; }
case_idle_h2c() { idle h2c "${1:-50000}" --connections 1 --max-dials 1024; }
case_fanout() {
	load fanout --rate 200 --payload 64 -- --subscribers 1000 --duration "$DURATION"
}
case_coalesce() {
	load coalesce --rate "${RATE:-1000}" --payload 64 --flush-interval "${FLUSH:-10ms}" -- --subscribers 1000 --duration "$DURATION"
}

build
echo "results in $OUT"
case "${1:-}" in
idle-h1) case_idle_h1 "${2:-}" ;;
idle-h2c) case_idle_h2c "${2:-}" ;;
fanout) case_fanout ;;
coalesce) case_coalesce ;;
all)
	case_idle_h1
	case_idle_h2c
	case_fanout
	case_coalesce
	;;
*)
	sed -n '2,20p' "$0" >&2
	exit 2
	;;
esac
