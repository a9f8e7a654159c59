"""The render pool's messages: what a request process and a render process say.

A job travels as a small JSON header (the engine, the spec, the options) with
the source's file descriptor beside it, or the source's bytes after it when the
source is not a local file. The answer is one tag byte and a length-prefixed
body. Nothing here is pickled: a render process handles hostile input, so
what it sends back must be plain data the other side parses with care.
"""

import dataclasses
import json
import socket
import struct
from dataclasses import dataclass
from typing import Any

from ...core.spec import ThumbnailSpec
from ...exceptions import (
    GenerationTimeout,
    RenderOutOfMemory,
    SourceRejected,
    SourceTooLarge,
    ThumbnailError,
)
from ..engine import EngineOptions

_LENGTH = struct.Struct(">I")
READY = struct.Struct(">I")  # a render process announces itself with its PID
THUMBNAIL, ERROR = b"T", b"E"
MAX_HEADER = 64 * 1024
# The answers a render process may give; anything else is reported as a crash.
_ERRORS: dict[str, type[ThumbnailError]] = {
    SourceRejected.category: SourceRejected,
    SourceTooLarge.category: SourceTooLarge,
    RenderOutOfMemory.category: RenderOutOfMemory,
    GenerationTimeout.category: GenerationTimeout,
}


@dataclass(frozen=True)
class Job:
    engine: str
    spec: ThumbnailSpec
    options: EngineOptions
    cpu_seconds: float
    payload_bytes: int  # 0 when the source travels as a file descriptor

    def encode(self) -> bytes:
        header = json.dumps(
            {
                "engine": self.engine,
                # The method as its URL text; ThumbnailSpec parses it back.
                "spec": {**dataclasses.asdict(self.spec), "method": str(self.spec.method)},
                "options": dataclasses.asdict(self.options),
                "cpu_seconds": self.cpu_seconds,
                "payload_bytes": self.payload_bytes,
            }
        ).encode()
        return _LENGTH.pack(len(header)) + header

    @classmethod
    def decode(cls, header: bytes) -> "Job":
        fields = json.loads(header)
        options = fields["options"]
        options["background"] = tuple(options["background"])
        options["source_formats"] = tuple(options["source_formats"])
        return cls(
            engine=fields["engine"],
            spec=ThumbnailSpec(**fields["spec"]),
            options=EngineOptions(**options),
            cpu_seconds=float(fields["cpu_seconds"]),
            payload_bytes=int(fields["payload_bytes"]),
        )


def send_answer(connection: socket.socket, tag: bytes, body: bytes) -> None:
    connection.sendall(tag + _LENGTH.pack(len(body)) + body)


def send_error(connection: socket.socket, error: ThumbnailError) -> None:
    body = json.dumps({"category": error.category, "reason": error.reason}).encode()
    send_answer(connection, ERROR, body)


def receive_exactly(connection: socket.socket, size: int, start: bytes = b"") -> bytes:
    """`size` bytes (of which `start` already arrived); EOFError if the peer hangs up."""
    parts = [start]
    received = len(start)
    while received < size:
        chunk = connection.recv(min(size - received, 1 << 20))
        if not chunk:
            raise EOFError("the other side hung up")
        parts.append(chunk)
        received += len(chunk)
    return b"".join(parts)


def receive_answer(connection: socket.socket, max_bytes: int) -> bytes:
    """The thumbnail's bytes, or the render process's error raised as a ThumbnailError."""
    head = receive_exactly(connection, 1 + _LENGTH.size)
    tag, (length,) = head[:1], _LENGTH.unpack(head[1:])
    if tag not in (THUMBNAIL, ERROR) or length > max_bytes:
        raise EOFError("the render process sent something that is not an answer")
    body = receive_exactly(connection, length)
    if tag == THUMBNAIL:
        return body
    raise _error_from(body)


def _error_from(body: bytes) -> ThumbnailError:
    try:
        fields: dict[str, Any] = json.loads(body)
        kind = _ERRORS[fields["category"]]
        reason = str(fields["reason"])[:300]
    except (ValueError, KeyError, TypeError):
        return SourceRejected("source could not be rendered")
    return kind(reason)


def header_length(prefix: bytes) -> int:
    (length,) = _LENGTH.unpack(prefix[: _LENGTH.size])
    if length > MAX_HEADER:
        raise ValueError("job header too long")
    return length


HEADER_PREFIX = _LENGTH.size
