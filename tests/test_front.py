"""The nginx front (issue 15), with a real nginx and a real `gallery serve`: public images come from
disk, everything private goes through the app's decision, and closing something closes it at once."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import pytest

from gallery import catalog, front, share_folders, shares, thumbs
from gallery.config import Config
from gallery.passwords import new_token, token_hash

from .conftest import Gallery, serving
from .nginx_front import NGINX, nginx_front
from .test_security import photos_of

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)")
PUBLIC, PRIVATE = "la-melee-numerique-2017", "iot-valley-2017"


@pytest.fixture
def fronted(library: Path, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(front URL, app URL)."""
    with serving(library) as app:
        with nginx_front(library, app.removeprefix("http://"), tmp_path / "nginx") as base:
            yield base, app


def grid(sha: str) -> str:
    return f"/thumbs/grid/{sha}.webp"


def closes_within_a_second(client: httpx2.Client, url: str) -> bool:
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        if client.get(url).status_code == 404:
            return True
        time.sleep(0.05)
    return client.get(url).status_code == 404


def test_public_thumbnails_come_from_disk_with_the_same_headers(library: Path, fronted: tuple[str, str]) -> None:
    base, _ = fronted
    sha = photos_of(library, PUBLIC)[0]
    with httpx2.Client(base_url=base) as client:
        response = client.get(grid(sha))
        assert response.status_code == 200 and response.content[:4] == b"RIFF"
        assert response.headers["content-type"] == "image/webp"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "last-modified" in response.headers, "sent by nginx from the public tree, not by the app"
        assert client.get(grid(sha), headers={"if-none-match": response.headers["etag"]}).status_code == 304
        assert client.get("/static/style.css").headers["x-content-type-options"] == "nosniff"
        home = client.get("/")
        assert home.status_code == 200
        hashed = re.search(r'href="(/static/style\.[0-9a-f]{10}\.css)"', home.text)
        assert hashed, "pages link the CSS by a hashed name"
        css = client.get(hashed[1])  # served by nginx from the package's folder, under the name pages use
        assert css.status_code == 200 and css.content == client.get("/static/style.css").content
        assert css.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "last-modified" in css.headers, "sent by nginx from disk, not by the app"
        assert "content-security-policy" in client.get(f"/albums/{PUBLIC}").headers, "pages come from the app"


def test_private_hidden_and_unpublished_are_not_reachable_through_the_front(
    library: Path, fronted: tuple[str, str]
) -> None:
    base, _ = fronted
    gallery = Gallery(library)
    private, public = photos_of(library, PRIVATE), photos_of(library, PUBLIC)
    with httpx2.Client(base_url=base) as client:
        for sha in private[:3]:
            assert client.get(grid(sha)).status_code == 404
            assert client.get(f"/thumbs/viewer/{sha}.webp").status_code == 404
            internal = f"/_gallery/thumbnails/{thumbs.derivative_path(sha, 'grid')}"
            assert client.get(internal).status_code == 404, "internal locations answer only X-Accel-Redirect"
        assert client.get("/gallery.db").status_code == 404
        assert client.get("/_gallery/media/").status_code == 404

        hidden = public[1]
        assert client.get(grid(hidden)).status_code == 200
        gallery("albums", "hide", PUBLIC, hidden)
        assert closes_within_a_second(client, grid(hidden)), "a hidden photo stops serving at once"
        assert client.get(grid(public[2])).status_code == 200, "the others still do"

        assert client.get(grid(public[0])).status_code == 200
        gallery("albums", "unpublish", PUBLIC)
        assert closes_within_a_second(client, grid(public[0])), "an unpublished album stops serving at once"
        assert client.get(f"/thumbs/viewer/{public[0]}.webp").status_code == 404


def test_admin_changes_reach_the_public_tree_while_serving(library: Path, fronted: tuple[str, str]) -> None:
    """A change made by another tool than the CLI (the admin pages write the catalog directly)."""
    base, _ = fronted
    sha = photos_of(library, PUBLIC)[0]
    with httpx2.Client(base_url=base) as client:
        assert client.get(grid(sha)).status_code == 200
        conn = catalog.connect(library / "gallery.db")
        try:
            with catalog.transaction(conn):
                catalog.update_album(conn, catalog.get_album(conn, PUBLIC)["id"], {"published": 0})  # type: ignore[index]
        finally:
            conn.close()
        assert closes_within_a_second(client, grid(sha)), "the serving process's watcher closes it"


