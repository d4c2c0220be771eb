"""A real browser (Debian's Chromium driven by Playwright) against a real `gallery serve`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import serving

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="module")
def server(demo_library: Path) -> Iterator[str]:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (Debian package `chromium`; `make test` installs it as root)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    with serving(demo_library, env={"GALLERY_MAP_TILES": ""}) as url:  # tests cannot reach OpenStreetMap
        yield url


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def wait_until(page: object, expression: str, seconds: float = 15) -> None:
    """Poll from Python: Playwright's own polling evaluates strings, which our CSP (rightly) forbids."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {seconds} s: {expression}")
        time.sleep(0.05)


CONTRAST = """() => {
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                                     .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = el => { for (; el; el = el.parentElement) { const c = parse(getComputedStyle(el).backgroundColor);
                                                                   if (c.length === 3 || c[3] > 0) return c; } return [255, 255, 255]; };
  const worst = [];
  for (const el of document.querySelectorAll('a, p, h1, h2, h3, span, button, dt, dd, label')) {
    if (!el.offsetParent || !el.textContent.trim()) continue;
    const [a, b] = [lum(parse(getComputedStyle(el).color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) worst.push(el.tagName + ' ' + el.textContent.trim().slice(0, 30) + ' ' + ratio.toFixed(2));
  }
  return worst;
}"""


def loaded(page: object, selector: str) -> bool:
    return bool(page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0"))  # type: ignore[attr-defined]


def test_visit_home_album_and_photos_with_the_keyboard(server: str, browser: object) -> None:
    walk(server, browser, "")


@pytest.fixture(scope="module")
def static_copy(demo_library: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`gallery export-site` of the same library, served by a real nginx (issue 14's last test)."""
    from .test_site_export import nginx

    dest = tmp_path_factory.mktemp("copy") / "site"
    # its own process: Playwright's sync API may already run an event loop in this one
    subprocess.run(
        [sys.executable, "-m", "gallery", "--root", str(demo_library), "export-site", str(dest), "--quiet"]
        + ["--base-url", "https://photos.example.org"],
        env={**os.environ, "GALLERY_MAP_TILES": ""},  # as the live server: tests cannot reach OpenStreetMap
        check=True,
        capture_output=True,
    )
    with nginx(dest, tmp_path_factory.mktemp("nginx") / "work") as url:
        yield url


def test_the_static_copy_passes_the_same_walk(static_copy: str, browser: object) -> None:
    """The same visit, keyboard and all, on the exported copy (its pages are folders: `/albums/x/`)."""
    walk(static_copy, browser, "copy-")


def walk(server: str, browser: object, prefix: str) -> None:
    """Home, an album, its photos with the arrow keys, the skip link and focus ring; no error anywhere."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")  # type: ignore[attr-defined]
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda response: problems.append(f"{response.status} {response.url}") if response.status >= 400 else None,
    )

    page.goto(server + "/")
    assert page.title() == "Galerie"
    assert page.locator("html").get_attribute("lang") == "fr"
    wait_until(page, "[...document.querySelectorAll('.card img')].every(i => i.complete && i.naturalWidth > 0)")
    page.screenshot(path=str(ARTIFACTS / f"{prefix}home.png"), full_page=True)
    assert page.evaluate(CONTRAST) == [], "WCAG AA: text contrast of at least 4.5:1"

    page.click("text=Revoir la Mêlée numérique en images")
    page.wait_for_url(re.compile(r".*/albums/la-melee-numerique-2017/?$"))
    wait_until(
        page, "document.querySelector('.grid img').complete && document.querySelector('.grid img').naturalWidth > 0"
    )
    first_box = page.locator(".grid img").first.bounding_box()
    assert first_box and first_box["width"] > 50 and first_box["height"] > 30, "the justified grid lays images out"
    page.screenshot(path=str(ARTIFACTS / f"{prefix}album.png"))

    page.locator(".grid a").first.click()
    page.wait_for_url(re.compile(r".*/photos/[0-9a-f]{64}/?$"))
    first_photo = page.url
    wait_until(page, "document.getElementById('photo').complete && document.getElementById('photo').naturalWidth > 0")
    assert loaded(page, "#photo")
    page.screenshot(path=str(ARTIFACTS / f"{prefix}viewer.png"))
    assert page.evaluate(CONTRAST) == []
    page.keyboard.press("ArrowRight")
    page.wait_for_url(lambda url: url != first_photo)
    wait_until(page, "document.getElementById('photo').complete && document.getElementById('photo').naturalWidth > 0")
    assert page.inner_text(".viewer-count").startswith("2/")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url(first_photo)

    page.keyboard.press("Tab")  # the skip link comes first and shows when focused
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("getComputedStyle(document.activeElement).left") != "-9999px"
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "a visible focus ring"
    assert problems == [], problems
    context.close()


def test_phone_sized_album_and_english(server: str, browser: object) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,  # type: ignore[attr-defined]
        has_touch=True,
        locale="en-GB",
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(server + "/albums/cooperative-de-la-belle-de-mai-2017")
    assert page.locator("html").get_attribute("lang") == "en"
    main = page.inner_text("main")
    assert "Embed this album" in main and "Download all (ZIP)" not in main, "no ZIP link that would answer 404"
    wait_until(
        page, "document.querySelector('.grid img').complete && document.querySelector('.grid img').naturalWidth > 0"
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"no horizontal scrolling on a phone ({width} px)"
    page.screenshot(path=str(ARTIFACTS / "album-phone.png"))
    assert problems == [], problems
    context.close()
