#!/usr/bin/env bash
# Prints the path of a Jaeger all-in-one (v2) for the tracing tests, building it from the
# wrapper module in tools/jaeger when none is found. Looks at $JAEGER_BIN, then
# $(go env GOPATH)/bin/jaeger.
set -euo pipefail

readonly VERSION="v1.76.0"     # Go module version; the same release is Jaeger v2.13.0
readonly RELEASE="v2.13.0"
readonly PKG="github.com/jaegertracing/jaeger/cmd/jaeger"
module_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools/jaeger" && pwd)"

# Usable: it runs `jaeger version` and is this release. Release binaries and our own builds
# (see the -X below) report it as gitVersion; a plain `go build` reports an empty gitVersion,
# so then the Go build info embedded in the binary is asked instead.
usable() {
  [ -n "${1:-}" ] && [ -x "$1" ] || return 1
  local out
  out=$("$1" version 2>/dev/null) || return 1
  case "$out" in
    *"\"gitVersion\":\"$VERSION\""* | *"\"gitVersion\":\"$RELEASE\""*) return 0 ;;
    *'"gitVersion":""'*)
      local info
      command -v go >/dev/null 2>&1 && info=$(go version -m "$1" 2>/dev/null) &&
        grep -Eq "^[[:space:]]+mod[[:space:]]+github\.com/jaegertracing/jaeger[[:space:]]+$VERSION([[:space:]]|\$)" <<<"$info" ;;
    *) return 1 ;;
  esac
}

if [ -n "${JAEGER_BIN:-}" ]; then
  if usable "$JAEGER_BIN"; then echo "$JAEGER_BIN"; exit 0; fi
  echo "jaeger: JAEGER_BIN=$JAEGER_BIN is not a runnable Jaeger $VERSION/$RELEASE; looking elsewhere" >&2
fi

if ! command -v go >/dev/null 2>&1; then
  echo "jaeger: no Jaeger $VERSION found and no Go toolchain to build one;" \
       "install Go or set JAEGER_BIN to a Jaeger $RELEASE ('jaeger' all-in-one) binary" >&2
  exit 1
fi
gobin="$(go env GOPATH)/bin/jaeger"
if usable "$gobin"; then echo "$gobin"; exit 0; fi

echo "jaeger: building $PKG@$VERSION into $gobin (first time only, about 5-6 minutes)..." >&2
mkdir -p "$(dirname "$gobin")"
( cd "$module_dir" &&
  GOFLAGS=-mod=mod go build \
    -ldflags "-X github.com/jaegertracing/jaeger/internal/version.latestVersion=$VERSION" \
    -o "$gobin" "$PKG" ) >&2
usable "$gobin" || { echo "jaeger: build finished but $gobin does not run as Jaeger $VERSION" >&2; exit 1; }
echo "$gobin"