def test_a_share_link_opens_private_images_through_x_accel_and_revoking_closes_them(
    library: Path, fronted: tuple[str, str]
) -> None:
    base, app = fronted
    sha = photos_of(library, PRIVATE)[0]
    conn = catalog.connect(library / "gallery.db")
    try:
        token = shares.create(conn, PRIVATE)
    finally:
        conn.close()
    with httpx2.Client(base_url=base, follow_redirects=False) as client:
        assert client.get(grid(sha)).status_code == 404
        assert client.get(f"/s/{token}").status_code == 303
        response = client.get(grid(sha))
        assert response.status_code == 200 and response.content[:4] == b"RIFF", response.text[:200]
        assert response.headers["cache-control"] == "private, no-store", "a shared image is never kept by a cache"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "x-accel-redirect" not in response.headers
        viewer = client.get(f"/thumbs/viewer/{sha}.webp")
        assert viewer.status_code == 200 and viewer.content[:4] == b"RIFF", "made on demand, sent by nginx"
        Gallery(library)("albums", "set", PRIVATE, "--originals")
        original = client.get(f"/photos/{sha}/original")
        assert original.status_code == 200 and original.content[:2] == b"\xff\xd8", original.text[:200]
        assert original.headers["content-disposition"].startswith("attachment")
        assert "x-accel-redirect" not in original.headers
        direct = httpx2.get(
            f"{app}/photos/{sha}/original", headers={"x-gallery-accel": "/_gallery"}, cookies=client.cookies
        )
        assert direct.headers["x-accel-redirect"].startswith("/_gallery/"), "the bytes were nginx's, not Python's"
        assert direct.content == b""
        part = client.get(f"/photos/{sha}/original", headers={"range": "bytes=0-9"})
        assert part.status_code == 206 and part.content == original.content[:10], "nginx answers Range"
        Gallery(library)("albums", "unshare", "--", token)
        assert closes_within_a_second(client, grid(sha)), "a revoked link closes at once"
        assert client.get(f"/photos/{sha}/original").status_code == 404


def test_check_repair_rebuilds_the_public_tree(library: Path) -> None:
    gallery = Gallery(library)
    config = Config(root=library)
    assert front.sync(config, create=True).added > 0
    private = photos_of(library, PRIVATE)[0]
    stray = front.link_path(config, private, "grid")
    stray.symlink_to(front.link_target(private, "grid"))  # a link that must not be there
    public = photos_of(library, PUBLIC)[0]
    front.link_path(config, public, "viewer").unlink()
    found = gallery("check", "--json", ok=False)
    assert found.exit_code == 1 and "not public" in found.stdout and "without a link" in found.stdout
    gallery("check", "--repair")
    assert not os.path.lexists(stray) and os.path.lexists(front.link_path(config, public, "viewer"))
    made = config.thumbs_dir / thumbs.derivative_path(public, "grid")
    link = front.link_path(config, public, "grid")
    assert not link.is_symlink() and link.samefile(made), "a hard link: nginx resolves no symlink"


def test_a_shorter_max_age_for_a_cdn_reaches_the_app_and_the_block(library: Path) -> None:
    from starlette.testclient import TestClient

    from gallery.web import create_app

    config = Config(root=library, public_max_age=3600)
    sha = photos_of(library, PUBLIC)[0]
    response = TestClient(create_app(config)).get(grid(sha))
    assert response.headers["cache-control"] == "public, max-age=3600, immutable"
    block = front.nginx_config(config, "photos.example.org", "80", "127.0.0.1:8000")
    assert 'add_header Cache-Control "public, max-age=3600, immutable";' in block
    assert "server_name photos.example.org;" in block and "server 127.0.0.1:8000;" in block


