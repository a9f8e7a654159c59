"""Errors of the core, each mapped to one HTTP status by the view.

The core raises these and knows nothing of HTTP; `status`, `category` and
`retry_after` are here only so the adapters (view, metrics, logs) share one
table instead of each keeping its own.
"""


class ThumbnailError(Exception):
    """Base class; `reason` is a short text that is safe to log and to show."""

    status = 400
    category = "error"
    retry_after: int | None = None

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidSpec(ThumbnailError):
    """The URL or the arguments do not describe a thumbnail (400)."""

    status = 400
    category = "malformed"


class NotAllowed(ThumbnailError):
    """A valid, signed request that the operator's policy refuses (400)."""

    status = 400
    category = "policy"


class BadSignature(ThumbnailError):
    """The signature matches neither the current key nor a fallback key (401)."""

    status = 401
    category = "signature"


class SourceMissing(ThumbnailError):
    """The source does not exist, or resolves outside the source storage (404)."""

    status = 404
    category = "missing"


class SourceRejected(ThumbnailError):
    """The source exists but will not be processed: not an image, broken... (422)."""

    status = 422
    category = "unprocessable"


class SourceTooLarge(SourceRejected):
    """Over MAX_SOURCE_PIXELS or MAX_SOURCE_BYTES, known before decoding (422)."""

    category = "too_large"


class RenderOutOfMemory(SourceTooLarge):
    """The render ran out of RENDER_MEMORY_LIMIT: this source at this size costs too much (422)."""

    category = "out_of_memory"


class Busy(ThumbnailError):
    """Another worker is generating this thumbnail right now (404, no-store)."""

    status = 404
    category = "locked"


class StorageUnavailable(ThumbnailError):
    """The thumbnail could not be written (disk full, permissions): try later (503)."""

    status = 503
    category = "storage"
    retry_after = 5


class LockUnavailable(ThumbnailError):
    """The lock cache (Redis, memcached...) does not answer: no safe way to render (503)."""

    status = 503
    category = "lock"
    retry_after = 5


class Overloaded(ThumbnailError):
    """This worker already runs as many generations as allowed, and its queue is full (503)."""

    status = 503
    category = "overloaded"
    retry_after = 2


class GenerationTimeout(ThumbnailError):
    """A generation ran past GENERATION_TIMEOUT and was abandoned (503)."""

    status = 503
    category = "timeout"
    retry_after = 10


class RenderCrashed(SourceRejected):
    """The render process died on this source (a decoder crash, its memory fence) (422)."""

    category = "crashed"


class RenderPoolUnavailable(ThumbnailError):
    """The render pool does not answer (not started, or shutting down) (503)."""

    status = 503
    category = "render_pool"
    retry_after = 5
