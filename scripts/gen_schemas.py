"""Write the JSON Schemas of case.json, of the output of every command (--json) and of every
stage result into docs/schemas/.

usage: python scripts/gen_schemas.py [--check]   (tests/test_docs.py runs --check)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from verifyvid.schemas import models

OUT = Path(__file__).resolve().parents[1] / "docs" / "schemas"


def render(model: type[BaseModel]) -> str:
    return (
        json.dumps(model.model_json_schema(mode="serialization"), indent=2, ensure_ascii=False)
        + "\n"
    )


def main() -> int:
    stale = []
    for name, model in models().items():
        path = OUT / f"{name}.schema.json"
        text = render(model)
        if "--check" in sys.argv:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            OUT.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print("stale: " + ", ".join(stale) + " (run python scripts/gen_schemas.py)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
