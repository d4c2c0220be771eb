"""Captions written by staff (form posts without JavaScript), shown to visitors, searched; search context."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from gallery import catalog
from gallery.captions import MAX_LENGTH, clean_caption
from gallery.config import Config
from gallery.errors import BadRequest
from gallery.web import create_app

from .test_admin import library, logged_in  # noqa: F401  (the fixture with an admin account)
from .test_search import found
from .test_web import album_json, private_photo

MELEE = "la-melee-numerique-2017"


def visitor(root: Path) -> TestClient:
    return TestClient(create_app(Config(root=root)), follow_redirects=False)


def write(web: TestClient, sha: str, caption: str, json: bool = False, **fields: str) -> Any:
    headers = {"accept": "application/json"} if json else {}
    data = {"csrf": web.cookies["gallery_csrf"], "caption": caption, **fields}
    return web.post(f"/admin/photos/{sha}/caption", data=data, headers=headers)


def test_a_caption_is_one_clean_line_and_empty_clears() -> None:
    assert clean_caption("  Le port\n de Sète\t à l’aube ") == "Le port de Sète à l’aube"
    assert clean_caption("a\x00b\x1bc") == "a b c"
    assert clean_caption("👩‍🔬 labo") == "👩‍🔬 labo", "a ZWJ emoji stays whole"
    assert clean_caption(" \n ") is None
    assert clean_caption("x" * MAX_LENGTH) == "x" * MAX_LENGTH
    with pytest.raises(BadRequest):
        clean_caption("x" * (MAX_LENGTH + 1))


def test_a_form_post_sets_a_caption_that_visitors_see_everywhere(library: Path) -> None:  # noqa: F811
    web = logged_in(library)
    sha = album_json(library, MELEE)["photos"][4]["sha256"]
    done = write(web, sha, " La <b>mêlée</b> & le café ", next=f"/admin/albums/{MELEE}#p-{sha}")
    assert done.status_code == 303
    assert done.headers["location"] == f"/admin/albums/{MELEE}?message=done_caption#p-{sha}"
    assert "Légende enregistrée." in web.get(done.headers["location"]).text
    caption = "La <b>mêlée</b> & le café"
    page = visitor(library).get(f"/photos/{sha}").text
    escaped = html.escape(caption, quote=True)
    assert f'alt="{escaped}"' in page, "the caption is the image's alt text"
    assert f'<p class="viewer-caption">{html.escape(caption, quote=False)}</p>' in page
    assert f'<meta property="og:description" content="{escaped}">' in page
    assert "<b>mêlée</b>" not in page, "escaped, never markup"
    assert visitor(library).get(f"/api/photos/{sha}").json()["caption"] == caption
    listed = {p["sha256"]: p for p in visitor(library).get(f"/api/albums/{MELEE}").json()["photos"]}
    assert listed[sha]["caption"] == caption
    album_page = visitor(library).get(f"/albums/{MELEE}").text
    assert f'alt="{escaped}' in album_page
    embed = visitor(library).get("/oembed", params={"url": f"http://testserver/photos/{sha}"}).json()
    assert (
        embed["type"] == "photo" and embed["title"] == caption and embed["url"].endswith(f"/thumbs/viewer/{sha}.webp")
    )
    assert 'type="application/json+oembed"' in page
    _, photos, total = found(visitor(library).get("/search", params={"q": "cafe"}).text)
    assert (photos, total) == ([sha], 1), "search finds a caption, accents folded"


def test_empty_clears_and_bad_input_changes_nothing(library: Path) -> None:  # noqa: F811
    web = logged_in(library)
    sha = album_json(library, MELEE)["photos"][0]["sha256"]
    assert write(web, sha, "Sous la pluie").status_code == 303
    too_long = write(web, sha, "x" * (MAX_LENGTH + 1), json=True)
    assert too_long.status_code == 400 and too_long.json()["error"] == "Une légende compte au plus 500 caractères."
    assert write(web, sha, "x" * (MAX_LENGTH + 1)).status_code == 400
    assert visitor(library).get(f"/api/photos/{sha}").json()["caption"] == "Sous la pluie"
    cleared = write(web, sha, "   ", json=True)
    assert cleared.json() == {"caption": "", "message": "Légende effacée."}
    assert visitor(library).get(f"/api/photos/{sha}").json()["caption"] is None
    back = write(web, sha, "", next=f"/photos/{sha}")
    assert back.headers["location"] == f"/photos/{sha}?message=done_caption_cleared#caption-{sha}"
    assert "Légende effacée." in web.get(back.headers["location"]).text
    assert write(web, sha, "ailleurs", next="https://evil.example/").headers["location"].startswith("/admin?")


def test_only_staff_with_the_form_token_write_and_missing_photos_are_404(library: Path) -> None:  # noqa: F811
    sha = album_json(library, MELEE)["photos"][0]["sha256"]
    anonymous = visitor(library)
    anonymous.get("/login")
    assert write(anonymous, sha, "tag").status_code == 403
    web = logged_in(library)
    forged = web.post(f"/admin/photos/{sha}/caption", data={"csrf": "nope", "caption": "tag"})
    assert forged.status_code == 403
    assert write(web, "0" * 64, "tag").status_code == 404
    assert write(web, "not-a-sha", "tag").status_code == 404
    assert visitor(library).get(f"/api/photos/{sha}").json()["caption"] is None


def test_private_stays_private(library: Path) -> None:  # noqa: F811
    web = logged_in(library)
    hidden_sha = private_photo(library)
    assert write(web, hidden_sha, "Réunion confidentielle").status_code == 303
    assert found(visitor(library).get("/search", params={"q": "confidentielle"}).text) == ([], [], 0)
    assert visitor(library).get(f"/photos/{hidden_sha}").status_code == 404
    assert visitor(library).get("/oembed", params={"url": f"/photos/{hidden_sha}"}).status_code == 404
    assert found(web.get("/search", params={"q": "confidentielle"}).text)[1] == [hidden_sha], "admins find it"
    sha = album_json(library, MELEE)["photos"][1]["sha256"]
    conn = catalog.connect(library / "gallery.db")
    with catalog.transaction(conn):
        conn.execute("UPDATE photos SET title = 'titre XMP privé', description = 'note' WHERE sha256 = ?", (sha,))
    conn.close()
    public = visitor(library).get(f"/photos/{sha}").text
    assert "titre XMP privé" not in public and "titre XMP privé" not in str(
        visitor(library).get(f"/api/photos/{sha}").json()
    )
    admin_page = web.get(f"/photos/{sha}").text
    assert 'placeholder="Dans le fichier : titre XMP privé"' in admin_page, "offered to staff, not shown"
    assert write(web, sha, "Le mot de l’équipe").status_code == 303
    assert 'alt="Le mot de l’équipe"' in visitor(library).get(f"/photos/{sha}").text, "the caption wins"


def test_a_photo_opened_from_search_follows_the_results(library: Path) -> None:  # noqa: F811
    client = visitor(library)
    results = client.get("/search", params={"q": "frontignan"}).text
    _, shas, _ = found(results)
    assert len(shas) == 3
    links = re.findall(r'<a href="(/photos/[0-9a-f]{64}\?search=[^"]+)"', results)
    assert len(links) == 3 and parse_qs(urlsplit(html.unescape(links[0])).query) == {"search": ["q=frontignan"]}
    middle = client.get(html.unescape(links[1])).text
    assert (
        f'href="/photos/{shas[0]}?search=q%3Dfrontignan"' in middle and f'rel="prev" href="/photos/{shas[0]}' in middle
    )
    assert f'rel="next" href="/photos/{shas[2]}?search=q%3Dfrontignan"' in middle
    assert f'data-back="/search?q=frontignan#p-{shas[1]}"' in middle
    assert "Retour à la recherche" in middle and "2/3" in middle
    plain = client.get(f"/photos/{shas[1]}").text
    assert "?search=" not in plain and "/albums/" in re.search(r'data-back="([^"]+)"', plain)[1]  # type: ignore[index]
    stray = client.get(f"/photos/{shas[1]}", params={"search": "q=toulouse"}).text
    assert "?search=" not in stray, "not among those results: the album's order"
    assert client.get(f"/photos/{shas[1]}", params={"search": "from=le-19"}).status_code == 200
