#!/usr/bin/env bash
# The whole test suite: install, lint (ruff), type-check (mypy), every test (pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
# ExifTool is only for the cross-check tests (the product never needs it).
if ! command -v exiftool >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && apt-get install -y -qq libimage-exiftool-perl) >/dev/null 2>&1 \
    || echo "note: could not install exiftool; its cross-check tests will be skipped"
fi
# A real PostgreSQL server for the archive-engine tests (they start it in a temporary folder).
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
    && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  (apt-get update -qq && apt-get install -y -qq postgresql) >/dev/null 2>&1 \
    || echo "note: could not install postgresql; its engine tests will be skipped"
fi
ruff check src tests fixtures scripts benchmarks
ruff format --check src tests fixtures scripts benchmarks
mypy
python -m pytest -m "slow or not slow" "$@"
