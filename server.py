"""ASGI entry point: `uvicorn server:app` or `granian --interface asgi server:app` (or `gallery serve`).

Settings come from GALLERY_* variables (see the README).
"""

from gallery.web.app import app_from_env

app = app_from_env()
