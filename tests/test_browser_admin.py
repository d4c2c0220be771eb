"""A staff member curates in a real Chromium against a real `gallery serve`: select, move, hide, cover,
split, trash and restore, the programme form, a device candidate; every admin page at 390 px and
1366 px without sideways scrolling, and axe-core finds no serious accessibility problem."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from gallery.cli import main

from .conftest import Gallery, serving
from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, wait_until

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
AXE = Path(__file__).resolve().parent / "axe" / "axe.min.js"
MELEE = "la-melee-numerique-2017"
ADMIN_PAGES = ["/admin", f"/admin/albums/{MELEE}", "/admin/missions", "/admin/devices", "/admin/imports"]
ADMIN_PAGES += ["/admin/upload", "/admin/trash", "/admin/missions?title=Mission Marseille–Toulouse 2017"]


@pytest.fixture(scope="module")
def staff_library(demo_library: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("staff") / "library"
    shutil.copytree(demo_library, copy)
    result = CliRunner().invoke(main, ["--root", str(copy), "user", "add", "alice"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    return copy


@pytest.fixture(scope="module")
def server(staff_library: Path) -> Iterator[str]:
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (Debian package `chromium`)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
    with serving(staff_library) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def staff(browser: object, server: str, width: int = 1366, lang: str = "fr-FR", wrong_first: bool = False) -> object:
    """A logged-in page; with `wrong_first`, a wrong password first, which must keep the name typed
    (once per module: five wrong passwords in 15 minutes are the login's rate limit)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(server + "/login")
    page.fill("#name", "alice")
    if wrong_first:
        page.fill("#password", "wrong password")
        page.click("main button[type=submit]")
        assert page.input_value("#name") == "alice", "a wrong login keeps the name"
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/admin")
    return page


def album(library: Path, slug: str) -> dict[str, object]:
    return next(a for a in Gallery(library).json("albums") if a["slug"] == slug)


def tick(page: object, index: int, shift: bool = False) -> None:
    box = page.locator("#picker input[type=checkbox]").nth(index)  # type: ignore[attr-defined]
    box.click(modifiers=["Shift"] if shift else [])


def test_staff_curates_an_album(server: str, browser: object, staff_library: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = staff(browser, server, wrong_first=True)
    page.goto(f"{server}/admin/albums/{MELEE}")  # type: ignore[attr-defined]
    shas = page.eval_on_selector_all("#picker input[type=checkbox]", "boxes => boxes.map(b => b.value)")  # type: ignore[attr-defined]
    tick(page, 0)
    tick(page, 2, shift=True)  # a range: three photos
    assert page.inner_text("#picked-count") == "3"  # type: ignore[attr-defined]
    page.fill("input[name=target]", "iot-valley-2017")  # type: ignore[attr-defined]
    page.click("button:has-text('Déplacer')")  # type: ignore[attr-defined]
    assert "Photos déplacées : 3." in page.inner_text("[role=status]")  # type: ignore[attr-defined]
    moved = {p["sha256"] for p in album(staff_library, "iot-valley-2017")["photos"]}  # type: ignore[index]
    assert set(shas[:3]) <= moved

    shas = page.eval_on_selector_all("#picker input[type=checkbox]", "boxes => boxes.map(b => b.value)")  # type: ignore[attr-defined]
    tick(page, 1)
    page.click("button:has-text('Masquer')")  # type: ignore[attr-defined]
    assert "Photos masquées : 1." in page.inner_text("[role=status]")  # type: ignore[attr-defined]
    assert page.locator("#picker li.hidden-photo").count() == 1  # type: ignore[attr-defined]

    tick(page, 4)
    page.click("button:has-text('Couverture')")  # type: ignore[attr-defined]
    assert album(staff_library, MELEE)["cover"] == shas[4]

    page.on("dialog", lambda dialog: dialog.accept())  # type: ignore[attr-defined]
    tick(page, 5)
    page.click("button:has-text('Mettre à la corbeille')")  # type: ignore[attr-defined]
    assert "Photos mises à la corbeille : 1." in page.inner_text("[role=status]")  # type: ignore[attr-defined]
    assert shas[5] not in {p["sha256"] for p in album(staff_library, MELEE)["photos"]}  # type: ignore[index]
    page.goto(f"{server}/admin/trash")  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "admin-trash.png"))  # type: ignore[attr-defined]
    tick(page, 0)
    page.click("button:has-text('Restaurer')")  # type: ignore[attr-defined]
    assert "Photos restaurées : 1." in page.inner_text("[role=status]")  # type: ignore[attr-defined]
    assert shas[5] in {p["sha256"] for p in album(staff_library, MELEE)["photos"]}  # type: ignore[index]

    page.goto(f"{server}/admin/albums/{MELEE}")  # type: ignore[attr-defined]
    count = page.locator("#picker input[type=checkbox]").count()  # type: ignore[attr-defined]
    tick(page, count - 3)
    page.click("button:has-text('Scinder ici')")  # type: ignore[attr-defined]
    page.wait_for_url(f"**/admin/albums/{MELEE}-suite**")  # type: ignore[attr-defined]
    assert page.locator("#picker input[type=checkbox]").count() == 3  # type: ignore[attr-defined]
    assert "brouillon" in page.inner_text("h1"), "the new album is a draft, and says so"  # type: ignore[attr-defined]


