"""What every thumbnail request goes through, whichever route answers it.

The Django view and serve's lean route (server/lean_route.py) both check a path
and log their answer here, so the two cannot drift apart: same checks in the
same order, same error bodies, same metrics, same one log line.
"""

import logging
import time
from dataclasses import dataclass

from ..conf import Settings
from ..core.formats import OUTPUT_FORMATS
from ..core.logsafe import redact
from ..core.policy import check_allowed, check_renderable
from ..core.signing import verify
from ..core.spec import ThumbnailSpec, parse_path
from ..exceptions import SourceMissing, SourceRejected, ThumbnailError
from ..render import faces
from ..render.fallback import placeholder
from . import metrics
from .service import Outcome, ThumbnailService
from .wiring import service_for

logger = logging.getLogger("restthumbnails")

ERROR_CONTENT_TYPE = "text/plain; charset=utf-8"

# The URL conf's pattern, and serve's lean route's. Looser than the spec on
# purpose: any method name (future methods such as `faces` or `focus-30-70`), any
# digits around the `x`, any extension, and either case take this shape, so a
# wrong or non-canonical part is a 400 that says which, not a 404. ASCII classes
# only: `\d` would also take other scripts' digits.
THUMBNAIL_SHAPE = (
    r"^(?P<path>[\s\S]+/[0-9]*[xX][0-9]*/[a-zA-Z0-9-]+/[0-9a-fA-F]{64}\.[a-zA-Z0-9]+)\Z"
)


def error_body(reason: str) -> str:
    """Short plain text that never echoes the request."""
    return f"{reason}\n"


def checked_request(path: str, settings: Settings) -> tuple[ThumbnailSpec, str]:
    """The spec and signature of a thumbnail path this server may render.

    Raises the ThumbnailError (400, 403...) of the first check that fails.
    """
    spec, signature = parse_path(path, max_dimension=settings.max_dimension)
    verify(spec, signature, key=settings.secret_key, fallback_keys=settings.secret_key_fallbacks)
    check_allowed(spec, settings.allowed_thumbnails)
    check_renderable(spec, faces_available=faces.available)
    return spec, signature


@dataclass(frozen=True)
class Ensured:
    """The thumbnail is stored: the response backend sends it."""

    service: ThumbnailService
    outcome: Outcome

    @property
    def logged_outcome(self) -> str:
        return "miss" if self.outcome.generated else "hit"


@dataclass(frozen=True)
class Refusal:
    """An answer without a stored thumbnail: an error, or the fallback image."""

    status: int
    # Content-Type first, then the others in the order they are sent.
    headers: list[tuple[str, str]]
    body: bytes
    logged_outcome: str


def ensure_requested(path: str, settings: Settings) -> Ensured | Refusal:
    """Check the path and make sure its thumbnail is stored, or say why not."""
    spec = None
    try:
        spec, signature = checked_request(path, settings)
        service = service_for(settings)
        outcome = service.ensure(spec, signature)
    except ThumbnailError as exc:
        metrics.REJECTIONS.labels(reason=exc.category).inc()
        if settings.fallback_image and spec and isinstance(exc, SourceMissing | SourceRejected):
            return _fallback(spec, exc, settings)
        return error_refusal(exc)
    return Ensured(service, outcome)


def error_refusal(exc: ThumbnailError, logged_outcome: str | None = None) -> Refusal:
    headers = [("Content-Type", ERROR_CONTENT_TYPE), ("Cache-Control", "no-store")]
    if exc.retry_after:
        headers.append(("Retry-After", str(exc.retry_after)))
    body = error_body(exc.reason).encode()
    return Refusal(exc.status, headers, body, logged_outcome or exc.reason)


def _fallback(spec: ThumbnailSpec, exc: ThumbnailError, settings: Settings) -> Refusal:
    assert settings.fallback_image is not None
    outcome = f"fallback for {exc.category}: {exc.reason}"
    try:
        body = placeholder(settings.fallback_image, spec, settings.engine)
    except (OSError, ThumbnailError) as error:
        logger.error("fallback image %s unusable: %s", settings.fallback_image, error)
        return error_refusal(exc, outcome)
    headers = [
        ("Content-Type", OUTPUT_FORMATS[spec.ext].content_type),
        ("Cache-Control", f"public, max-age={settings.fallback_max_age}"),
        ("X-Thumbnail-Fallback", exc.category),
    ]
    return Refusal(200, headers, body, outcome)


def log_answer(status: int, path: str, outcome: str, started: float) -> None:
    """Count the answer and log its one line."""
    elapsed_ms = (time.perf_counter() - started) * 1000
    metrics.REQUESTS.labels(status=str(status)).inc()
    # Both come from the request (the outcome can name its method): escaped.
    name, outcome = redact(path), redact(outcome)
    logger.log(
        logging.WARNING if status >= 500 else logging.INFO,
        "%d %s: %s (%.0f ms)",
        status,
        name,
        outcome,
        elapsed_ms,
        extra={
            "status": status,
            "thumbnail": name,
            "outcome": outcome,
            "duration_ms": round(elapsed_ms, 1),
        },
    )