def test_nginx_config_refuses_values_that_would_inject_directives(library: Path) -> None:
    gallery = Gallery(library)
    for option, value in (("--server-name", "a.org; include /etc/passwd"), ("--upstream", "x}"), ("--listen", "")):
        refused = gallery("nginx-config", option, value, ok=False)
        assert refused.exit_code == 2 and "nginx" in refused.output, refused.output
    assert not front.enabled(Config(root=library)), "nothing was made"


def test_public_videos_and_posters_come_from_disk_and_private_ones_through_x_accel(tmp_path: Path) -> None:
    """Posters are grid/viewer images; a public video's web copy is sent by nginx from the public tree;
    a shared (private) one by nginx after the app's decision; unpublishing and revoking close both."""
    from .test_media_kinds import ANDROID_TAGS, ffmpeg, needs_ffmpeg

    if needs_ffmpeg.args[0]:
        pytest.skip("the ffmpeg binary is not installed")
    ffmpeg(tmp_path / "card" / "PXL_0001.mp4", *ANDROID_TAGS)
    gallery = Gallery(tmp_path / "library")
    gallery.root.mkdir()
    gallery.import_(tmp_path / "card")  # with the viewer pass: the web copy is made here
    gallery("albums", "publish", "--all")
    (row,) = gallery.rows()
    sha, slug = row["sha256"], Gallery(gallery.root)("albums", "--json").stdout
    slug = __import__("json").loads(slug)[0]["slug"]
    copy = (gallery.root / "thumbnails" / f"video/{sha[:2]}/{sha[2:4]}/{sha}.mp4").read_bytes()
    video = f"/photos/{sha}/video"
    with (
        serving(gallery.root) as app,
        nginx_front(gallery.root, app.removeprefix("http://"), tmp_path / "nginx") as base,
    ):
        assert front.link_path(Config(root=gallery.root), sha, front.VIDEO).stat().st_nlink == 2, "a hard link"
        with httpx2.Client(base_url=base, follow_redirects=False) as client:
            poster = client.get(grid(sha))
            assert poster.status_code == 200 and poster.headers["cache-control"].endswith("immutable")
            assert "last-modified" in poster.headers, "the poster comes from the public tree"
            played = client.get(video)
            assert played.status_code == 200 and played.content == copy, "the web copy, never the original"
            assert played.headers["content-type"] == "video/mp4"
            assert played.headers["cache-control"] == "public, max-age=3600", "sent by nginx from disk"
            assert played.headers["x-content-type-options"] == "nosniff"
            part = client.get(video, headers={"range": "bytes=0-99"})
            assert part.status_code == 206 and part.content == copy[:100]
            assert client.get(f"/photos/{'0' * 64}/video").status_code == 404

            gallery("albums", "unpublish", slug)
            assert closes_within_a_second(client, video), "an unpublished video stops playing at once"
            assert closes_within_a_second(client, grid(sha)), "and its poster"
            conn = catalog.connect(gallery.root / "gallery.db")
            try:
                token = shares.create(conn, slug)
            finally:
                conn.close()
            assert client.get(f"/s/{token}").status_code == 303
            shared = client.get(video)
            assert shared.status_code == 200 and shared.content == copy, shared.text[:200]
            assert shared.headers["content-type"] == "video/mp4"
            assert shared.headers["cache-control"].startswith("private"), "decided by the app"
            assert "x-accel-redirect" not in shared.headers
            direct = httpx2.get(f"{app}{video}", headers={"x-gallery-accel": "/_gallery"}, cookies=client.cookies)
            assert direct.headers["x-accel-redirect"].startswith("/_gallery/thumbnails/video/"), "nginx's bytes"
            assert direct.content == b""
            assert client.get(grid(sha)).status_code == 200, "the shared poster"
            gallery("albums", "unshare", "--", token)
            assert closes_within_a_second(client, video), "a revoked link closes the video at once"


# -- share folders and social cards (issue 15, follow-up) -------------------------------------------


def folder_cookie(response: httpx2.Response) -> str:
    """The Set-Cookie line that names the share folder to nginx (empty when there is none)."""
    lines = response.headers.get_list("set-cookie")
    return next((line for line in lines if line.startswith(share_folders.FOLDER_COOKIE + "=")), "")


