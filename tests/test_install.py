"""`pip install .` (not editable) gives a working gallery: build the sdist, build the wheel from that
sdist (so a file left out of either fails here), install it into a fresh venv, run the demo and serve.

The fresh venv borrows the dependencies of the test venv through a .pth line (no network needed);
`gallery` itself must come from the installed wheel, which the test checks.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import tarfile
import urllib.request
from pathlib import Path

import pytest

from .conftest import serving

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _build(hook: str, source: Path, out: Path) -> Path:
    """A PEP 517 hook of setuptools (the declared backend), run in `source`."""
    out.mkdir(exist_ok=True)
    code = f"from setuptools import build_meta; print(build_meta.{hook}({str(out)!r}))"
    name = _run(sys.executable, "-c", code, cwd=source).strip().splitlines()[-1]
    return out / name


def test_wheel_and_sdist_install_into_a_fresh_venv_and_serve(tmp_path: Path) -> None:
    tracked = _run("git", "ls-files", "-z", cwd=REPO).split("\0")
    checkout = tmp_path / "checkout"
    for name in filter(None, tracked):
        if (REPO / name).is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            (checkout / name).write_bytes((REPO / name).read_bytes())
    sdist = _build("build_sdist", checkout, tmp_path / "dist")
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    wheel = _build("build_wheel", unpacked, tmp_path / "dist")
    assert wheel.suffix == ".whl"

    venv = tmp_path / "fresh"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    site = Path(
        _run(venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "-q", "--no-deps", wheel)

    where = _run(venv / "bin" / "python", "-c", "import gallery.web.app as m; print(m.__file__)", cwd=tmp_path)
    assert where.strip().startswith(str(site)), f"gallery imported from {where} instead of the installed wheel"
    library = tmp_path / "library"
    out = _run(venv / "bin" / "gallery", "--root", library, "demo", "--no-serve", cwd=tmp_path)
    assert "Imported" in out
    with serving(library, command=[str(venv / "bin" / "gallery")]) as base:
        home = urllib.request.urlopen(base + "/", timeout=10).read().decode()
        assert "/albums/" in home
        assert urllib.request.urlopen(base + "/static/style.css", timeout=10).status == 200
        albums = json.load(urllib.request.urlopen(base + "/api/albums", timeout=10))
        assert albums, "the demo published albums"
        thumb = home[home.index("/thumbs/grid/") :].split('"')[0].split(" ")[0]
        image = urllib.request.urlopen(base + thumb, timeout=10)
        assert image.headers["content-type"] == "image/webp" and image.read()[:4] == b"RIFF"
