"""The viewer and search in a real Chromium against a real `gallery serve`: a visitor's gestures, axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .test_browser import ARTIFACTS, browser, server, wait_until  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "axe" / "axe.min.js"  # scripts/vendor-axe.sh
ALBUM = "/albums/la-melee-numerique-2017"
IMAGE_READY = "document.getElementById('photo').complete && document.getElementById('photo').naturalWidth > 0"


def watch(page: Any) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return problems


def transform(page: Any) -> str:
    return str(page.evaluate("getComputedStyle(document.getElementById('photo')).transform"))


def test_a_visitor_opens_the_viewer_goes_full_screen_zooms_and_escapes_to_the_same_tile(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="fr-FR")
    page = context.new_page()
    problems = watch(page)
    page.goto(server + ALBUM)
    assert "Tout télécharger" not in page.content(), "no ZIP link for visitors who would get a 404"
    tile = page.locator(".grid li").nth(150)
    sha = tile.get_attribute("id")[2:]
    tile.locator("a").click()
    page.wait_for_url(f"**/photos/{sha}")
    wait_until(page, IMAGE_READY)

    # a lightbox: the whole window, no site header, the photo as large as the window allows
    assert page.evaluate("document.body.classList.contains('lightbox')")
    assert not page.locator("header.site").is_visible()
    box = page.locator(".viewer-stage").bounding_box()
    assert box and box["width"] == 1366 and box["height"] > 700
    page.screenshot(path=str(ARTIFACTS / "viewer-fr-1366.png"))

    page.click("[data-action=fullscreen]")
    wait_until(page, "document.fullscreenElement !== null")
    wait_until(page, "document.querySelector('[data-action=fullscreen]').getAttribute('aria-pressed') === 'true'")

    # wheel zoom around the pointer, then pan by dragging; arrows do not turn the page while zoomed
    page.mouse.move(683, 400)
    page.mouse.wheel(0, -400)
    wait_until(page, "document.querySelector('.viewer').classList.contains('zoomed')")
    zoomed = transform(page)
    assert zoomed != "none" and float(zoomed.split("(")[1].split(",")[0]) > 1.5, zoomed
    page.keyboard.press("+")
    page.mouse.down()
    page.mouse.move(583, 350, steps=5)
    page.mouse.up()
    assert transform(page) != zoomed, "dragging pans the zoomed photo"
    page.keyboard.press("ArrowRight")
    assert page.url.endswith(sha)
    page.keyboard.press("0")
    assert transform(page) == "none"

    # the next photo was preloaded and swaps in place: full screen stays on
    page.keyboard.press("ArrowRight")
    page.wait_for_url(lambda url: not url.endswith(sha))
    wait_until(page, IMAGE_READY)
    assert page.evaluate("document.fullscreenElement !== null"), "full screen survives the next photo"
    assert page.inner_text(".viewer-count").startswith("152/")
    page.mouse.move(683, 400)  # a swipe (a drag at scale 1) to the right goes back
    page.mouse.down()
    page.mouse.move(883, 410, steps=5)
    page.mouse.up()
    page.wait_for_url(f"**/photos/{sha}")

    # information on demand
    assert not page.locator("#viewer-info").is_visible()
    page.keyboard.press("i")
    assert page.locator("#viewer-info").is_visible() and "Toulouse" in page.inner_text("#viewer-info")
    page.keyboard.press("i")
    assert not page.locator("#viewer-info").is_visible()

    page.keyboard.press("Escape")  # Chromium may spend the first Escape leaving full screen
    if "/photos/" in page.url:
        page.keyboard.press("Escape")
    page.wait_for_url(f"**{ALBUM}#p-{sha}")
    wait_until(page, f"document.activeElement === document.querySelector('#p-{sha} a')")
    tile_box = page.locator(f"#p-{sha}").bounding_box()
    assert tile_box and 0 <= tile_box["y"] < 800, "the tile is on screen"
    page.screenshot(path=str(ARTIFACTS / "viewer-back-to-tile.png"))
    assert problems == [], problems
    context.close()


def test_pinch_zoom_and_phone_buttons_on_one_row(server: str, browser: Any) -> None:  # noqa: F811
    for locale, name in (("fr-FR", "fr"), ("en-GB", "en")):
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, locale=locale
        )
        page = context.new_page()
        problems = watch(page)
        page.goto(server + ALBUM)
        page.locator(".grid li a").nth(3).click()
        page.wait_for_url("**/photos/*")
        wait_until(page, IMAGE_READY)
        tops = page.eval_on_selector_all(
            ".viewer-bar .vbutton", "els => els.map(e => Math.round(e.getBoundingClientRect().top))"
        )
        assert len(tops) >= 4 and len(set(tops)) == 1, f"buttons on one row: {tops}"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(ARTIFACTS / f"viewer-{name}-390.png"))
        # two fingers moving apart (pointer events as a touch screen sends them)
        page.evaluate(
            """() => {
              const stage = document.querySelector('.viewer-stage');
              const send = (type, id, x) => stage.dispatchEvent(new PointerEvent(type, {pointerId: id, clientX: x,
                clientY: 420, bubbles: true, pointerType: 'touch', isPrimary: id === 1}));
              send('pointerdown', 1, 170); send('pointerdown', 2, 220);
              for (let step = 1; step <= 10; step++) { send('pointermove', 1, 170 - 8 * step); send('pointermove', 2, 220 + 8 * step); }
              send('pointerup', 1, 90); send('pointerup', 2, 300);
            }"""
        )
        assert page.evaluate("document.querySelector('.viewer').classList.contains('zoomed')"), "a pinch zooms"
        page.screenshot(path=str(ARTIFACTS / f"viewer-{name}-390-pinched.png"))
        page.goto(server + "/search?q=toulouse")
        page.screenshot(path=str(ARTIFACTS / f"search-{name}-390.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert problems == [], problems
        context.close()


def test_the_viewer_works_without_javascript(server: str, browser: Any) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1366, "height": 800}, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto(server + ALBUM)
    page.locator(".grid li a").nth(2).click()
    page.wait_for_url("**/photos/*")
    assert page.locator("header.site").is_visible() and page.locator("#viewer-info").is_visible()
    assert not page.locator("[data-action=fullscreen]").is_visible(), "no button that would do nothing"
    first = page.url
    page.click(".viewer-side.next")
    page.wait_for_url(lambda url: url != first)
    page.screenshot(path=str(ARTIFACTS / "viewer-en-1366-nojs.png"), full_page=True)
    page.click("a.back")
    assert "#p-" in page.url
    context.close()


PUBLIC_PAGES = ("/", ALBUM, "/timeline", "/places", "/search?q=toulouse", "/search?q=septembre+2017", "/login")


def test_axe_finds_no_serious_violation_on_public_pages(server: str, browser: Any) -> None:  # noqa: F811
    # the CSP (rightly) forbids injected scripts: this context alone bypasses it, to run axe-core
    for locale, width in (("fr-FR", 1366), ("en-GB", 390)):
        context = browser.new_context(viewport={"width": width, "height": 844}, locale=locale, bypass_csp=True)
        page = context.new_page()
        page.goto(server + ALBUM)
        photo = page.locator(".grid li a").nth(1).get_attribute("href")
        found: dict[str, list[str]] = {}
        for path in (*PUBLIC_PAGES, photo):
            page.goto(server + path)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => (await axe.run(document)).violations")
            serious = [
                f"{v['id']}: {v['help']} ({len(v['nodes'])} × {v['nodes'][0]['target']})"
                for v in result
                if v["impact"] in ("serious", "critical")
            ]
            if serious:
                found[path] = serious
        if width == 1366:
            page.goto(server + photo)
            page.click("[data-action=info]")  # the panel open, too
            page.add_script_tag(path=str(AXE))
            result = page.evaluate("async () => (await axe.run(document)).violations")
            found.update(
                {"info": [v["id"] for v in result if v["impact"] in ("serious", "critical")]} if result else {}
            )
        assert not any(found.values()), found
        context.close()
