# Shared set-up of the benchmark scripts: sourced, never run.
#
# A script sets PORT (and may set OUT) before sourcing this file. It gets:
#   ROOT            the repository
#   OUT             the folder for binaries, logs and results (a new temp folder by default)
#   BIN             the ssebench binary, built by `build`
#   BASE            http://127.0.0.1:$PORT
#   SP, CP          the server's and the client's PIDs, stopped on exit
#   build           builds ssebench into $BIN once
#   start_server    starts `ssebench serve FLAGS...` on $PORT and waits until it answers
#   stop_server     stops it with SIGTERM, as an operator would
#   rss_kib PID     the process's resident set, KiB
#   cpu_ticks PID   its user + system CPU time, in clock ticks
#   server_subscribers  the server's own count of open streams (the ground truth)
#   wait_subscribers N TRIES  waits until the server holds N streams
#
# Everything stays on 127.0.0.1 and each process is stopped by its own PID.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/ssebench-bench.XXXXXX")}
BIN=$OUT/ssebench
BASE=http://127.0.0.1:$PORT
SP= # the server's PID
CP= # the client's PID

# The per-process fd limit caps HTTP/1.1 subscribers: raise it to the hard
# limit (20,000 on the dev box) for every process the script starts.
ulimit -n "$(ulimit -Hn)"

cleanup() {
	[ -n "$CP" ] && kill "$CP" 2>/dev/null && wait "$CP" 2>/dev/null
	[ -n "$SP" ] && kill "$SP" 2>/dev/null && wait "$SP" 2>/dev/null
	return 0
}
trap cleanup EXIT

build() {
	[ -x "$BIN" ] || (cd "$ROOT" && go build -o "$BIN" ./cmd/ssebench)
}

# start_server FLAGS...: start `ssebench serve` on $PORT and wait until it
# answers; SERVER_ENV (optional, "NAME=value ...") goes into its environment.
start_server() {
	# shellcheck disable=SC2086 # SERVER_ENV is a list of NAME=value words
	env ${SERVER_ENV:-} "$BIN" serve --addr "127.0.0.1:$PORT" "$@" >"$OUT/serve.log" 2>&1 &
	SP=$!
	for _ in $(seq 100); do
		curl -sf "$BASE/healthz" >/dev/null 2>&1 && return 0
		kill -0 "$SP" 2>/dev/null || break
		sleep 0.1
	done
	echo "server did not start:" >&2
	cat "$OUT/serve.log" >&2
	exit 1
}

# stop_server: SIGTERM, as an operator would; the server exits within its
# --shutdown-timeout.
stop_server() {
	[ -n "$SP" ] || return 0
	kill -TERM "$SP" 2>/dev/null && wait "$SP" 2>/dev/null || true
	SP=
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# server_subscribers: the first "subscribers" key of /stats, the server's
# total (topic_stats holds one per topic after it).
server_subscribers() { curl -sf "$BASE/stats" | grep -o '"subscribers":[0-9]*' | head -1 | cut -d: -f2; }

# wait_subscribers N TRIES: poll the server every 0.2 s until it holds N
# streams, at most TRIES times; say so on stderr when it does not.
wait_subscribers() {
	local t=0
	while [ "$(server_subscribers)" != "$1" ]; do
		sleep 0.2
		t=$((t + 1))
		[ "$t" -gt "$2" ] && { echo "only $(server_subscribers) of $1 connected" >&2; return 1; }
	done
	return 0
}