def test_staff_edits_the_programme_and_confirms_a_device(server: str, browser: object, staff_library: Path) -> None:
    page = staff(browser, server)
    page.goto(f"{server}/admin/missions?title=Mission Marseille–Toulouse 2017")  # type: ignore[attr-defined]
    blank = page.locator("input[name$='-name']").count() - 1  # type: ignore[attr-defined]
    page.fill(f"#e{blank}-name", "Capitole")  # type: ignore[attr-defined]
    page.fill(f"#e{blank}-start", "2017-09-22T10:00")  # type: ignore[attr-defined]
    page.fill(f"#e{blank}-end", "2017-09-22T12:00")  # type: ignore[attr-defined]
    page.fill(f"#e{blank}-where", "Toulouse")  # type: ignore[attr-defined]
    page.click("button:has-text('Enregistrer le programme')")  # type: ignore[attr-defined]
    assert "Programme enregistré" in page.inner_text("[role=status]")  # type: ignore[attr-defined]
    names = page.eval_on_selector_all("input[name$='-name']", "inputs => inputs.map(i => i.value)")  # type: ignore[attr-defined]
    assert "Capitole" in names, "the saved programme fills the form again"
    source = Gallery(staff_library).rows("SELECT source FROM missions")[0]["source"]
    assert 'name = "Capitole"' in source and 'place = "Toulouse"' in source

    key = next(d["key"] for d in Gallery(staff_library).json("devices") if d["name"].startswith("Canon"))
    candidates = [
        {"correction": -6 * 3600, "probability": 0.83, "meets": 0.83, "reason": "zone", "zone": "Europe/Paris"},
        {"correction": -5 * 3600, "probability": 0.15, "meets": 0.69, "reason": "zone", "zone": None},
    ]
    with sqlite3.connect(staff_library / "gallery.db") as conn:  # as a refresh leaves a device it could not align
        conn.execute(
            "UPDATE devices SET offset_source = NULL, offset_seconds = NULL, candidates = ? WHERE key = ?",
            (json.dumps(candidates), key),
        )
    page.goto(f"{server}/admin/devices")  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "admin-devices-candidates.png"), full_page=True)  # type: ignore[attr-defined]
    page.locator(".candidate button").first.click()  # type: ignore[attr-defined]
    device = next(d for d in Gallery(staff_library).json("devices") if d["key"] == key)
    assert device["offset_seconds"] == -6 * 3600 and device["manual"]
    assert "Correction : −6 h" in page.inner_text("main")  # type: ignore[attr-defined]


@pytest.mark.parametrize(("width", "lang"), [(390, "fr-FR"), (1366, "fr-FR"), (390, "en-GB"), (1366, "en-GB")])
def test_admin_pages_fit_and_pass_axe(server: str, browser: object, width: int, lang: str) -> None:
    page = staff(browser, server, width, lang)
    page.context.set_extra_http_headers({})  # type: ignore[attr-defined]
    axe = AXE.read_text(encoding="utf-8")
    problems = []
    for path in ADMIN_PAGES:
        page.goto(server + path)  # type: ignore[attr-defined]
        wait_until(page, "document.readyState === 'complete'")
        sizes = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")  # type: ignore[attr-defined]
        if sizes[0] > sizes[1]:
            problems.append(f"{path} at {width} px scrolls sideways: {sizes[0]} > {sizes[1]}")
        overflowing = page.evaluate(OVERFLOW)  # type: ignore[attr-defined]
        if overflowing:
            problems.append(f"{path} at {width} px: {overflowing}")
        name = path.strip("/").split("?")[0].replace("/", "-") + ("-programme" if "?" in path else "")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}-{lang[:2]}.png"), full_page=True)  # type: ignore[attr-defined]
        page.evaluate(axe)  # type: ignore[attr-defined]
        found = page.evaluate(AXE_RUN)  # type: ignore[attr-defined]
        problems += [f"{path}: {v}" for v in found]
    assert problems == [], "\n".join(problems)


# Elements wider than their own box (a select, a field) spill into their neighbours: the 1366 px bug.
OVERFLOW = """(() => [...document.querySelectorAll('main input, main select, main textarea, main table, main button')]
  .filter(el => el.offsetParent && el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .map(el => el.tagName + (el.name ? '[' + el.name + ']' : '')).slice(0, 5))()"""

AXE_RUN = """(async () => {
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
})()"""
