#!/usr/bin/env bash
# Prints the path of the native `tesseract` (the engine OCR_ENGINE=native and auto use), with
# English, French, German and Spanish data, installing Debian's packages when any is missing
# and this runs as root. The engine tests need it; the service runs without it (tesseract.js).
set -euo pipefail

LANGUAGES=(eng fra deu spa)

has_all() {
  local found
  found=$(tesseract --list-langs 2>/dev/null) || return 1
  for code in "${LANGUAGES[@]}"; do grep -qx "$code" <<<"$found" || return 1; done
}

if command -v tesseract >/dev/null 2>&1 && has_all; then command -v tesseract; exit 0; fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "tesseract: not found with ${LANGUAGES[*]}; install it (Debian: apt-get install tesseract-ocr$(printf ' tesseract-ocr-%s' "${LANGUAGES[@]}"))" >&2
  exit 1
fi
echo "tesseract: installing Debian's packages (once per machine)" >&2
packages=(tesseract-ocr)
for code in "${LANGUAGES[@]}"; do packages+=("tesseract-ocr-$code"); done
{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"; } >&2
command -v tesseract
