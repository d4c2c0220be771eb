"""The web gallery (Starlette + Jinja2): `create_app(config)` is the only entry point."""

from .app import create_app

__all__ = ["create_app"]
