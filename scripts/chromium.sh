#!/usr/bin/env bash
# Prints the path of a Chromium for the web console's browser test (driven by playwright-core),
# installing Debian's `chromium` package when none is found and this runs as root. Looks at
# $CHROMIUM_BIN, then `chromium` on PATH, then /usr/bin/chromium.
set -euo pipefail

# Debian's /usr/bin/chromium is a wrapper script that may print shell warnings: only the exit status counts.
usable() { [ -n "${1:-}" ] && [ -x "$1" ] && "$1" --version >/dev/null 2>&1; }

if usable "${CHROMIUM_BIN:-}"; then echo "$CHROMIUM_BIN"; exit 0; fi
if on_path=$(command -v chromium 2>/dev/null) && usable "$on_path"; then echo "$on_path"; exit 0; fi
if usable /usr/bin/chromium; then echo /usr/bin/chromium; exit 0; fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: not found; install it (Debian: apt-get install chromium) or set CHROMIUM_BIN" >&2
  exit 1
fi
echo "chromium: installing Debian's package (once per machine)" >&2
{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >&2
usable /usr/bin/chromium || { echo "chromium: installed, but /usr/bin/chromium does not run" >&2; exit 1; }
echo /usr/bin/chromium
