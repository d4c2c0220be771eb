"""Captions edited in place with the keyboard only, in a real Chromium against a real `gallery serve`,
at 390 px and 1366 px; the folded time tools; a photo opened from search goes on and back in the results."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Gallery
from .test_browser import ARTIFACTS, wait_until
from .test_browser_admin import (  # noqa: F401  (module fixtures: a library with an account, a server, Chromium)
    AXE,
    AXE_RUN,
    MELEE,
    browser,
    server,
    staff,
    staff_library,
)

pytestmark = pytest.mark.browser

FOCUSED_CLASS = "document.activeElement && document.activeElement.className"


def caption_of(library: Path, sha: str) -> str | None:
    rows = Gallery(library).rows("SELECT caption FROM photos WHERE sha256 = ?", sha)
    return rows[0]["caption"]  # type: ignore[no-any-return]


def tab_to(page: object, selector: str, most: int = 120) -> None:
    """Press Tab until the focus is on `selector`: only the keyboard, as a keyboard user gets there."""
    for _ in range(most):
        if page.evaluate(f"document.activeElement && document.activeElement.matches({selector!r})"):  # type: ignore[attr-defined]
            return
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
    raise AssertionError(f"Tab never reached {selector}")


def axe_problems(page: object) -> list[str]:
    page.evaluate(AXE.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    return list(page.evaluate(AXE_RUN))  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [390, 1366])
def test_a_caption_is_edited_in_place_with_the_keyboard(
    server: str,  # noqa: F811
    browser: object,  # noqa: F811
    staff_library: Path,  # noqa: F811
    width: int,
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = staff(browser, server, width)
    page.goto(f"{server}/admin/albums/{MELEE}")  # type: ignore[attr-defined]
    index = 0 if width == 390 else 1
    sha = page.eval_on_selector_all("#picker input[type=checkbox]", "boxes => boxes.map(b => b.value)")[index]  # type: ignore[attr-defined]
    show = f"#caption-{sha}-form .caption-show"
    tab_to(page, show)
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert page.evaluate("document.activeElement.name") == "caption"  # type: ignore[attr-defined]
    words = f"Le port au matin ({width} px)"
    page.keyboard.type(words)  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / f"caption-editing-{width}.png"))  # type: ignore[attr-defined]
    problems = axe_problems(page)
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    status = f"#caption-{sha}-form .caption-status"
    wait_until(page, f"document.querySelector({status!r}).textContent === 'Légende enregistrée.'")
    assert page.inner_text(f"{show} .caption-text") == words  # type: ignore[attr-defined]
    assert page.evaluate(f"document.activeElement === document.querySelector({show!r})"), "focus back on the caption"  # type: ignore[attr-defined]
    assert caption_of(staff_library, sha) == words

    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.keyboard.type(" — oublié")  # type: ignore[attr-defined]
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    assert page.inner_text(f"{show} .caption-text") == words and caption_of(staff_library, sha) == words  # type: ignore[attr-defined]
    assert page.input_value(f"#caption-{sha}") == words, "Escape puts the saved words back"  # type: ignore[attr-defined]
    assert page.evaluate(f"document.activeElement === document.querySelector({show!r})")  # type: ignore[attr-defined]
    sizes = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")  # type: ignore[attr-defined]
    assert sizes[0] <= sizes[1], f"no sideways scrolling at {width} px"
    page.screenshot(path=str(ARTIFACTS / f"caption-saved-{width}.png"))  # type: ignore[attr-defined]

    # the photo page, as staff: the same editor under the photo; Escape in it does not close the viewer
    page.goto(f"{server}/photos/{sha}")  # type: ignore[attr-defined]
    tab_to(page, f"#caption-{sha}-form .caption-show")
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    assert f"/photos/{sha}" in page.url  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.keyboard.press("Control+A")  # type: ignore[attr-defined]
    page.keyboard.type("Sur le quai")  # type: ignore[attr-defined]
    problems += axe_problems(page)
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    wait_until(page, f"document.querySelector({status!r}).textContent === 'Légende enregistrée.'")
    assert caption_of(staff_library, sha) == "Sur le quai"
    page.screenshot(path=str(ARTIFACTS / f"caption-photo-admin-{width}.png"))  # type: ignore[attr-defined]
    assert problems == [], "\n".join(problems)

    visitor = browser.new_context(viewport={"width": width, "height": 800}, locale="fr-FR").new_page()  # type: ignore[attr-defined]
    visitor.goto(f"{server}/photos/{sha}")
    assert visitor.inner_text(".viewer-caption") == "Sur le quai"
    assert visitor.get_attribute("img#photo", "alt") == "Sur le quai"
    visitor.screenshot(path=str(ARTIFACTS / f"caption-photo-public-{width}.png"))
    visitor.context.close()
    page.context.close()  # type: ignore[attr-defined]


def test_the_tile_alt_follows_a_caption_edited_in_place_as_a_reload_would(
    server: str,  # noqa: F811
    browser: object,  # noqa: F811
    staff_library: Path,  # noqa: F811
) -> None:
    page = staff(browser, server, 1366)
    page.goto(f"{server}/admin/albums/{MELEE}")  # type: ignore[attr-defined]
    sha = page.eval_on_selector_all("#picker input[type=checkbox]", "boxes => boxes.map(b => b.value)")[2]  # type: ignore[attr-defined]
    assert caption_of(staff_library, sha) is None
    tile, status = f"#p-{sha} img", f"#caption-{sha}-form .caption-status"
    generated = page.get_attribute(tile, "alt")  # type: ignore[attr-defined]
    assert generated.startswith("Photo 3, ") and len(generated) > len("Photo 3, "), generated

    def caption(words: str, said: str, img: str = tile) -> str:
        page.focus(f"#caption-{sha}-form .caption-show")  # type: ignore[attr-defined]
        page.keyboard.press("Enter")  # type: ignore[attr-defined]
        page.keyboard.press("Control+A")  # type: ignore[attr-defined]
        page.keyboard.press("Delete")  # type: ignore[attr-defined]
        if words:
            page.keyboard.type(words)  # type: ignore[attr-defined]
        page.keyboard.press("Enter")  # type: ignore[attr-defined]
        wait_until(page, f"document.querySelector({status!r}).textContent === {said!r}")
        return str(page.get_attribute(img, "alt"))  # type: ignore[attr-defined]

    assert caption("Les filets au soleil", "Légende enregistrée.") == "Photo 3, Les filets au soleil"
    page.reload()  # type: ignore[attr-defined]
    assert page.get_attribute(tile, "alt") == "Photo 3, Les filets au soleil", "the server says the same"  # type: ignore[attr-defined]
    assert caption("", "Légende effacée.") == generated, "a cleared caption gives back the generated words"
    page.reload()  # type: ignore[attr-defined]
    assert page.get_attribute(tile, "alt") == generated  # type: ignore[attr-defined]

    page.goto(f"{server}/photos/{sha}")  # type: ignore[attr-defined]  # the viewer's photo follows too
    before = str(page.get_attribute("img#photo", "alt"))  # type: ignore[attr-defined]
    assert caption("Au large", "Légende enregistrée.", "img#photo") == "Au large"
    assert caption("", "Légende effacée.", "img#photo") == before
    assert before == generated.removeprefix("Photo 3, "), "the same words on the tile and the photo"
    page.context.close()  # type: ignore[attr-defined]


def test_the_time_tools_fold_away_and_open_from_the_keyboard(server: str, browser: object) -> None:  # noqa: F811
    page = staff(browser, server, 1366)
    page.goto(f"{server}/admin/albums/{MELEE}")  # type: ignore[attr-defined]
    height = page.evaluate("document.querySelector('#selection').getBoundingClientRect().height")  # type: ignore[attr-defined]
    print(f"selection toolbar at 1366 px: {height:.0f} px tall (time tools folded)")
    assert not page.is_visible("input[name=hours]")  # type: ignore[attr-defined]
    tab_to(page, ".more-actions summary")
    assert page.evaluate("document.activeElement.getAttribute('aria-expanded')") in (None, "false")  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert page.is_visible("input[name=hours]") and page.is_visible("#when")  # type: ignore[attr-defined]
    opened = page.evaluate("document.querySelector('#selection').getBoundingClientRect().height")  # type: ignore[attr-defined]
    print(f"selection toolbar at 1366 px: {opened:.0f} px tall (time tools open)")
    page.screenshot(path=str(ARTIFACTS / "admin-album-time-tools-1366.png"))  # type: ignore[attr-defined]
    panel = page.evaluate(
        "(() => { const r = document.querySelector('.more-actions > .actions').getBoundingClientRect(); return [r.left, r.right]; })()"
    )  # type: ignore[attr-defined]
    assert opened <= height + 1 and panel[0] >= 0 and panel[1] <= 1366, "a panel over the grid, inside the window"
    page.context.close()  # type: ignore[attr-defined]


def test_a_photo_opened_from_search_goes_on_in_the_results_and_back(server: str, browser: object) -> None:  # noqa: F811
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="fr-FR")  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(f"{server}/search?q=frontignan")
    shas = page.eval_on_selector_all(".found-photos li", "tiles => tiles.map(t => t.id.slice(2))")
    assert len(shas) == 3
    page.click(f"#p-{shas[0]} a")
    page.wait_for_url(f"**/photos/{shas[0]}?search=*")
    wait_until(page, "document.body.classList.contains('lightbox')")
    page.keyboard.press("ArrowRight")
    page.wait_for_url(f"**/photos/{shas[1]}?search=q%3Dfrontignan")
    assert "2/3" in page.inner_text(".viewer-count")
    page.keyboard.press("Escape")
    page.wait_for_url(f"**/search?q=frontignan#p-{shas[1]}")
    wait_until(page, f"document.activeElement === document.querySelector('#p-{shas[1]} a')")
    context.close()


def test_the_time_tools_at_390_px(server: str, browser: object) -> None:  # noqa: F811
    """The selection toolbar's « Dater et décaler l'heure » on a phone: no sideways scroll, the summary
    readable, reached by the keyboard and where it was once open (not thrown across the screen), the
    panel's fields inside the window."""
    ARTIFACTS.mkdir(exist_ok=True)
    page = staff(browser, server, 390)
    page.goto(f"{server}/admin/albums/{MELEE}")  # type: ignore[attr-defined]
    box = """(() => { const s = document.querySelector('.more-actions summary'); const r = s.getBoundingClientRect();
        return {left: Math.round(r.left), right: Math.round(r.right), height: r.height,
                font: parseFloat(getComputedStyle(s).fontSize)}; })()"""
    tab_to(page, ".more-actions summary")
    closed = page.evaluate(box)  # type: ignore[attr-defined]
    assert closed["font"] >= 16 and closed["height"] >= 24, f"readable, a finger's target: {closed}"
    assert 0 <= closed["left"] and closed["right"] <= 390, closed
    page.screenshot(path=str(ARTIFACTS / "admin-album-time-tools-390-closed.png"))  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert page.is_visible("input[name=hours]") and page.is_visible("#when")  # type: ignore[attr-defined]
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"  # type: ignore[attr-defined]
    assert page.evaluate(box) == closed, "the summary stays where the finger or the focus was"  # type: ignore[attr-defined]
    page.screenshot(path=str(ARTIFACTS / "admin-album-time-tools-390-open.png"))  # type: ignore[attr-defined]
    fields = page.evaluate(  # type: ignore[attr-defined]
        """[...document.querySelectorAll('.more-actions :is(input, select, button, label, legend)')]
        .map(e => { const r = e.getBoundingClientRect(); return [e.name || e.tagName, r.left, r.right]; })"""
    )
    assert all(0 <= left and right <= 390 for _, left, right in fields), fields
    sizes = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")  # type: ignore[attr-defined]
    assert sizes[0] <= sizes[1], "no sideways scrolling at 390 px"
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert not page.is_visible("input[name=hours]"), "Enter folds it again"  # type: ignore[attr-defined]
    page.context.close()  # type: ignore[attr-defined]
