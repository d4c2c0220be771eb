"""Helpers for the web benchmarks: a real uvicorn, a real nginx (one worker each), wrk."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    {access_log}
    sendfile on;
    tcp_nopush on;
    types {{ image/webp webp; text/html html; }}
    client_body_temp_path {work}/client;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location /thumbs/ {{
            alias {thumbs}/;
            add_header Cache-Control "public, max-age=31536000, immutable";
            etag on;
        }}
        location /static-pages/ {{ alias {pages}/; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server at {url} did not start") from None
            time.sleep(0.1)


@contextmanager
def gallery_server(root: Path, probe_path: str = "/", server: str = "gallery") -> Iterator[str]:
    """`gallery serve` (granian), or the same app under uvicorn (`server="uvicorn"`)."""
    port = free_port()
    if server == "bare":
        command = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
            "--no-ws",
            "--working-dir",
            str(Path(__file__).resolve().parent),
            "bare_asgi:app",
        ]
    elif server == "uvicorn":
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "server:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
    else:
        command = [sys.executable, "-m", "gallery", "--root", str(root), "serve", "--port", str(port)]
    process = subprocess.Popen(
        command,
        cwd=Path(__file__).resolve().parent.parent,
        env={**__import__("os").environ, "GALLERY_ROOT": str(root)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + probe_path, process)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def nginx_server(work: Path, thumbs: Path, pages: Path, access_log: bool = False) -> Iterator[str | None]:
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if binary is None:
        yield None
        return
    port = free_port()
    work.mkdir(parents=True, exist_ok=True)
    conf = work / "nginx.conf"
    log = f"access_log {work}/access.log;" if access_log else "access_log off;"
    conf.write_text(
        NGINX_CONF.format(work=work, port=port, thumbs=thumbs.resolve(), pages=pages.resolve(), access_log=log)
    )
    process = subprocess.Popen(
        [binary, "-c", str(conf), "-p", str(work)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/static-pages/index.html", process)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def wrk(
    url: str, paths: list[str], seconds: int = 10, connections: int = 50, headers: tuple[str, ...] = ()
) -> dict[str, float]:
    """Requests/s and p50/p99 latency (ms) from wrk, cycling through `paths`."""
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk is not installed (Debian package wrk)")
    script = Path(__file__).resolve().parent / "out" / "paths.lua"
    script.parent.mkdir(exist_ok=True)
    listed = ",".join(f'"{p}"' for p in paths)
    script.write_text(
        f"local paths = {{{listed}}}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n"
        "  return wrk.format(nil, paths[i])\nend\n"
    )
    output = subprocess.run(
        [binary, "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script)]
        + [arg for header in headers for arg in ("-H", header)]
        + [url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": rate,
        "p50": _latency(output, "50%"),
        "p99": _latency(output, "99%"),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def _latency(output: str, percentile: str) -> float:
    match = re.search(rf"{re.escape(percentile)}\s+([\d.]+)(us|ms|s)", output)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
