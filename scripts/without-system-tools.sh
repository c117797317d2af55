#!/usr/bin/env bash
# Run a command as on a fresh machine: ffmpeg, ffprobe, exiftool, Chromium (and its driver) and
# poppler's pdftotext/pdftoppm hidden from its PATH.
# usage: bash scripts/without-system-tools.sh COMMAND [ARGS...]
# Every other program on PATH stays reachable (through a folder of links, first match wins).
set -euo pipefail
hidden=" ffmpeg ffprobe exiftool chromium chromium-browser chromedriver pdftotext pdftoppm "
farm=$(mktemp -d)
chmod 755 "$farm"  # programs run as another user (the PostgreSQL tests) find theirs too
trap 'rm -rf "$farm"' EXIT
IFS=: read -ra dirs <<< "$PATH"
for d in "${dirs[@]}"; do
  [ -d "$d" ] || continue
  for f in "$d"/*; do
    name=${f##*/}
    case "$hidden" in *" $name "*) continue ;; esac
    [ -e "$farm/$name" ] || [ -L "$farm/$name" ] || ln -s "$f" "$farm/$name"
  done
done
# tests that must run in CI where the tools exist skip, rather than fail, in this pass
SYSTEM_TOOLS_HIDDEN=1 PATH="$farm" "$@"
