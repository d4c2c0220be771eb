"""The ceiling: an ASGI app that answers every request with the same bytes from memory, nothing else."""

import os

BODY = b"\0" * int(os.environ.get("BARE_SIZE", "22000"))
HEADERS = [(b"content-type", b"image/webp"), (b"content-length", str(len(BODY)).encode())]


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
