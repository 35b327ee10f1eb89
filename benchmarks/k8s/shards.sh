#!/usr/bin/env bash
# A sharded run on one machine, exactly as the Kubernetes Job runs it:
# SHARDS processes of `ssebench run --shards N` (JOB_COMPLETION_INDEX set
# for each, as an Indexed Job sets it) against one `ssebench serve`, each
# printing its result between markers as a pod does for `kubectl logs`,
# then `ssebench k8s collect` merges them and judges the thresholds on the
# merged result.
#
#   benchmarks/k8s/shards.sh                 # 4 shards × 5,000 subscribers over h2c, 30 s
#   SHARDS=2 SUBSCRIBERS=2000 DURATION=10s benchmarks/k8s/shards.sh
#
# Over h2c because one server process cannot hold 20,000 HTTP/1.1
# connections under a 20,000 file-descriptor limit; the streams share
# CONNECTIONS TCP connections per shard. Everything stays on 127.0.0.1 and
# every process is stopped by its own PID.
#
# Environment: OUT (folder for the binary, scenario, logs and results;
# default a new temp folder), PORT (default 29750), SHARDS (4), SUBSCRIBERS
# (20000, the whole run), RATE (events/s of the server, 2), DURATION (30s),
# CONNECTIONS (4 per shard).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/ssebench-shards.XXXXXX")}
PORT=${PORT:-29750}
SHARDS=${SHARDS:-4}
SUBSCRIBERS=${SUBSCRIBERS:-20000}
RATE=${RATE:-2}
DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-4}
BIN=$OUT/ssebench
BASE=http://127.0.0.1:$PORT
SP=
PIDS=()

ulimit -n "$(ulimit -Hn)"

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -n "$SP" ] && kill "$SP" 2>/dev/null && wait "$SP" 2>/dev/null
	return 0
}
trap cleanup EXIT

(cd "$ROOT" && go build -o "$BIN" ./cmd/ssebench)

"$BIN" serve --addr "127.0.0.1:$PORT" --rate "$RATE" --heartbeat 0 >"$OUT/serve.log" 2>&1 &
SP=$!
for _ in $(seq 100); do
	curl -sf "$BASE/healthz" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -sf "$BASE/healthz" >/dev/null || { echo "server did not start:" >&2; cat "$OUT/serve.log" >&2; exit 1; }

cat >"$OUT/scenario.yaml" <<YAML
url: $BASE/events
protocol: h2c
connections: $CONNECTIONS
subscribers: $SUBSCRIBERS
duration: $DURATION
threshold:
  - subscribers.connected == $SUBSCRIBERS
  - events.gaps == 0
  - fanout.p99 < 250ms
YAML

# The Job as a user would apply it; the pods' command line below is the
# container's args from it, with the ConfigMap's scenario as a local file.
START_AT=$(date -u -d "+5 seconds" +%Y-%m-%dT%H:%M:%SZ)
"$BIN" k8s --scenario "$OUT/scenario.yaml" --shards "$SHARDS" --image ssebench:dev --start-at "$START_AT" >"$OUT/job.yaml"
sed -n '/scenario.yaml: |/,/^---/p' "$OUT/job.yaml" | sed '1d;$d;s/^    //' >"$OUT/mounted-scenario.yaml"

mkdir -p "$OUT/logs"
for i in $(seq 0 $((SHARDS - 1))); do
	JOB_COMPLETION_INDEX=$i "$BIN" run --scenario "$OUT/mounted-scenario.yaml" --shards "$SHARDS" --log-result --quiet \
		--start-at "$START_AT" >"$OUT/logs/ssebench-$i.log" 2>&1 &
	PIDS+=($!)
done
fail=0
for p in "${PIDS[@]}"; do wait "$p" || fail=1; done
PIDS=()
[ "$fail" = 0 ] || { echo "a shard failed; logs in $OUT/logs" >&2; exit 1; }

echo "server: $(curl -s "$BASE/stats" | tr -d '\n' | grep -o '"subscribers_total":[0-9]*')"
set +e
"$BIN" k8s collect --scenario "$OUT/scenario.yaml" --out "$OUT/merged.json" "$OUT/logs"
code=$?
set -e
echo "k8s collect exit status: $code (0: every threshold passed, 3: one failed)"
set +e
"$BIN" k8s collect --threshold 'fanout.p99 < 1us' --format json "$OUT/logs" >/dev/null 2>"$OUT/strict.err"
echo "with an impossible threshold (fanout.p99 < 1us): exit status $? ($(cat "$OUT/strict.err"))"
set -e
echo "results in $OUT (merged.json, logs/, job.yaml)"
