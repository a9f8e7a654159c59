"""Errors of the core, each mapped to one HTTP status by the view.

The core raises these and knows nothing of HTTP; `status` is here only so the
adapters share one table instead of each keeping its own.
"""


class ThumbnailError(Exception):
    """Base class; `reason` is a short text that is safe to log and to show."""

    status = 400

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidSpec(ThumbnailError):
    """The URL or the arguments do not describe a thumbnail (400)."""

    status = 400


class NotAllowed(ThumbnailError):
    """A valid, signed request that the operator's policy refuses (400)."""

    status = 400


class BadSignature(ThumbnailError):
    """The signature matches neither the current key nor a fallback key (401)."""

    status = 401


class SourceMissing(ThumbnailError):
    """The source does not exist, or resolves outside the source storage (404)."""

    status = 404


class SourceRejected(ThumbnailError):
    """The source exists but will not be processed: not an image, too big... (422)."""

    status = 422


class Busy(ThumbnailError):
    """Another worker is generating this thumbnail right now (404, no-store)."""

    status = 404


class StorageUnavailable(ThumbnailError):
    """The thumbnail could not be written (disk full, permissions): try later (503)."""

    status = 503
