"""Celery tasks (`pip install 'restthumbnails[celery]'`): `restthumbnails.tasks.render_thumbnails`.

Celery's autodiscovery imports this module; the task itself is written in
`restthumbnails.lifecycle.tasks`, beside the batch it runs.
"""

from .lifecycle.tasks import render_thumbnails

__all__ = ["render_thumbnails"]