def new_share(library: Path, slug: str, password: str | None = None, expires_at: str | None = None) -> str:
    conn = catalog.connect(library / "gallery.db")
    try:
        if expires_at is None:
            return shares.create(conn, slug, password=password)
        token = new_token()
        album = catalog.get_album(conn, slug)
        catalog.add_share(conn, token_hash(token), album["id"], None, expires_at, "")  # type: ignore[index]
        return token
    finally:
        conn.close()


def another_private_album(library: Path) -> str:
    """A second private album: one more unpublished."""
    gallery = Gallery(library)
    slug = next(a["slug"] for a in gallery.json("albums") if a["slug"] not in (PUBLIC, PRIVATE) and a["photos"])
    gallery("albums", "unpublish", slug)
    return str(slug)


def test_a_share_folder_sends_the_links_images_from_disk_without_the_app(library: Path, tmp_path: Path) -> None:
    config = Config(root=library)
    token = new_share(library, PRIVATE)
    shared, other = photos_of(library, PRIVATE), photos_of(library, another_private_album(library))
    app_running = serving(library)
    app = app_running.__enter__()
    try:
        with nginx_front(library, app.removeprefix("http://"), tmp_path / "nginx") as base:
            with httpx2.Client(base_url=base, follow_redirects=False) as client:
                opened = client.get(f"/s/{token}")
                assert opened.status_code == 303
                line = folder_cookie(opened)
                name = line.split(";")[0].split("=", 1)[1]
                assert re.fullmatch(r"[0-9a-f]{64}", name), line
                assert "HttpOnly" in line and "SameSite=Lax" in line and "Path=/thumbs/" in line, line
                assert "Secure" not in line, "plain HTTP here (GALLERY_HTTPS=1 adds it)"
                assert f"Max-Age={30 * 86400}" in line, "a link with no expiry: as long as the share cookie"
                folder = share_folders.shares_dir(config) / name
                made = config.thumbs_dir / thumbs.derivative_path(shared[0], "grid")
                assert (folder / "thumbs" / "grid" / f"{shared[0]}.webp").samefile(made), "a hard link"
                assert len(list((folder / "thumbs" / "grid").iterdir())) == len(shared), "the album, nothing else"
                response = client.get(grid(shared[0]))
                assert response.status_code == 200 and response.content == made.read_bytes()
                assert response.headers["cache-control"] == "private, no-store", "no cache keeps a shared image"
                assert response.headers["content-type"] == "image/webp"
                assert response.headers["x-content-type-options"] == "nosniff"
                # without the app: what the folder holds still comes (nginx, from disk); the rest needed the app
                app_running.__exit__(None, None, None)
                for sha in shared[:3]:
                    assert client.get(grid(sha)).status_code == 200, "sent by nginx: the app is stopped"
                assert client.get(grid(other[0])).status_code == 502, "another private album: only the app decides"
                anonymous = httpx2.get(f"{base}{grid(shared[0])}")
                assert anonymous.status_code == 502, "no folder cookie, no folder: the app decides"
                Gallery(library)("albums", "hide", PRIVATE, shared[1])
                assert client.get(grid(shared[1])).status_code == 502, "a hidden photo leaves the folder at once"
                assert client.get(grid(shared[2])).status_code == 200
                Gallery(library)("albums", "unshare", "--", token)
                assert client.get(grid(shared[0])).status_code == 502, "a revoked link's folder is gone"
                assert not folder.exists() and list(share_folders.shares_dir(config).iterdir()) == []
    finally:
        app_running.__exit__(None, None, None)


