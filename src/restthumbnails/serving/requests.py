"""What every thumbnail request goes through, whichever route answers it.

The Django view and serve's lean route (server/lean_route.py) both check a path
and log their answer here, so the two cannot drift apart: same checks in the
same order, same error bodies, same metrics, same one log line.
"""

import logging
import time

from ..conf import Settings
from ..core.logsafe import redact
from ..core.policy import check_allowed, check_renderable
from ..core.signing import verify
from ..core.spec import ThumbnailSpec, parse_path
from ..render import faces
from . import metrics

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
