"""The exception tree. Each error that reaches the web carries its HTTP status.

* GalleryError            any failure this package reports on purpose (CLI: one line, exit 1)
  - ConfigError           a bad setting or library root
  - SourceError           an import source that cannot be read at all
  - ImportBusy            another import holds the library lock
  - ImportAborted         the library cannot take more (disk full): what was archived is kept
  - ProgrammeError        a malformed mission programme (line and field named)
  - NotFound (404)        missing, private or out-of-scope resource: never says which
  - Forbidden (403)       a request that is understood but refused (CSRF, no admin rights)
  - BadRequest (400)      malformed input from a client
  - TooLarge (413)        an upload over the limits
  - ReadOnlyLibrary (503) the library cannot be written (read-only media, another user's files)
  - StorageFull (503)     a write failed because the disk is full (reads keep working)
  - CatalogError (503)    the catalog could not be read or written (locked, full, damaged)
"""

from __future__ import annotations


class GalleryError(Exception):
    status_code = 500


class ConfigError(GalleryError):
    pass


class SourceError(GalleryError):
    pass


class ImportBusy(GalleryError):
    pass


class ImportAborted(GalleryError):
    pass


class ProgrammeError(GalleryError):
    status_code = 400


class NotFound(GalleryError):
    status_code = 404


class Forbidden(GalleryError):
    status_code = 403


class BadRequest(GalleryError):
    status_code = 400


class TooLarge(GalleryError):
    status_code = 413


class ReadOnlyLibrary(GalleryError):
    status_code = 503


class StorageFull(GalleryError):
    status_code = 503


class CatalogError(GalleryError):
    """The catalog refused a read or a write; the database's own error is its __cause__."""

    status_code = 503
