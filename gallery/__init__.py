"""A self-hosted photo archive and gallery that groups a mission's photos into event albums."""

__version__ = "0.1.0"
