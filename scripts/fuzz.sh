#!/bin/sh
# fuzz.sh [SECONDS [PATTERN]] runs every fuzz target of the module (or those whose name matches
# the grep pattern PATTERN) in turn for SECONDS each (default 60) and stops at the first failure. Go leaves the failing input in the package's
# testdata/fuzz/<Target>/ folder, where `go test` replays it from then on: commit it with the
# fix. At the end it prints the inputs each target ran (execs), for the change's note.
#
# Not part of .ci/run (it takes minutes); run it before calling a change to a parser done.
# FUZZ_PARALLEL sets the fuzzing workers per target (default: go test's, GOMAXPROCS).
# FUZZ_MINIMIZE caps how long go test minimizes an input (default 5s; go test's own is 60s). Go
# also minimizes every new interesting input, and on a target with large seeds (FuzzRead's
# whole report) that can eat the whole run and end it with a bare "context deadline exceeded"
# and no input. A crashing input is still written, only less minimized.
set -eu

seconds=${1:-60}
pattern=${2:-.}
case $seconds in
'' | *[!0-9]*)
	echo "usage: scripts/fuzz.sh [SECONDS [PATTERN]]" >&2
	exit 2
	;;
esac
cd "$(dirname "$0")/.."

log=$(mktemp)
summary=$(mktemp)
trap 'rm -f "$log" "$summary"' EXIT

# Every "func FuzzX(f *testing.F)" in a _test.go file, as "package-dir target".
targets=$(grep -rl --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*(f \*testing.F)' . |
	while read -r file; do
		dir=$(dirname "$file")
		sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(f \*testing.F).*/\1/p' "$file" |
			while read -r name; do echo "$dir $name"; done
	done | sort | grep -e " .*$pattern" || true)
if [ -z "$targets" ]; then
	echo "fuzz.sh: no fuzz target matches $pattern" >&2
	exit 1
fi

parallel=
if [ -n "${FUZZ_PARALLEL:-}" ]; then
	parallel="-parallel=$FUZZ_PARALLEL"
fi

n=$(echo "$targets" | wc -l)
echo "fuzz.sh: $n targets, ${seconds}s each"
echo "$targets" | while read -r dir name; do
	printf '%s %s ... ' "$dir" "$name"
	# shellcheck disable=SC2086 # $parallel is empty or one word
	if ! go test -run '^$' -fuzz "^$name\$" -fuzztime "${seconds}s" -fuzzminimizetime "${FUZZ_MINIMIZE:-5s}" $parallel "$dir" >"$log" 2>&1; then
		echo FAIL
		cat "$log"
		echo "fuzz.sh: $name in $dir failed; the input is in $dir/testdata/fuzz/$name/" >&2
		exit 1
	fi
	# the last progress line: "fuzz: elapsed: 60s, execs: 1234567 (20576/sec), new interesting: ..."
	execs=$(sed -n 's/.*execs: \([0-9]*\) .*/\1/p' "$log" | tail -n 1)
	echo "ok, ${execs:-?} execs"
	printf '%-22s %-26s %12s\n' "$dir" "$name" "${execs:-?}" >>"$summary"
done
echo
printf '%-22s %-26s %12s\n' package target execs
cat "$summary"
