#!/usr/bin/env bash
# Prints the path of a SeaweedFS `weed` binary for the S3 tests, building it from the wrapper
# module in tools/seaweedfs when none is found. Looks at $WEED_BIN, then $(go env GOPATH)/bin/weed.
set -euo pipefail

readonly VERSION="v0.0.0-20261109003541-7506e5f91cd6"
readonly PKG="github.com/seaweedfs/seaweedfs/weed"
module_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools/seaweedfs" && pwd)"

# Usable: it runs, and it is built from this module version (asked of the Go build info in the
# binary; `weed version` names only the release line).
usable() {
  [ -n "${1:-}" ] && [ -x "$1" ] || return 1
  "$1" version >/dev/null 2>&1 || return 1
  command -v go >/dev/null 2>&1 || return 0
  go version -m "$1" 2>/dev/null |
    grep -Eq "^[[:space:]]+(mod|dep)[[:space:]]+github\.com/seaweedfs/seaweedfs[[:space:]]+$VERSION([[:space:]]|\$)"
}

if [ -n "${WEED_BIN:-}" ]; then
  if usable "$WEED_BIN"; then echo "$WEED_BIN"; exit 0; fi
  echo "seaweedfs: WEED_BIN=$WEED_BIN is not a runnable weed $VERSION; looking elsewhere" >&2
fi

if ! command -v go >/dev/null 2>&1; then
  echo "seaweedfs: no weed $VERSION found and no Go toolchain to build one;" \
       "install Go or set WEED_BIN to a SeaweedFS 'weed' binary" >&2
  exit 1
fi
gobin="$(go env GOPATH)/bin/weed"
if usable "$gobin"; then echo "$gobin"; exit 0; fi

echo "seaweedfs: building $PKG@$VERSION into $gobin (first time only, about 6 minutes)..." >&2
mkdir -p "$(dirname "$gobin")"
( cd "$module_dir" && GOFLAGS=-mod=mod go build -o "$gobin" "$PKG" ) >&2
usable "$gobin" || { echo "seaweedfs: build finished but $gobin does not run as weed $VERSION" >&2; exit 1; }
echo "$gobin"