def test_forged_or_foreign_folder_cookies_leave_the_decision_to_the_app(
    library: Path, fronted: tuple[str, str]
) -> None:
    base, _ = fronted
    config = Config(root=library)
    slug = another_private_album(library)
    first, second = new_share(library, PRIVATE), new_share(library, slug)
    mine, theirs = photos_of(library, PRIVATE)[0], photos_of(library, slug)[0]
    with httpx2.Client(base_url=base, follow_redirects=False) as client:
        name = folder_cookie(client.get(f"/s/{first}")).split(";")[0].split("=", 1)[1]
        assert client.get(grid(mine)).status_code == 200
    forged = "0123456789abcdef" * 4
    for value in (forged, "../" * 8 + "thumbnails", name.upper(), name[:-1], f"{name}/../{name}"):
        alone = httpx2.get(f"{base}{grid(mine)}", cookies={share_folders.FOLDER_COOKIE: value})
        assert alone.status_code == 404, f"{value!r}: the app decides, and refuses"
    with httpx2.Client(base_url=base, follow_redirects=False) as other:
        assert other.get(f"/s/{second}").status_code == 303
        other.cookies.set(share_folders.FOLDER_COOKIE, name, path="/thumbs/")  # someone else's folder name
        other.cookies.delete("gallery_share")
        assert other.get(grid(mine)).status_code == 200, "a leaked folder cookie opens its own share only"
        assert other.get(grid(theirs)).status_code == 404, "never another share's images"
    names = sorted(p.name for p in share_folders.shares_dir(config).iterdir())
    assert len(names) == 2 and forged not in names
    assert (
        httpx2.get(f"{base}/thumbs/").status_code in (403, 404) and "shares" not in httpx2.get(f"{base}/thumbs/").text
    )


def test_a_password_share_gets_its_folder_only_after_the_password(library: Path, fronted: tuple[str, str]) -> None:
    base, _ = fronted
    config = Config(root=library)
    token = new_share(library, PRIVATE, password="correct horse")
    sha = photos_of(library, PRIVATE)[0]
    with httpx2.Client(base_url=base, follow_redirects=False) as client:
        asked = client.get(f"/s/{token}")
        assert asked.status_code == 200 and not folder_cookie(asked)
        csrf = client.cookies["gallery_csrf"]
        wrong = client.post(f"/s/{token}", data={"csrf": csrf, "password": "wrong"})
        assert wrong.status_code == 401 and not folder_cookie(wrong)
        assert not share_folders.shares_dir(config).exists() or not list(share_folders.shares_dir(config).iterdir())
        assert client.get(grid(sha)).status_code == 404
        right = client.post(f"/s/{token}", data={"csrf": csrf, "password": "correct horse"})
        assert right.status_code == 303 and folder_cookie(right)
        response = client.get(grid(sha))
        assert response.status_code == 200 and response.headers["cache-control"] == "private, no-store"
        name = folder_cookie(right).split(";")[0].split("=", 1)[1]
        assert (share_folders.shares_dir(config) / name / "thumbs" / "grid" / f"{sha}.webp").exists()


def test_revoking_or_expiring_while_serving_closes_the_folder_within_a_second(
    library: Path, fronted: tuple[str, str]
) -> None:
    """Changes made by another tool than the CLI reach the folders through the serving process's watcher."""
    base, _ = fronted
    config = Config(root=library)
    sha = photos_of(library, PRIVATE)[0]
    soon = (datetime.now(UTC) + timedelta(seconds=5)).isoformat(timespec="seconds")
    expiring, revoked = new_share(library, PRIVATE, expires_at=soon), new_share(library, PRIVATE)
    with httpx2.Client(base_url=base, follow_redirects=False) as client:
        line = folder_cookie(client.get(f"/s/{expiring}"))
        assert re.search(r"Max-Age=[1-5];", line + ";"), "the cookie ends with the link"
        assert client.get(grid(sha)).status_code == 200
        while datetime.now(UTC).isoformat(timespec="seconds") <= soon:
            time.sleep(0.05)
        assert closes_within_a_second(client, grid(sha)), "an expired link's folder goes at once"
        assert list(share_folders.shares_dir(config).iterdir()) == []
    with httpx2.Client(base_url=base, follow_redirects=False) as client:
        assert client.get(f"/s/{revoked}").status_code == 303
        assert client.get(grid(sha)).status_code == 200
        conn = catalog.connect(library / "gallery.db")
        try:
            shares.revoke(conn, revoked)
        finally:
            conn.close()
        assert closes_within_a_second(client, grid(sha)), "the watcher closes a link revoked from the admin pages"


