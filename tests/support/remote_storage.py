"""A storage without local paths: reads go through open(), as on S3."""

import io
from typing import Any, ClassVar

from django.core.files.base import File
from django.core.files.storage import Storage


class PathlessStorage(Storage):
    """Files in a dict shared by every instance, so a test and the view see one bucket."""

    objects: ClassVar[dict[str, bytes]] = {}

    def __init__(self, **options: Any) -> None:
        pass

    def _open(self, name: str, mode: str = "rb") -> File:
        return File(io.BytesIO(self.objects[name]), name)

    def _save(self, name: str, content: File) -> str:
        self.objects[name] = content.read()
        return name

    def exists(self, name: str) -> bool:
        return name in self.objects

    def size(self, name: str) -> int:
        return len(self.objects[name])

    def delete(self, name: str) -> None:
        self.objects.pop(name, None)
