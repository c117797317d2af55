"""The HTML report in a real browser (Debian's chromium and chromium-driver, driven by Selenium):
no console error or CSP violation, a click on a match row seeks the player to the match's start,
n/p move between findings, a timeline mark seeks, "play side by side" sets both players; and the
PDF report printed by the same browser. Screenshots go to .artifacts/browser/. Without the
browser these tests skip with their reason (CI's second pass installs it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, Cli
from tests.helpers.seed import seed_case

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None or DRIVER is None,
        reason="no chromium and chromedriver on PATH (apt-get install chromium chromium-driver)",
    ),
]
ARTIFACTS = Path(os.environ.get("VERIFYVID_TEST_ARTIFACTS", ROOT / ".artifacts")) / "browser"


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_case(tmp_path_factory.mktemp("seed"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1600",
                 "--autoplay-policy=no-user-gesture-required", "--mute-audio"):  # fmt: skip
        options.add_argument(flag)
    options.binary_location = str(CHROMIUM)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    yield driver
    driver.quit()


def problems(driver: Any) -> list[Any]:
    """Console errors, CSP violations among them."""
    return [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def now(driver: Any, player: str = "player") -> float:
    return float(driver.execute_script(f"return document.getElementById('{player}').currentTime"))


def shot(driver: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def wait_ready(driver: Any, player: str = "player") -> None:
    for _ in range(50):
        if driver.execute_script(f"return document.getElementById('{player}').readyState") >= 1:
            return
        time.sleep(0.1)
    raise AssertionError(f"{player} never loaded its video")


def test_report_plays_and_seeks_in_a_real_browser(case: Path, browser: Any) -> None:
    from selenium.webdriver.common.by import By

    browser.get((case / "report.html").as_uri())
    wait_ready(browser)
    assert problems(browser) == []
    matches = json.loads((case / "search" / "result.json").read_text())["matches"]
    speech = browser.find_element(By.CSS_SELECTOR, "svg g.seek[aria-label^='spoken language']")
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))",
                           speech)  # fmt: skip
    assert now(browser) == pytest.approx(float(speech.get_attribute("data-start")), abs=0.05)
    assert now(browser) > 1.0  # away from the match's start before the row is clicked
    moved = browser.execute_script(
        "return document.querySelector('.glance #playhead').getAttribute('transform')"
    )
    width = browser.execute_script(
        "return document.querySelector('.glance #axis path').getBBox().width"
    )
    duration = float(
        browser.find_element(By.CSS_SELECTOR, ".glance svg").get_attribute("data-duration")
    )
    shift = float(moved.split("(")[1].split(",")[0])  # the time shown on the timeline
    assert shift == pytest.approx(width * now(browser) / duration, abs=1.0)
    row = browser.find_element(
        By.XPATH, "//h2[.='Earlier uploads']/following::table[1]//tr[@data-start]/td[4]"
    )
    row.click()
    assert now(browser) == pytest.approx(matches[0]["query_start"], abs=0.05)
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys("n")
    first = browser.switch_to.active_element
    first.send_keys("n")
    second = browser.switch_to.active_element
    assert "finding" in first.get_attribute("class") and "finding" in second.get_attribute("class")
    assert first != second
    second.send_keys("p")
    assert browser.switch_to.active_element == first
    side = browser.find_element(By.CSS_SELECTOR, "button[data-ref]")
    side.click()
    ref = f"ref-{side.get_attribute('data-ref')}"
    wait_ready(browser, ref)
    assert now(browser, ref) == pytest.approx(float(side.get_attribute("data-ref-start")), abs=0.3)
    shot(browser, "report-with-player")
    assert problems(browser) == []


def test_report_without_its_input_in_a_real_browser(
    cli: Cli, small_clip: Path, tmp_path: Path, browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    data = cli.json("check", small_clip, "--skip", "transcribe", "--case", tmp_path / "c")
    assert cli("report", data["case"], "--format", "html").exit_code == 0
    browser.get((Path(data["case"]) / "report.html").as_uri())
    assert browser.find_elements(By.TAG_NAME, "video") == []
    assert "--keep-input" in browser.find_element(By.TAG_NAME, "body").text
    shot(browser, "report-without-input")
    assert problems(browser) == []


def test_pdf_report_holds_the_summary_and_timeline_on_page_one(cli: Cli, case: Path,
                                                               tmp_path: Path) -> None:  # fmt: skip
    out = tmp_path / "report.pdf"
    result = cli("report", case, "--format", "pdf", "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        pytest.skip("no pdftotext and pdftoppm (apt-get install poppler-utils)")
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", out, "-"], capture_output=True,
                           text=True, check=True).stdout  # fmt: skip
    assert "Verification report" in first and "earlier uploads" in first
    assert "Summary of signals" in first
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "60", "-png", out,
                    tmp_path / "page"], check=True)  # fmt: skip
    (page,) = tmp_path.glob("page*.png")
    assert page.stat().st_size > 10_000  # a rendered page, not a blank one
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(page, ARTIFACTS / "report-pdf-page1.png")
