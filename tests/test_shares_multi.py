"""Several share links in one browser (issue 9): each kept, checked and revocable on its own, each
with its own password state; what a share link shows is never kept by a cache."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from gallery import catalog, shares
from gallery.config import Config
from gallery.web import auth, create_app

from .test_security import every_url, photos_of

FIRST, SECOND = "iot-valley-2017", "incubateur-euromediterranee-2017"


def private_albums(root: Path) -> None:
    conn = catalog.connect(root / "gallery.db")
    try:
        with catalog.transaction(conn):
            for slug in (FIRST, SECOND):
                catalog.update_album(conn, catalog.get_album(conn, slug)["id"], {"published": 0})  # type: ignore[index]
    finally:
        conn.close()


def new_share(root: Path, slug: str, password: str | None = None) -> str:
    conn = catalog.connect(root / "gallery.db")
    try:
        return shares.create(conn, slug, password=password)
    finally:
        conn.close()


def web(root: Path) -> TestClient:
    client = TestClient(create_app(Config(root=root)), follow_redirects=False)
    client.get("/")  # the CSRF cookie
    return client


def test_a_browser_keeps_every_share_link_it_opened(library: Path) -> None:
    private_albums(library)
    first, second = new_share(library, FIRST), new_share(library, SECOND, password="open sesame")
    client = web(library)
    assert client.get(f"/s/{first}").status_code == 303
    assert client.get(f"/albums/{FIRST}").status_code == 200
    assert client.get(f"/s/{second}").status_code == 200, "the second link asks for its password"
    assert client.get(f"/albums/{FIRST}").status_code == 200, "asking for the second password closes nothing"
    opened = client.post(f"/s/{second}", data={"password": "open sesame", "csrf": client.cookies["gallery_csrf"]})
    assert opened.status_code == 303
    for slug in (FIRST, SECOND):
        assert client.get(f"/albums/{slug}").status_code == 200, f"{slug} closed by opening another link"
    assert client.get(f"/s/{first}").status_code == 303, "opening the first link again"
    assert client.get(f"/albums/{SECOND}").status_code == 200, "the second link keeps its unlocked password"
    sha = photos_of(library, SECOND)[0]
    assert all(client.get(url).status_code in (200, 206) for url in every_url(sha, SECOND)), "every URL of each share"


def test_each_link_is_revoked_on_its_own(library: Path) -> None:
    private_albums(library)
    first, second = new_share(library, FIRST), new_share(library, SECOND)
    client = web(library)
    client.get(f"/s/{first}")
    client.get(f"/s/{second}")
    assert client.get(f"/albums/{FIRST}").status_code == client.get(f"/albums/{SECOND}").status_code == 200
    conn = catalog.connect(library / "gallery.db")
    shares.revoke(conn, first)
    conn.close()
    assert client.get(f"/albums/{FIRST}").status_code == 404
    assert client.get(f"/albums/{SECOND}").status_code == 200


def test_a_password_proof_opens_only_its_own_link(library: Path) -> None:
    private_albums(library)
    first, second = new_share(library, FIRST, password="one password"), new_share(library, SECOND, password="two words")
    client = web(library)
    client.post(f"/s/{first}", data={"password": "one password", "csrf": client.cookies["gallery_csrf"]})
    proof = auth.share_entries(client.cookies["gallery_share"])[0][1]
    client.cookies.clear()
    client.cookies.set("gallery_share", f"{first}.{proof}~{second}.{proof}")  # the first proof on the second link
    assert client.get(f"/albums/{FIRST}").status_code == 200
    assert client.get(f"/albums/{SECOND}").status_code == 404


def test_the_cookie_keeps_a_bounded_number_of_links(library: Path) -> None:
    private_albums(library)
    oldest = new_share(library, FIRST)
    client = web(library)
    client.get(f"/s/{oldest}")
    for _ in range(auth.MAX_SHARES):
        assert client.get(f"/s/{new_share(library, SECOND)}").status_code == 303
    assert len(auth.share_entries(client.cookies["gallery_share"])) == auth.MAX_SHARES
    assert client.get(f"/albums/{FIRST}").status_code == 404, "the oldest link was dropped"
    assert client.get(f"/albums/{SECOND}").status_code == 200


def test_nothing_seen_through_a_share_is_cached(library: Path) -> None:
    private_albums(library)
    client = web(library)
    client.get(f"/s/{new_share(library, FIRST)}")
    sha = photos_of(library, FIRST)[0]
    for url in every_url(sha, FIRST):
        response = client.get(url)
        assert response.status_code in (200, 206), url
        assert response.headers["cache-control"] == "private, no-store", url
