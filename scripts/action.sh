#!/usr/bin/env bash
# The steps of padlock's GitHub Action (action.yml), kept here so they can be run and tested
# outside Actions:
#
#   scripts/action.sh build   # build padlock from this checkout (the action's own ref) and put
#                             # it on GITHUB_PATH, so this and later steps run `padlock`
#   scripts/action.sh run     # padlock crawl with the INPUT_* variables, then GITHUB_OUTPUT
#
# run reads INPUT_URLS, INPUT_CONFIG, INPUT_BASELINE, INPUT_FAIL_ON, INPUT_ARGS,
# INPUT_OUTPUT_DIR and INPUT_FAIL (action.yml sets them from the inputs) and PADLOCK (the binary,
# default padlock). It writes json, sarif and html into the output folder, the annotations to
# standard output and the job summary to GITHUB_STEP_SUMMARY (padlock does both itself), then
# appends exit-code, errors, warnings, infos, new, report and sarif to GITHUB_OUTPUT. Its exit
# status is padlock's, except that exit 1 (the gate failed) is 0 when INPUT_FAIL is false.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

build() {
  set -e
  local dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/padlock-action"
  local exe
  exe=$(go env GOEXE)
  mkdir -p "$dir"
  # The action's ref (v1, a tag, a commit) is the version padlock reports, as a release's tag is.
  local ldflags=""
  if [ -n "${ACTION_REF:-}" ]; then
    ldflags="-X github.com/padlock-scan/padlock/internal/version.version=$ACTION_REF"
  fi
  (cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$dir/padlock$exe" ./cmd/padlock)
  if [ -n "${GITHUB_PATH:-}" ]; then
    echo "$dir" >> "$GITHUB_PATH"
  fi
  "$dir/padlock$exe" version
}

run() {
  local padlock=${PADLOCK:-padlock}
  local out=${INPUT_OUTPUT_DIR:-padlock-reports}
  local -a urls extra args
  # URLs and extra arguments are split on white space (spaces or new lines), never globbed:
  # there is no shell quoting in an action input.
  set -f
  # shellcheck disable=SC2206
  urls=(${INPUT_URLS:-})
  # shellcheck disable=SC2206
  extra=(${INPUT_ARGS:-})
  set +f
  args=(crawl -f json -f sarif -f html -f github -f markdown -o "$out/" --fail-on "${INPUT_FAIL_ON:-error}")
  if [ -n "${INPUT_CONFIG:-}" ]; then
    args+=(--config "$INPUT_CONFIG")
  fi
  if [ -n "${INPUT_BASELINE:-}" ]; then
    if [ -f "$INPUT_BASELINE" ]; then
      args+=(--baseline "$INPUT_BASELINE")
    else
      # The first run has nothing to compare with: every finding is new, none is hidden.
      echo "::notice title=padlock::no baseline at $INPUT_BASELINE yet: every finding counts as new"
    fi
  fi

  # A report left by an earlier run in the job must not pass for this run's (upload-sarif, the
  # outputs): padlock writes them anew.
  rm -f "$out/padlock.json" "$out/padlock.sarif" "$out/padlock.html" "$out/padlock.md"
  local code=0
  # ${a[@]+"${a[@]}"}: an empty list is no argument, also in bash 3.2 (macOS) under set -u
  "$padlock" "${args[@]}" ${extra[@]+"${extra[@]}"} ${urls[@]+"${urls[@]}"} || code=$?

  local report="$out/padlock.json" sarif="$out/padlock.sarif"
  {
    echo "exit-code=$code"
    if [ -f "$report" ]; then echo "report=$report"; else echo "report="; fi
    if [ -f "$sarif" ]; then echo "sarif=$sarif"; else echo "sarif="; fi
    if [ -f "$report" ] && command -v jq >/dev/null; then
      jq -r '"errors=\(.stats.by_severity.error // 0)",
             "warnings=\(.stats.by_severity.warning // 0)",
             "infos=\(.stats.by_severity.info // 0)",
             "new=\([.findings[] | select(.suppressed == null and .baseline != "known")] | length)"' "$report"
    else
      printf 'errors=\nwarnings=\ninfos=\nnew=\n'
    fi
  } >> "${GITHUB_OUTPUT:-/dev/null}"
  if [ -f "$report" ] && ! command -v jq >/dev/null; then
    echo "::warning title=padlock::jq is not installed: the errors, warnings, infos and new outputs are empty"
  fi

  if [ "$code" = 1 ] && [ "${INPUT_FAIL:-true}" = false ]; then
    return 0
  fi
  return "$code"
}

case "${1:-}" in
build) build ;;
run) run ;;
*)
  echo "usage: scripts/action.sh build|run" >&2
  exit 2
  ;;
esac
