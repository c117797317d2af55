"""The report as PDF: the HTML report printed by a headless Chromium, when one is installed
(the HTML report's print stylesheet leaves the players out). No other format needs a browser."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from verifyvid.errors import Unavailable

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
TIMEOUT = 120  # seconds for one page


def browser() -> str | None:
    """Chromium's executable: $VERIFYVID_CHROMIUM, else the first of ``BROWSERS`` on PATH."""
    given = os.environ.get("VERIFYVID_CHROMIUM")
    if given:
        return given if Path(given).is_file() else shutil.which(given)
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def write_pdf(page: str, out: Path) -> None:
    """Print ``page`` (an HTML report whose links are relative to ``out``'s folder) to ``out``."""
    exe = browser()
    if exe is None:
        raise Unavailable(
            "report --format pdf needs a headless Chromium and none was found; install one "
            "(Debian: apt-get install chromium) or set VERIFYVID_CHROMIUM, or use --format html "
            "and print it from a browser"
        )
    out = out.expanduser().resolve()
    with tempfile.TemporaryDirectory(prefix=".verifyvid-pdf-", dir=out.parent) as tmp:
        html = Path(tmp) / "report.html"
        html.write_text(page, encoding="utf-8")
        staged = Path(tmp) / "report.pdf"
        command = [exe, "--headless", "--disable-gpu", "--no-pdf-header-footer",
                   f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={staged}",
                   html.as_uri()]  # fmt: skip
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses root without it
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            raise Unavailable(f"{exe} did not print the report within {TIMEOUT} s") from None
        if not staged.is_file() or staged.stat().st_size == 0:
            last = (run.stderr.strip().splitlines() or ["no message"])[-1]
            raise Unavailable(f"{exe} could not print the report ({last[:200]})")
        os.replace(staged, out)
