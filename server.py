"""ASGI entry point: `uvicorn server:app` (or `gallery serve`). Settings come from GALLERY_* variables."""

from gallery.config import Config
from gallery.web import create_app

app = create_app(Config.from_env())
