"""A real nginx (Debian's) running the block `gallery nginx-config` prints, for tests and bench/."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main_conf(folder: Path, server_block: str, workers: int = 1) -> Path:
    """nginx.conf around the generated server block: everything in `folder`, no root needed."""
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    (folder / "server.conf").write_text(server_block, encoding="utf-8")
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {folder}/tmp/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""{user}
worker_processes {workers};
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
{temp}
    include {folder}/server.conf;
}}
""",
        encoding="utf-8",
    )
    return conf


@contextmanager
def nginx_front(root: Path, upstream: str, folder: Path, workers: int = 1) -> Iterator[str]:
    """`gallery nginx-config` for `root` (proxying to `upstream`), run by a real nginx; yields its base URL."""
    assert NGINX is not None
    port = free_port()
    block = subprocess.run(
        [sys.executable, "-m", "gallery", "--root", str(root), "nginx-config", "--listen", f"127.0.0.1:{port}"]
        + ["--upstream", upstream, "--server-name", "localhost"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    conf = main_conf(folder, block, workers)
    test = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(folder)], capture_output=True, text=True)
    assert test.returncode == 0, test.stderr
    process = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(base + "/static/style.css", timeout=1).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
                    raise RuntimeError(f"nginx did not start: {log[-2000:]}") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(10)
        process.stderr.close()  # type: ignore[union-attr]
