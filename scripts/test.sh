#!/usr/bin/env bash
# The whole test suite: install, lint (ruff), type-check (mypy), layers (lint-imports), every
# test (pytest).
# usage: bash scripts/test.sh [--without-system-tools] [PYTEST ARGS...]
#   --without-system-tools  run pytest with ffmpeg, ffprobe and ExifTool hidden from PATH, as on
#                           a fresh machine (verifyvid then uses the bundled ffmpeg)
set -euo pipefail
cd "$(dirname "$0")/.."
hide=()
if [ "${1:-}" = "--without-system-tools" ]; then
  hide=(bash scripts/without-system-tools.sh)
  shift
fi
bash scripts/setup.sh
. .venv/bin/activate
# A real PostgreSQL server for the archive-engine tests (they start it in a temporary folder).
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
    && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && apt-get install -y -qq postgresql) >/dev/null 2>&1 \
    || echo "note: could not install postgresql; its engine tests will be skipped"
fi
# Tesseract's Cyrillic and English language data and a Cyrillic font for the on-screen text
# tests (verifyvid reads Latin without them; docs/findings.md).
if ! ls /usr/share/tesseract-ocr/*/tessdata/kaz.traineddata >/dev/null 2>&1 \
    && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && apt-get install -y -qq tesseract-ocr-eng tesseract-ocr-rus \
    tesseract-ocr-ukr tesseract-ocr-kaz fonts-dejavu-core) >/dev/null 2>&1 \
    || echo "note: could not install Tesseract language data; the Cyrillic OCR tests will be skipped"
fi
ruff check src tests fixtures scripts benchmarks
ruff format --check src tests fixtures scripts benchmarks
mypy
lint-imports --no-cache
"${hide[@]}" "$PWD/.venv/bin/python" -m pytest -m "slow or not slow" "$@"