def test_social_cards_come_from_disk_once_made_and_go_with_unpublishing(
    library: Path, fronted: tuple[str, str]
) -> None:
    base, _ = fronted
    config = Config(root=library)
    sha = photos_of(library, PUBLIC)[0]
    card = f"/cards/{sha}.jpg"
    for made in (config.thumbs_dir / front.card_path(sha), front.link_path(config, sha, front.CARD)):
        made.unlink(missing_ok=True)  # a card an earlier test of the shared demo library asked for
    front.sync(config)  # the public tree links the card to be (a link nginx follows once the app made it)
    with httpx2.Client(base_url=base) as client:
        first = client.get(card)  # made by the app, and kept on disk
        assert first.status_code == 200 and first.content[:2] == b"\xff\xd8"
        assert (config.thumbs_dir / front.card_path(sha)).read_bytes() == first.content
        again = client.get(card)
        assert again.status_code == 200 and again.content == first.content
        assert "last-modified" in again.headers, "sent by nginx from the public tree"
        assert again.headers["content-type"] == "image/jpeg"
        assert again.headers["cache-control"] == "public, max-age=86400"
        assert again.headers["x-content-type-options"] == "nosniff"
        assert "last-modified" not in first.headers, "the first one came from the app"
        private = photos_of(library, PRIVATE)[0]
        assert client.get(f"/cards/{private}.jpg").status_code == 404
        Gallery(library)("albums", "unpublish", PUBLIC)
        assert closes_within_a_second(client, card), "an unpublished photo's card closes at once"
        assert not os.path.lexists(front.link_path(config, sha, front.CARD))


def test_the_folder_cookie_follows_the_shared_album_a_browser_shows(library: Path) -> None:
    """A browser holding several links: nginx serves the album on screen from its folder (no nginx needed here)."""
    from starlette.testclient import TestClient

    from gallery.web import create_app
    from gallery.web.auth import secret_key

    config = Config(root=library)
    front.sync(config, create=True)
    second = another_private_album(library)
    first_token, second_token = new_share(library, PRIVATE), new_share(library, second)
    client = TestClient(create_app(config), follow_redirects=False)
    assert client.get(f"/s/{first_token}").status_code == 303
    assert client.get(f"/s/{second_token}").status_code == 303
    first, last = (share_folders.folder_name(secret_key(config), t) for t in (first_token, second_token))
    assert client.cookies.get(share_folders.FOLDER_COOKIE) == last, "the last link opened"
    shown = [line for line in client.get(f"/albums/{PRIVATE}").headers.get_list("set-cookie") if "shared=" in line]
    assert shown and shown[0].startswith(f"{share_folders.FOLDER_COOKIE}={first};"), shown
    assert "Path=/thumbs/" in shown[0] and "HttpOnly" in shown[0]
    assert (share_folders.shares_dir(config) / first / "thumbs" / "grid").is_dir()
    published = client.get(f"/albums/{PUBLIC}").headers.get_list("set-cookie")
    assert not any("shared=" in line for line in published), "a public album needs no folder"
    assert not any(
        "shared=" in line
        for line in TestClient(create_app(config)).get(f"/albums/{PUBLIC}").headers.get_list("set-cookie")
    )


def test_check_reports_share_folders_of_closed_links_and_repair_removes_them(library: Path) -> None:
    config = Config(root=library)
    front.sync(config, create=True)
    token = new_share(library, PRIVATE)
    conn = catalog.connect(library / "gallery.db")
    try:
        share_id = catalog.get_share(conn, token_hash(token))["id"]  # type: ignore[index]
        name = share_folders.open_folder(config, b"key", token, share_id)
        assert name is not None and share_folders.check(config) == []
        conn.execute("UPDATE shares SET revoked_at = '2000-01-01T00:00:00+00:00'")  # behind every tool's back
        conn.commit()
    finally:
        conn.close()
    assert share_folders.open_folder(config, b"key", token, share_id) is None, "a closed link gets no folder"
    found = Gallery(library)("check", "--json", ok=False)
    assert "1 share folder(s) of links that no longer open" in found.stdout
    Gallery(library)("check", "--repair")
    assert list(share_folders.shares_dir(config).iterdir()) == []
