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
from ...storage.atomic import WriteFailed
from ..options import EngineOptions

MAX_HEADER = 64 * 1024
_LENGTH = struct.Struct(">I")
_HEAD = 1 + _LENGTH.size  # an answer's tag and length
_FIRST_READ = _HEAD + MAX_HEADER
READY = struct.Struct(">I")  # a render process announces itself with its PID
# The thumbnail's bytes; a render error; written to its file (size and timings);
# the write failed (errno and its text).
THUMBNAIL, ERROR, WRITTEN, WRITE_FAILED = b"T", b"E", b"W", b"F"
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
    # Where the render process writes the thumbnail (a local folder), and the temp
    # name it writes first; both empty: it sends the bytes back instead.
    destination: str = ""
    temp_path: str = ""

    def encode(self) -> bytes:
        header = json.dumps(
            {
                "engine": self.engine,
                # The method as its URL text; ThumbnailSpec parses it back.
                "spec": {**_shallow_fields(self.spec), "method": str(self.spec.method)},
                "options": _shallow_fields(self.options),
                "cpu_seconds": self.cpu_seconds,
                "payload_bytes": self.payload_bytes,
                "destination": self.destination,
                "temp_path": self.temp_path,
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
            destination=str(fields["destination"]),
            temp_path=str(fields["temp_path"]),
        )


def _shallow_fields(instance: Any) -> dict[str, Any]:
    # Not dataclasses.asdict: it deep-copies every value, which made encoding a job
    # cost more than everything else the request side does with it.
    kind = type(instance)
    names = _FIELD_NAMES.get(kind)
    if names is None:
        # dataclasses.fields() builds its answer anew on every call, twice per job.
        names = _FIELD_NAMES[kind] = tuple(field.name for field in dataclasses.fields(kind))
    return {name: getattr(instance, name) for name in names}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def send_answer(connection: socket.socket, tag: bytes, body: bytes) -> None:
    connection.sendall(tag + _LENGTH.pack(len(body)) + body)


def send_error(connection: socket.socket, error: ThumbnailError) -> None:
    body = json.dumps({"category": error.category, "reason": error.reason}).encode()
    send_answer(connection, ERROR, body)


@dataclass(frozen=True)
class Written:
    """What a render process that wrote the thumbnail itself answers: no pixels."""

    bytes: int
    render_seconds: float
    write_seconds: float


# A written thumbnail's answer is fixed-size numbers, not JSON: it is the answer to
# every miss, read by the request side on its critical path.
_WRITTEN_BODY = struct.Struct(">Qdd")


def send_written(connection: socket.socket, written: Written) -> None:
    body = _WRITTEN_BODY.pack(written.bytes, written.render_seconds, written.write_seconds)
    send_answer(connection, WRITTEN, body)


def send_write_failed(connection: socket.socket, error: OSError) -> None:
    body = json.dumps({"errno": error.errno or 0, "strerror": error.strerror or ""}).encode()
    send_answer(connection, WRITE_FAILED, body)


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


def receive_answer(connection: socket.socket, max_bytes: int) -> bytes | Written:
    """The thumbnail's bytes, or what was written, or the render process's error raised
    as a ThumbnailError (WriteFailed for a failed write)."""
    # One read takes a whole short answer (a size, an error), where reading the head
    # and then the body cost two system calls and two waits for every miss.
    first = connection.recv(_FIRST_READ)
    if not first:
        raise EOFError("the other side hung up")
    head = receive_exactly(connection, _HEAD, first)
    tag, (length,) = head[:1], _LENGTH.unpack(head[1:_HEAD])
    if tag not in (THUMBNAIL, ERROR, WRITTEN, WRITE_FAILED) or length > max_bytes:
        raise EOFError("the render process sent something that is not an answer")
    if tag != THUMBNAIL and length > MAX_HEADER:
        raise EOFError("the render process sent an answer too long for what it says")
    body = receive_exactly(connection, length, head[_HEAD:])[:length]
    if tag == THUMBNAIL:
        return body
    if tag == WRITTEN:
        return _written_from(body)
    if tag == WRITE_FAILED:
        raise _write_failure_from(body)
    raise _error_from(body)


def _written_from(body: bytes) -> Written:
    try:
        return Written(*_WRITTEN_BODY.unpack(body))
    except struct.error:
        raise EOFError("the render process sent something that is not an answer") from None


def _write_failure_from(body: bytes) -> WriteFailed:
    try:
        fields = json.loads(body)
        return WriteFailed(int(fields["errno"]), str(fields["strerror"])[:300])
    except (ValueError, KeyError, TypeError):
        return WriteFailed(0, "the render process could not write the thumbnail")


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
