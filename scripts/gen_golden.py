"""Regenerate fixtures/golden/report.md (tests/test_report.py compares against it).

usage: python scripts/gen_golden.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.golden import GOLDEN, render

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as work:
        GOLDEN.write_text(render(Path(work)), encoding="utf-8")
    print(f"wrote {GOLDEN}")
