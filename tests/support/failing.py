"""A cache and a storage that fail on any call: proof that URL building does no I/O."""

from typing import Any

from django.core.cache.backends.base import BaseCache
from django.core.files.storage import Storage


class IOAttempted(AssertionError):
    pass


def _fail(*args: Any, **kwargs: Any) -> Any:
    raise IOAttempted("URL building must not touch a cache or a storage")


class FailingCache(BaseCache):
    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)

    add = get = set = touch = delete = clear = has_key = get_many = set_many = _fail


class FailingStorage(Storage):
    _open = _save = delete = exists = listdir = size = url = path = _fail
    get_accessed_time = get_created_time = get_modified_time = _fail
