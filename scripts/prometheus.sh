#!/usr/bin/env bash
# Prints the path of a Prometheus server for the metrics tests, installing Debian's package
# when none is found and this runs as root. Looks at $PROMETHEUS_BIN, then `prometheus` on PATH.
set -euo pipefail

usable() { [ -n "${1:-}" ] && [ -x "$1" ] && "$1" --version >/dev/null 2>&1; }

if usable "${PROMETHEUS_BIN:-}"; then echo "$PROMETHEUS_BIN"; exit 0; fi
if on_path=$(command -v prometheus 2>/dev/null) && usable "$on_path"; then echo "$on_path"; exit 0; fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "prometheus: not found; install it (Debian: apt-get install prometheus) or set PROMETHEUS_BIN" >&2
  exit 1
fi
echo "prometheus: installing Debian's package (once per machine)" >&2
{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; } >&2
command -v prometheus
