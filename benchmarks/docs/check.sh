#!/usr/bin/env bash
# check.sh runs the commands of README.md and docs/ci.md as a new user
# would: in a fresh clone of this repository (its last commit), with
# `ssebench` installed by the README's own Install step, and reports each
# command's exit status. It starts servers on 127.0.0.1:8080, so run it
# when nothing else listens there. It sends load for several minutes:
#
#   benchmarks/docs/check.sh
#
# CHECK_TESTS=1 also runs the quick start's `go test ./...` (minutes more).
set -uo pipefail

repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
work=$(mktemp -d)
server=
cleanup() {
	if [ -n "$server" ]; then kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; fi
	rm -rf "$work"
}
trap cleanup EXIT

failed=0
# step NAME WANT CMD...: runs CMD (a shell snippet) and checks that its
# exit status is one of WANT (a comma list).
step() {
	local name=$1 want=$2
	shift 2
	local start=$SECONDS
	bash -c "$*" >"$work/step.out" 2>&1
	local got=$?
	if [[ ",$want," == *",$got,"* ]]; then
		printf 'ok    %-50s exit %d  (%ds)\n' "$name" "$got" $((SECONDS - start))
	else
		printf 'FAIL  %-50s exit %d, want %s\n' "$name" "$got" "$want"
		tail -n 30 "$work/step.out" | sed 's/^/      /'
		failed=1
	fi
}

# block FILE HEADING N: the Nth fenced sh block after the line HEADING.
block() {
	awk -v heading="$2" -v n="$3" '
		$0 == heading { on = 1; next }
		on && /^```sh$/ { k++; if (k == n) { inside = 1; next } }
		inside && /^```$/ { exit }
		inside { print }' "$1"
}

# wait_for_server waits until the server on 127.0.0.1:8080 answers.
wait_for_server() {
	for _ in $(seq 100); do
		curl -sf -o /dev/null http://127.0.0.1:8080/healthz && return 0
		sleep 0.1
	done
	echo "no server on 127.0.0.1:8080" >&2
	return 1
}

if curl -s -o /dev/null http://127.0.0.1:8080/ 2>/dev/null; then
	echo "something already listens on 127.0.0.1:8080; stop it first" >&2
	exit 2
fi

git clone -q "$repo" "$work/ssebench" || exit 1
cd "$work/ssebench" || exit 1
export GOBIN="$work/bin" PATH="$work/bin:$PATH"
echo "fresh clone of $(git log -1 --format='%h %s') in $work/ssebench"

# Quick start, exactly as written.
step "go run ./cmd/ssebench run" 0 'go run ./cmd/ssebench run'
if [ "${CHECK_TESTS:-0}" = 1 ]; then
	step "go test ./..." 0 'go test ./...'
fi

# Install (from the clone: the module may not be published where you are).
step "go install ./cmd/ssebench" 0 'go install ./cmd/ssebench'
step "ssebench version" 0 'ssebench version'

# "Point it at your own server": the reference server stands in for yours.
ssebench serve >"$work/serve.log" 2>&1 &
server=$!
wait_for_server || exit 1
while IFS= read -r cmd; do
	step "${cmd%%#*}" 0 "$cmd"
done < <(block README.md "Point it at your own server with a URL:" 1 | grep -v '^$')

# The reference server's curl commands: streams never end by themselves,
# so each gets two seconds (exit 28: curl's own time limit).
step "curl -N /events" 28 'curl -sN --max-time 2 http://127.0.0.1:8080/events'
step "curl --http2-prior-knowledge" 28 "curl -sN --max-time 2 --http2-prior-knowledge 'http://127.0.0.1:8080/events?topic=news&topic=default'"
step "curl POST /publish" 0 "curl -sf -X POST 'http://127.0.0.1:8080/publish?topic=news&event=headline' --data-binary \$'line 1\\nline 2'"
step "curl POST /publish/batch" 0 "curl -sf -X POST 'http://127.0.0.1:8080/publish/batch?topic=news' -d '[{\"data\":\"a\"},{\"topic\":\"prices\",\"data\":{\"eur\":1.08}},{\"event\":\"x\",\"data\":\"b\"}]'"
step "curl Last-Event-ID" 28 "curl -sN --max-time 2 -H 'Last-Event-ID: 41' 'http://127.0.0.1:8080/events?topic=news'"
step "curl GET / (index)" 0 'curl -sf http://127.0.0.1:8080/ | grep -q /events'
step "curl /metrics /stats /healthz" 0 'curl -sf localhost:8080/metrics >/dev/null && curl -sf localhost:8080/stats >/dev/null && curl -sf localhost:8080/healthz'
kill "$server"
wait "$server" 2>/dev/null
server=

# README "Regression testing in CI": the whole snippet, as written. Its
# run step may fail a threshold (3) on a busy machine; compare may find a
# regression (4) between two runs on one.
step "README: CI snippet" 0,3,4 "$(block README.md "## Regression testing in CI" 1)"

# docs/ci.md: the dry run of the workflow, then the shell recipe saved as
# ci/sse-bench.sh: the first run keeps a baseline, the second compares.
step "workflow: check the scenario" 0 'ssebench run --scenario benchmarks/scenarios/ci-gate.yaml --dry-run > /dev/null'
mkdir -p ci
block docs/ci.md "## A plain shell recipe" 1 >ci/sse-bench.sh
step "docs/ci.md recipe, no baseline yet" 0,3 'RUNS=2 sh ci/sse-bench.sh && test -d benchmarks/baseline'
step "docs/ci.md recipe, against the baseline" 0,3,4 'RUNS=2 sh ci/sse-bench.sh && test -s out/compare.md'
step "docs/ci.md: refresh the baseline" 0,3 "export RUNS=2; $(block docs/ci.md "## A plain shell recipe" 2)"

if [ "$failed" = 0 ]; then
	echo "every command ran as documented"
fi
exit "$failed"
