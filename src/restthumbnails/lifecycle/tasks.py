"""Celery tasks (`pip install 'restthumbnails[celery]'`); the only module that imports Celery.

The task is acknowledged only once it has run (`acks_late`), and given back to
the queue if its worker dies (`reject_on_worker_lost`): a killed worker's batch
runs again on the next one. That rerun renders nothing twice: each thumbnail
goes through the same lock and existence check as a request, so the ones
already written are skipped.
"""

from typing import Any

from ..extras import packages_missing

try:
    from celery import shared_task
except ImportError as exc:  # one line naming the fix, not only "No module named"
    raise ImportError(packages_missing("restthumbnails.tasks", ("celery",), "celery")) from exc

from .batch import render_batch


@shared_task(
    name="restthumbnails.render_thumbnails",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def render_thumbnails(names: list[str]) -> dict[str, Any]:
    """Render thumbnails given by name (`<source>/<size>/<method>/<signature>.<ext>`)."""
    return render_batch(names)
