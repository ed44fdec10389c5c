#!/usr/bin/env bash
# Builds padlock's release binaries: static (CGO off), stripped, reproducible paths, with the
# version, commit and date stamped in, and a SHA256SUMS file beside them.
#
#   scripts/release.sh v0.2.0            # every target into dist/
#   TARGETS="linux/amd64" OUT=/tmp/d scripts/release.sh v0.2.0
#
# The commit and date come from git (the date is the commit's, so two builds of one commit are
# byte-identical). Nothing is uploaded: attach dist/* to the release by hand or from CI.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=${1:-}
[ -n "$VERSION" ] || { echo "usage: scripts/release.sh VERSION (e.g. v0.2.0)" >&2; exit 2; }
TARGETS=${TARGETS:-"linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64"}
OUT=${OUT:-dist}
COMMIT=$(git rev-parse HEAD)
DATE=$(git show -s --format=%cI HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "release.sh: the work tree has uncommitted changes; the binaries would not match $COMMIT" >&2
  [ "${ALLOW_DIRTY:-}" = 1 ] || exit 1
fi

PKG=github.com/padlock-scan/padlock/internal/version
LDFLAGS="-s -w -X $PKG.version=$VERSION -X $PKG.commit=$COMMIT -X $PKG.date=$DATE"
mkdir -p "$OUT"
names=()
for t in $TARGETS; do
  os=${t%/*}; arch=${t#*/}
  name="padlock_${VERSION#v}_${os}_${arch}"
  [ "$os" = windows ] && name="$name.exe"
  echo "building $name"
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -buildvcs=false -ldflags "$LDFLAGS" -o "$OUT/$name" ./cmd/padlock
  names+=("$name")
done
(cd "$OUT" && sha256sum "${names[@]}" > SHA256SUMS)
echo "wrote ${#names[@]} binaries and SHA256SUMS to $OUT"
