#!/usr/bin/env bash
# Prints the path of a Temporal CLI, installing it with `go install` when none is found.
# Looks in order at: $TEMPORAL_CLI, `temporal` on PATH, $(go env GOPATH)/bin/temporal.
set -euo pipefail

readonly VERSION="v1.5.1"   # newer tags carry a replace directive that `go install pkg@version` refuses

usable() { [ -n "${1:-}" ] && [ -x "$1" ] && "$1" --version >/dev/null 2>&1; }

if usable "${TEMPORAL_CLI:-}"; then echo "$TEMPORAL_CLI"; exit 0; fi
if on_path=$(command -v temporal 2>/dev/null) && usable "$on_path"; then echo "$on_path"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  echo "temporal-cli: no Temporal CLI found and no Go toolchain to build one;" \
       "install Go or set TEMPORAL_CLI to an existing 'temporal' binary" >&2
  exit 1
fi
gobin="$(go env GOPATH)/bin/temporal"
if usable "$gobin"; then echo "$gobin"; exit 0; fi

echo "temporal-cli: building github.com/temporalio/cli@$VERSION (first time only, takes a few minutes)..." >&2
go install "github.com/temporalio/cli/cmd/temporal@$VERSION" >&2
usable "$gobin" || { echo "temporal-cli: build finished but $gobin does not run" >&2; exit 1; }
echo "$gobin"
