#!/usr/bin/env bash
# Install verifyvid into .venv and run `verifyvid check` on a sample clip.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
. .venv/bin/activate
CLIP=../shared/media/video/iphone6_with-gps.mov
if [ ! -f "$CLIP" ]; then
  python -m fixtures.synth fixtures/media
  CLIP=fixtures/media/sample.mp4
fi
if [ -z "${VERIFYVID_WHISPER_MODEL:-}" ] && [ -d ../shared/models/whisper-base-ct2 ]; then
  export VERIFYVID_WHISPER_MODEL=../shared/models/whisper-base-ct2
fi
verifyvid check "$CLIP"
