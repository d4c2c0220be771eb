"""Streaming multipart uploads straight to disk, with the limits checked while the bytes arrive.

Starlette's form parser spools every file before we can look at it; here each file part is
written to its own folder as it streams in, a file over the size limit is cut off and reported,
and the count and field limits stop the request at once. Memory stays bounded whatever is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from ..errors import BadRequest, TooLarge

MAX_FIELD_BYTES = 4096
MAX_FIELDS = 10


@dataclass
class Upload:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[tuple[str, Path | None, str]] = field(default_factory=list)  # (name, path or None, why refused)


async def receive_files(request: Request, folder: Path, max_files: int, max_bytes: int) -> Upload:
    """Parse a multipart request into `folder`; raises TooLarge past `max_files`, BadRequest if malformed."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise BadRequest("expected a multipart/form-data upload")
    state = _State(folder, max_files, max_bytes)
    parser = MultipartParser(boundary, state.callbacks(), max_header_count=8)  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except (TooLarge, BadRequest):
        raise
    except Exception as exc:  # python-multipart reports malformed bodies with its own errors
        raise BadRequest(f"malformed upload: {exc}") from None
    finally:
        state.close()
    return state.upload


class _State:
    def __init__(self, folder: Path, max_files: int, max_bytes: int) -> None:
        self.folder, self.max_files, self.max_bytes = folder, max_files, max_bytes
        self.upload = Upload()
        self.header_field, self.header_value = b"", b""
        self.headers: dict[bytes, bytes] = {}
        self.name = ""
        self.filename: str | None = None
        self.handle: Any = None
        self.path: Path | None = None
        self.size = 0
        self.refused = ""
        self.value = bytearray()

    def callbacks(self) -> dict[str, Any]:
        return {"on_part_begin": self.part_begin, "on_header_field": self.header_field_data,
                "on_header_value": self.header_value_data, "on_header_end": self.header_end,
                "on_headers_finished": self.headers_finished, "on_part_data": self.part_data,
                "on_part_end": self.part_end}  # fmt: skip

    def part_begin(self) -> None:
        self.headers, self.header_field, self.header_value = {}, b"", b""
        self.name, self.filename, self.path, self.size, self.refused = "", None, None, 0, ""
        self.value = bytearray()

    def header_field_data(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def header_value_data(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def header_end(self) -> None:
        self.headers[self.header_field.lower()] = self.header_value
        self.header_field, self.header_value = b"", b""

    def headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.name = options.get(b"name", b"").decode("utf-8", "replace")[:100]
        if b"filename" not in options:
            if len(self.upload.fields) >= MAX_FIELDS:
                raise TooLarge("too many form fields")
            return
        if len(self.upload.files) >= self.max_files:
            raise TooLarge(f"at most {self.max_files} files per upload")
        raw = options[b"filename"].decode("utf-8", "replace")
        self.filename = Path(raw.replace("\\", "/")).name[:200] or f"upload-{len(self.upload.files)}"
        slot = self.folder / f"{len(self.upload.files):04d}"
        slot.mkdir(parents=True)
        self.path = slot / self.filename
        self.handle = open(self.path, "wb")

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.filename is None:
            self.value += data[start:end]
            if len(self.value) > MAX_FIELD_BYTES:
                raise TooLarge("a form field is too long")
            return
        self.size += end - start
        if self.size > self.max_bytes:
            if not self.refused:
                self.refused = f"over the {self.max_bytes}-byte limit"
                self._drop()
            return
        self.handle.write(data[start:end])

    def part_end(self) -> None:
        if self.filename is None:
            self.upload.fields[self.name] = self.value.decode("utf-8", "replace")
            return
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        self.upload.files.append((self.filename, None if self.refused else self.path, self.refused))

    def _drop(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
