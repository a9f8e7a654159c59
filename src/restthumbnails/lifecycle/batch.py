"""A batch of thumbnails named by their signed paths: what the Celery task renders."""

import logging
from collections.abc import Iterator
from typing import Any

from ..conf import Settings, get_settings
from ..core.signing import verify
from ..core.spec import parse_path
from ..exceptions import ThumbnailError
from .progress import Progress
from .warming import Job, Refusal, warm, warm_settings

logger = logging.getLogger("restthumbnails")


class _LogLines:
    """A stream that logs each line: refusals of a batch go to the worker's log."""

    def write(self, text: str, /) -> int:
        for line in text.splitlines():
            if line.strip():
                logger.warning("%s", line)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _jobs(names: list[str], settings: Settings) -> Iterator[Job | Refusal]:
    # The queue is not trusted more than a URL: only a name signed with our key
    # (and allowed by the policy, checked in warm) is rendered.
    for name in names:
        try:
            spec, signature = parse_path(name, max_dimension=settings.max_dimension)
            verify(
                spec,
                signature,
                key=settings.secret_key,
                fallback_keys=settings.secret_key_fallbacks,
            )
        except ThumbnailError as exc:
            yield Refusal(name, exc)
            continue
        yield Job(spec, signature)


def render_batch(names: list[str]) -> dict[str, Any]:
    """Render each name once (existing ones are skipped); a summary for the task's result."""
    settings = get_settings()
    from ..serving.wiring import service_for

    service = service_for(warm_settings(settings, workers=1, threads=1))
    summary = warm(
        service,
        _jobs(names, settings),
        threads=1,
        progress=Progress(_LogLines(), label="batch", enabled=False),
        allowed=settings.allowed_thumbnails,
    )
    logger.info("%s", summary.line().replace("warm:", "batch:", 1))
    return {
        "rendered": summary.rendered,
        "skipped": summary.skipped,
        "refused": dict(summary.refused),
    }
