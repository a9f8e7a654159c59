"""Is this worker able to do its job? The thumbnail storage takes a write and the
lock cache answers. Used by load balancers; cheap enough to call every second.
"""

import os
import secrets

from django.core.cache.backends.base import BaseCache
from django.core.files.storage import Storage

from .storage import write_thumbnail


def check_storage(storage: Storage) -> str:
    """Write and delete a small file the way thumbnails are written (temp name, rename)."""
    name = f".health/{os.getpid()}-{secrets.token_hex(4)}"
    try:
        write_thumbnail(storage, name, b"ok")
        storage.delete(name)
    except Exception as exc:
        return f"not writable ({type(exc).__name__})"
    return "ok"


def check_cache(cache: BaseCache, prefix: str) -> str:
    key = f"{prefix}:health:{os.getpid()}:{secrets.token_hex(4)}"
    try:
        if not cache.add(key, "ok", timeout=5) or cache.get(key) != "ok":
            return "not answering correctly"
        cache.delete(key)
    except Exception as exc:
        return f"not answering ({type(exc).__name__})"
    return "ok"
