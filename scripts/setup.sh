#!/usr/bin/env bash
# Create .venv and install verifyvid with its test extras. Safe to run again.
# usage: bash scripts/setup.sh [--print-torch-command]
#
# openai-whisper needs PyTorch. A plain `pip install torch` on Linux takes the CUDA build (several
# GB of NVIDIA libraries verifyvid never uses), so the CPU-only build is installed first, from
# PyTorch's own index (VERIFYVID_TORCH_INDEX) when it answers. Where it does not (an offline
# machine), pip's configured sources are used as they are (a local wheel or a mirror).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
TORCH_VERSION=2.13.0
TORCH_INDEX=${VERIFYVID_TORCH_INDEX:-https://download.pytorch.org/whl/cpu}

torch_command() {
  if "$PY" - "$TORCH_INDEX" <<'PYCODE' >/dev/null 2>&1; then
import sys
import urllib.request

urllib.request.urlopen(sys.argv[1].rstrip("/") + "/torch/", timeout=5)
PYCODE
    echo "python -m pip install --quiet torch==$TORCH_VERSION --extra-index-url $TORCH_INDEX"
  else
    echo "python -m pip install --quiet torch==$TORCH_VERSION"
  fi
}

if [ "${1:-}" = "--print-torch-command" ]; then
  torch_command
  exit 0
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
if ! python -c "import torch" 2>/dev/null; then
  $(torch_command)
fi
python -m pip install --quiet -e ".[test]"
